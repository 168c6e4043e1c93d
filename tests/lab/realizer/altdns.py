"""World -> BIND 9 or dnsmasq playing Azure DNS (world `dns.software`), instead of unbound.

Both answer the tutorial's chain from the same data as unbound (dnszones.py), each in its own
way, so that vnetdiag is tested against more than one server's wire behaviour:

BIND 9 (named) is authoritative for "." and for each linked privatelink zone, with recursion on
for the VNet: it follows a CNAME into another zone it serves and returns the whole chain with the
final rcode (NXDOMAIN with the zone's SOA), like Azure DNS. Its zones need NS records. SIGHUP
reloads configuration and zones; each generation gets new zone file names so that a reload never
skips a file whose timestamp looks unchanged.

dnsmasq has no zones: every name is a `cname` or a `host-record`, `local=` makes other names
under the Azure suffixes NXDOMAIN. A CNAME whose target has no record is answered NOERROR with
the CNAME alone (no NXDOMAIN), so "record missing" cannot be expressed. It reads its
configuration only at start: the lab restarts it on every apply. "." SOA does not exist there;
the generation is the TXT record lab-generation.vdlab.
"""
from world import KINDS
import dnszones

GENERATION_NAME = "lab-generation.vdlab"
NS_NAME = "a.root-servers.net."


def bind_zone_file(name, generation):
    return f"bind-{generation}-{'root' if name == '.' else name}.zone"


def bind_zones(world, generation, dns_address):
    """File name -> text for named: the unbound zones plus the NS records BIND insists on."""
    files = {bind_zone_file(".", generation):
             dnszones.root_zone(world, generation)
             + f". 86400 IN NS {NS_NAME}\n{NS_NAME} 86400 IN A {dns_address}\n"}
    for zone in dnszones.linked_zones(world):
        text = dnszones.private_zone(zone) + f"@ 3600 IN NS {NS_NAME}\n"
        files[bind_zone_file(zone["name"], generation)] = text
    return files


def named_conf(world, generation, address, state_dir, zone_dir):
    zones = "".join(
        f'zone "{name}" {{ type primary; file "{zone_dir}/{bind_zone_file(name, generation)}"; }};\n'
        for name in ["."] + [z["name"] for z in dnszones.linked_zones(world)])
    return f"""options {{
  directory "{state_dir}";
  pid-file "{state_dir}/named.pid";
  session-keyfile "{state_dir}/session.key";
  managed-keys-directory "{state_dir}";
  listen-on port 53 {{ {address}; }};
  listen-on-v6 {{ none; }};
  recursion yes;
  allow-query {{ 10.0.0.0/8; 127.0.0.0/8; }};
  allow-recursion {{ 10.0.0.0/8; 127.0.0.0/8; }};
  dnssec-validation no;
  notify no;
  // A check sends every query at once; the default 1000 would be enough, but say it.
  recursive-clients 10000;
}};
controls {{ }};
logging {{
  channel lab {{ file "{state_dir}/named.log"; severity info; print-time yes; }};
  category default {{ lab; }};
  category lame-servers {{ null; }};
}};
{zones}"""


def dnsmasq_conf(world, generation, address, state_dir):
    lines = [
        f"listen-address={address}",
        "bind-interfaces",
        "no-resolv",
        "no-hosts",
        "no-poll",
        "user=root",
        f"pid-file={state_dir}/dnsmasq.pid",
        f"log-facility={state_dir}/dnsmasq.log",
        # Not a forwarder: everything else under the Azure suffixes does not exist.
        "local=/azure.net/",
        "local=/azure.com/",
        "local=/microsoft.com/",
        f"txt-record={GENERATION_NAME},{generation}",
    ]
    for kind in KINDS.values():
        lines.append(f"host-record={kind.front},{kind.front_address},{world.get('public_ttl', dnszones.TTL_PUBLIC)}")
    linked = {z["name"]: z for z in dnszones.linked_zones(world)}
    for svc in world["services"]:
        kind = KINDS[svc["kind"]]
        public = f"{svc['name']}.{kind.suffix}"
        alias = f"{svc['name']}.{kind.private_zone}"
        pe = svc["private_endpoint"]
        approved = pe and pe["connection"] == "Approved"
        lines.append(f"cname={public},{alias if approved else kind.front},{dnszones.TTL_CNAME}")
        if kind.private_zone not in linked:
            lines.append(f"cname={alias},{kind.front},{dnszones.TTL_CNAME}")
    for zone in linked.values():
        for label, addresses in sorted(zone["records"].items()):
            # One host-record per address: dnsmasq takes at most one IPv4 and one IPv6 each.
            lines += [f"host-record={label}.{zone['name']},{a},{dnszones.TTL_PRIVATE_A}"
                      for a in addresses]
    return "\n".join(lines) + "\n"
