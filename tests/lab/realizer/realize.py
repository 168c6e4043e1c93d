#!/usr/bin/env python3
"""Realize a world: validate it and write every file the lab's servers read.

    realize.py WORLD --run RUN_DIR --lab LAB_DIR --generation N [--default-delay-ms D]

WORLD is a path or '-' (stdin). Writes into RUN_DIR/world/ (each file replaced atomically):
unbound.conf and zone files (Azure DNS; with dns.software bind9 also named.conf and its
bind-*.zone files, with dnsmasq dnsmasq.conf), unbound-custom.conf and custom-root.zone (the custom
DNS server, when the world has one), nginx-vnet.conf, nginx-inet.conf, vnet.rules
(iptables-restore), vnet.rules6 (ip6tables-restore), app.routes and app.routes6 (ip -batch and
ip -6 -batch for the app namespace), resolv.conf (the app's), endpoints (IPv4 and IPv6
addresses, one a line), world.json (normalised) and plan.env (shell variables for the
lab script). Performs no other I/O; the lab script pushes the files to the servers.
"""
import argparse
import json
import os
import shlex
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
import altdns  # noqa: E402
import appside  # noqa: E402
import dnszones  # noqa: E402
import firewall  # noqa: E402
import nginxconf  # noqa: E402
import world as worldmod  # noqa: E402


def write(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("world")
    ap.add_argument("--run", required=True)
    ap.add_argument("--lab", required=True)
    ap.add_argument("--generation", type=int, required=True)
    ap.add_argument("--default-delay-ms", type=int, default=0)
    args = ap.parse_args()

    if args.world == "-":
        text, origin = sys.stdin.read(), "stdin"
    else:
        try:
            with open(args.world) as f:
                text, origin = f.read(), args.world
        except OSError as e:
            raise worldmod.WorldError(f"cannot read world: {e}") from None
    world = worldmod.parse(text, origin)

    run = os.path.abspath(args.run)
    out, pki, snippets = f"{run}/world", f"{run}/pki", os.path.abspath(f"{args.lab}/nginx")
    os.makedirs(out, exist_ok=True)
    gen = args.generation
    delay = world["delay_ms"] if world["delay_ms"] is not None else args.default_delay_ms

    private = dnszones.linked_zones(world)
    azure = {".": dnszones.zone_file_name(".")}
    azure.update({z["name"]: dnszones.zone_file_name(z["name"]) for z in private})
    zone_files = {azure["."]: dnszones.root_zone(world, gen)}
    zone_files.update({azure[z["name"]]: dnszones.private_zone(z) for z in private})
    custom = world["custom_dns"]
    if custom:
        # Forwarding to Azure DNS answers exactly as Azure DNS; otherwise only the public view.
        if custom["forwards_privatelink"]:
            custom_zones = azure
        else:
            custom_zones = {".": "custom-root.zone"}
            zone_files["custom-root.zone"] = dnszones.root_zone(world, gen, sees_links=False)
    software = world["dns_software"]
    if software == "bind9":
        zone_files.update(altdns.bind_zones(world, gen, worldmod.DNS_SERVER_ADDRESS))
    for name in os.listdir(out):
        if name.endswith(".zone") and name not in zone_files:
            os.remove(f"{out}/{name}")
    for name, text in zone_files.items():
        write(f"{out}/{name}", text)
    write(f"{out}/unbound.conf",
          dnszones.unbound_conf(worldmod.DNS_SERVER_ADDRESS, f"{run}/dns", out, azure))
    # Only the chosen server's configuration exists: the lab script starts what it finds.
    alt = {"bind9": ("named.conf", lambda: altdns.named_conf(
               world, gen, worldmod.DNS_SERVER_ADDRESS, f"{run}/dns", out)),
           "dnsmasq": ("dnsmasq.conf", lambda: altdns.dnsmasq_conf(
               world, gen, worldmod.DNS_SERVER_ADDRESS, f"{run}/dns"))}
    for name, (conf, make) in alt.items():
        if name == software:
            write(f"{out}/{conf}", make())
        elif os.path.exists(f"{out}/{conf}"):
            os.remove(f"{out}/{conf}")
    if custom:
        write(f"{out}/unbound-custom.conf",
              dnszones.unbound_conf(worldmod.CUSTOM_DNS_ADDRESS, f"{run}/dns-custom", out, custom_zones))
    elif os.path.exists(f"{out}/unbound-custom.conf"):
        os.remove(f"{out}/unbound-custom.conf")
    write(f"{out}/nginx-vnet.conf",
          nginxconf.private_endpoints(world, f"{run}/nginx-vnet", pki, snippets, gen))
    write(f"{out}/nginx-inet.conf",
          nginxconf.public_fronts(world, f"{run}/nginx-inet", pki, snippets, gen))
    write(f"{out}/vnet.rules", firewall.ruleset(world, delay))
    write(f"{out}/vnet.rules6", firewall.ruleset6(world, delay))
    write(f"{out}/app.routes", appside.route_batch(world))
    write(f"{out}/app.routes6", appside.route_batch6(world))
    write(f"{out}/resolv.conf", appside.resolv_conf(world))
    addresses = firewall.endpoint_addresses(world)
    write(f"{out}/endpoints", "".join(f"{a}\n" for a in addresses))
    write(f"{out}/world.json", json.dumps(world, indent=2) + "\n")
    plan = {
        "WORLD_DNS": world["dns_server"],
        "WORLD_DNS_SOFTWARE": software,
        "WORLD_CUSTOM_DNS": custom["state"] if custom else "none",
        "WORLD_APP_PATH": ("not-integrated" if not world["app"]["integrated"]
                           else "route-all" if world["app"]["route_all"] else "rfc1918"),
        "WORLD_APP_DNS": " ".join(world["app"]["dns_servers"]),
        "WORLD_DELAY_MS": str(delay),
        "WORLD_ENDPOINTS": str(sum(1 for a in addresses if ":" not in a)),
        "WORLD_ENDPOINTS6": str(sum(1 for a in addresses if ":" in a)),
        "WORLD_DESCRIPTION": world["description"],
    }
    write(f"{out}/plan.env", "".join(f"{k}={shlex.quote(v)}\n" for k, v in plan.items()))


if __name__ == "__main__":
    try:
        main()
    except worldmod.WorldError as e:
        print(f"lab: bad world: {e}", file=sys.stderr)
        sys.exit(2)
