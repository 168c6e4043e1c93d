"""World -> VNet namespace packet handling: endpoint addresses, iptables-restore and
ip6tables-restore rulesets.

Addresses that no endpoint holds fall into a blackhole route set up with the topology (silent
drop, like Azure). Here: a `drop` port (`port6` for the IPv6 address) or a Pending connection
silently drops the SYN; port 53 of a DNS server (Azure DNS, the custom one) is dropped when the
world says so; the app's internet traffic that enters the VNet is SNATed to the VNet's public
outbound address; and with a delay every packet from the app into the VNet (either family) goes
through NFQUEUE.
"""
from world import CUSTOM_DNS_ADDRESS, DNS_SERVER_ADDRESS

APP_IF, INET_IF = "to-app", "to-inet"
APP_SUBNET, OUTBOUND_ADDRESS = "10.0.0.0/24", "198.51.100.7"
DELAY_QUEUE = 0


def endpoint_addresses(world):
    """IPv4 addresses first, then IPv6 ones (endpoints with address6)."""
    pes = [svc["private_endpoint"] for svc in world["services"] if svc["private_endpoint"]]
    return (sorted({pe["address"] for pe in pes})
            + sorted({pe["address6"] for pe in pes if pe["address6"]}))


def ruleset(world, delay_ms):
    filt = [
        "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
        # The DNS stand-in answers from its own zones only; nothing may leave for port 53.
        f"-A OUTPUT -o {INET_IF} -p udp --dport 53 -j DROP",
        f"-A OUTPUT -o {INET_IF} -p tcp --dport 53 -j DROP",
    ]
    dropped = [DNS_SERVER_ADDRESS] if world["dns_server"] == "drop" else []
    if world["custom_dns"] and world["custom_dns"]["state"] == "drop":
        dropped.append(CUSTOM_DNS_ADDRESS)
    filt += [f"-A INPUT -i {APP_IF} -d {address}/32 -p {p} --dport 53 -j DROP"
             for address in dropped for p in ("udp", "tcp")]
    for svc in world["services"]:
        pe = svc["private_endpoint"]
        if not pe:
            continue
        if pe["connection"] == "Pending":
            filt.append(f"-A INPUT -i {APP_IF} -d {pe['address']}/32 -j DROP")
        elif pe["port"] == "drop":
            filt.append(f"-A INPUT -i {APP_IF} -d {pe['address']}/32 -p tcp --dport 443 -j DROP")
    nat = ["*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
           ":POSTROUTING ACCEPT [0:0]",
           f"-A POSTROUTING -s {APP_SUBNET} -o {INET_IF} -j SNAT --to-source {OUTBOUND_ADDRESS}"]
    mangle = ["*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]",
              ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    if delay_ms:
        mangle.append(f"-A PREROUTING -i {APP_IF} -j NFQUEUE --queue-num {DELAY_QUEUE} --queue-bypass")
    return "\n".join(filt + ["COMMIT"] + nat + ["COMMIT"] + mangle + ["COMMIT"]) + "\n"


def ruleset6(world, delay_ms):
    """The ip6tables-restore ruleset: written (possibly empty) and loaded on every apply, so no
    rule of an earlier world survives. IPv6 reaches only endpoint addresses (no DNS, no SNAT)."""
    filt = ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    for svc in world["services"]:
        pe = svc["private_endpoint"]
        if not pe or not pe["address6"]:
            continue
        if pe["connection"] == "Pending":
            filt.append(f"-A INPUT -i {APP_IF} -d {pe['address6']}/128 -j DROP")
        elif pe["port6"] == "drop":
            filt.append(f"-A INPUT -i {APP_IF} -d {pe['address6']}/128 -p tcp --dport 443 -j DROP")
    mangle = ["*mangle", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]",
              ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]"]
    if delay_ms:
        # The same queue as IPv4: delayq holds packets of either family.
        mangle.append(f"-A PREROUTING -i {APP_IF} -j NFQUEUE --queue-num {DELAY_QUEUE} --queue-bypass")
    return "\n".join(filt + ["COMMIT"] + mangle + ["COMMIT"]) + "\n"
