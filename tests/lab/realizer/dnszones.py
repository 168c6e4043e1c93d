"""World -> DNS data for unbound: what Azure DNS (168.63.129.16) answers from the app's VNet.

unbound runs as a recursive resolver whose only "upstream" is a set of auth-zones
(for-upstream: yes, for-downstream: no, fallback-enabled: no): one zone "." holding the public
Azure names, plus one zone per *linked* private DNS zone. The iterator picks the closest zone
for each name and chases CNAMEs across zones, so clients get the chain and the final rcode
exactly as from a real recursive resolver; an empty linked private zone answers NXDOMAIN with
its own SOA, as Azure private DNS does.

The VNet's custom DNS server (a second unbound) either forwards to Azure DNS -- it then serves
the very same zones -- or resolves on its own and does not see the linked privatelink zones: it
then serves only a "." zone in which every privatelink name is the public CNAME to the front.
"""
from world import KINDS

TTL_CNAME, TTL_PRIVATE_A, TTL_PUBLIC = 60, 10, 300
ROOT_SOA = ". 86400 IN SOA a.root-servers.net. nstld.verisign-grs.com. {serial} 1800 900 604800 300"
# What Azure private DNS zones carry (serial 1, negative TTL 10).
PRIVATE_SOA = ("@ 3600 IN SOA azureprivatedns.net. azureprivatedns-host.microsoft.com. "
               "1 3600 300 2419200 10")


def _linked(world, zone):
    z = world["zones"].get(zone)
    return bool(z and z["linked"])


def root_zone(world, serial, sees_links=True):
    """Public names: service aliases and the public fronts. `serial` marks the generation.
    sees_links=False: the view of a resolver outside the linked VNet (every zone unlinked)."""
    lines = [ROOT_SOA.format(serial=serial)]
    for kind in KINDS.values():
        lines.append(f"{kind.front}. {world.get('public_ttl', TTL_PUBLIC)} IN A {kind.front_address}")
    for svc in world["services"]:
        kind = KINDS[svc["kind"]]
        public = f"{svc['name']}.{kind.suffix}."
        alias = f"{svc['name']}.{kind.private_zone}."
        pe = svc["private_endpoint"]
        if pe and pe["connection"] == "Approved":
            lines.append(f"{public} {TTL_CNAME} IN CNAME {alias}")
        else:
            lines.append(f"{public} {TTL_CNAME} IN CNAME {kind.front}.")
        if not (sees_links and _linked(world, kind.private_zone)):
            # Seen from outside a linked VNet, the privatelink name points at the public front.
            lines.append(f"{alias} {TTL_CNAME} IN CNAME {kind.front}.")
    return "\n".join(lines) + "\n"


def private_zone(zone):
    lines = [f"$ORIGIN {zone['name']}.", PRIVATE_SOA]
    for label, addresses in sorted(zone["records"].items()):
        # IPv6 addresses (endpoints with an IPv6 address, preview) are AAAA records.
        lines += [f"{label} {TTL_PRIVATE_A} IN {'AAAA' if ':' in a else 'A'} {a}" for a in addresses]
    return "\n".join(lines) + "\n"


def linked_zones(world):
    return [dict(zone, name=name) for name, zone in sorted(world["zones"].items()) if zone["linked"]]


def zone_file_name(name):
    return "root.zone" if name == "." else f"{name}.zone"


def unbound_conf(address, state_dir, zone_dir, zone_files):
    """zone_files: zone name -> file name in zone_dir."""
    server = f"""server:
  interface: {address}
  port: 53
  interface-automatic: no
  do-ip6: no
  access-control: 0.0.0.0/0 refuse
  access-control: 10.0.0.0/8 allow
  access-control: 127.0.0.0/8 allow
  username: ""
  chroot: ""
  directory: "{state_dir}"
  pidfile: "{state_dir}/unbound.pid"
  logfile: "{state_dir}/unbound.log"
  use-syslog: no
  verbosity: 1
  do-daemonize: yes
  num-threads: 1
  # A check sends every query of every target at once (400 for 200 endpoints): the default
  # receive buffer drops part of such a burst, as a loaded resolver would, and that is not
  # what the benchmark is about.
  so-rcvbuf: 4m
  so-reuseport: no
  module-config: "iterator"
  do-not-query-localhost: yes
  hide-identity: yes
  hide-version: yes
"""
    zones = "".join(f"""auth-zone:
  name: "{name}"
  zonefile: "{zone_dir}/{file}"
  for-downstream: no
  for-upstream: yes
  fallback-enabled: no
""" for name, file in zone_files.items())
    return server + zones
