"""World -> the app's side: its routing table and its resolv.conf.

The app namespace has two ways out, as an App Service instance does: eth0 into the VNet
(integration) and pub0, the platform's default ("public") path to the internet. Which
destinations take which way depends on the world's `app` section:

  integrated, route_all off   RFC1918 via the VNet, everything else via pub0 (Azure's default)
  integrated, route_all on    everything via the VNet
  not integrated              everything via pub0; only Azure DNS (reachable platform-wide)
                              and a custom DNS server the app uses stay reachable via eth0

Routes are written as an `ip -batch` file that flushes the lab's static routes and adds the
wanted ones; the kernel's own subnet routes (proto kernel) are left alone. IPv6 gets its own
file (for `ip -6 -batch`: a batch flushes one family): private endpoints' unique-local addresses
are not RFC1918, so IPv6 enters the VNet only with route_all on, as 100.64/10 does; otherwise it
takes the public path, where unique-local addresses are dropped.
"""
from world import DNS_SERVER_ADDRESS

APP_IF, PUBLIC_IF = "eth0", "pub0"
VNET_GATEWAY, PUBLIC_GATEWAY = "10.0.0.1", "192.0.2.1"
VNET_GATEWAY6, PUBLIC_GATEWAY6 = "fd00::1", "2001:db8:2::1"
RFC1918 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def route_batch(world):
    app = world["app"]
    vnet = f"via {VNET_GATEWAY} dev {APP_IF} proto static"
    public = f"via {PUBLIC_GATEWAY} dev {PUBLIC_IF} proto static"
    lines = ["route flush proto static"]
    if not app["integrated"]:
        # Azure DNS is reachable platform-wide; the custom server only if the app uses it.
        servers = [DNS_SERVER_ADDRESS] + [s for s in app["dns_servers"] if s != DNS_SERVER_ADDRESS]
        lines += [f"route add {s}/32 {vnet}" for s in servers]
        lines.append(f"route add default {public}")
    elif app["route_all"]:
        lines.append(f"route add default {vnet}")
    else:
        lines += [f"route add {net} {vnet}" for net in RFC1918]
        lines.append(f"route add default {public}")
    return "\n".join(lines) + "\n"


def route_batch6(world):
    app = world["app"]
    gateway = (f"via {VNET_GATEWAY6} dev {APP_IF}" if app["integrated"] and app["route_all"]
               else f"via {PUBLIC_GATEWAY6} dev {PUBLIC_IF}")
    return f"route flush proto static\nroute add default {gateway} proto static\n"


def resolv_conf(world):
    """What App Service writes into the container, with the world's DNS servers."""
    servers = world["app"]["dns_servers"]
    return "".join([
        "# This container is using an embedded dns resolver\n",
        f"# The configured nameservers at startup are {' '.join(servers)}\n",
        "# The configured options for the listener at startup are timeout:1 attempts:5\n",
        *(f"nameserver {s}\n" for s in servers),
        "options ndots:0 timeout:15 attempts:2\n",
    ])
