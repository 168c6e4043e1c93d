"""World -> VNet namespace packet handling: endpoint addresses and an iptables-restore ruleset.

Addresses that no endpoint holds fall into a blackhole route set up with the topology (silent
drop, like Azure). Here: a `drop` port or a Pending connection silently drops the SYN; the DNS
server's port is dropped when the world says so; the app's internet traffic is SNATed to the
app's public outbound address; and with a delay every packet from the app goes through NFQUEUE.
"""
from world import DNS_SERVER_ADDRESS

APP_IF, INET_IF = "to-app", "to-inet"
APP_SUBNET, OUTBOUND_ADDRESS = "10.0.0.0/24", "198.51.100.7"
DELAY_QUEUE = 0


def endpoint_addresses(world):
    return sorted({svc["private_endpoint"]["address"]
                   for svc in world["services"] if svc["private_endpoint"]})


def ruleset(world, delay_ms):
    filt = [
        "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
        # The DNS stand-in answers from its own zones only; nothing may leave for port 53.
        f"-A OUTPUT -o {INET_IF} -p udp --dport 53 -j DROP",
        f"-A OUTPUT -o {INET_IF} -p tcp --dport 53 -j DROP",
    ]
    if world["dns_server"] == "drop":
        filt += [f"-A INPUT -i {APP_IF} -d {DNS_SERVER_ADDRESS}/32 -p {p} --dport 53 -j DROP"
                 for p in ("udp", "tcp")]
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
