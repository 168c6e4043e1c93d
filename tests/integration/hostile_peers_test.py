#!/usr/bin/python3
"""Hostile peers on loopback: a DNS server that answers garbage and a "TLS" port that speaks
nonsense. vnetdiag must turn each into a finding and exit normally, never crash or hang."""
import json
import os
import socket
import struct
import subprocess
import sys
import threading

VNETDIAG = sys.argv[1]
failures = []


def dns_reply(query, mode):
    qid = query[:2]
    question = query[12:]
    if mode == "garbage":  # the question echoed, then answers that run off the end
        return qid + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + question + b"\xc0" * 7
    if mode == "noise":  # not even the question: c-ares drops it as it would a spoofed reply
        return qid + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + b"\xc0" * 7
    if mode == "badlength":  # A record with 3 bytes of data
        return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x03\x7f\x00\x00")
    if mode == "loopback":  # A 127.0.0.1 for any name, nothing for AAAA
        qtype = struct.unpack("!H", question[-4:-2])[0]
        if qtype != 1:
            return qid + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + question
        return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01")
    raise ValueError(mode)


def serve_dns(sock, mode):
    while True:
        try:
            data, peer = sock.recvfrom(512)
        except OSError:
            return
        if len(data) > 12:
            sock.sendto(dns_reply(data, mode), peer)


def serve_garbage(sock):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS\x00\xff" * 4)
        except OSError:
            pass
        conn.close()


def start_dns(mode):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    threading.Thread(target=serve_dns, args=(s, mode), daemon=True).start()
    return s.getsockname()[1]


def run(args):
    p = subprocess.run([VNETDIAG, "check", "--resolv-conf", "/dev/null", "-o", "json",
                        "--timeout", "5", "--dns-timeout", "1"] + args,
                       capture_output=True, text=True, timeout=30)
    if p.returncode < 0 or p.returncode > 3:
        return p, None
    try:
        return p, json.loads(p.stdout)
    except ValueError:
        return p, None


def expect(name, args, finding_id):
    p, report = run(args)
    if report is None:
        failures.append(f"{name}: exit {p.returncode}, no JSON report; stderr: {p.stderr.strip()}")
        return
    ids = {f["id"] for f in report["findings"] if f["severity"] != "ok"}
    if finding_id not in ids or p.returncode != 2:
        failures.append(f"{name}: expected {finding_id} and exit 2, got {sorted(ids)} exit {p.returncode}")
    else:
        print(f"ok   {name}: {finding_id}")


garbage_tls = socket.socket()
garbage_tls.bind(("127.0.0.1", 0))
garbage_tls.listen(16)
threading.Thread(target=serve_garbage, args=(garbage_tls,), daemon=True).start()
tls_port = garbage_tls.getsockname()[1]

expect("garbage DNS answer", ["--dns-server", f"127.0.0.1:{start_dns('garbage')}", "--keyvault", "kv1"], "dns.malformed")
expect("unrelated noise from the DNS port", ["--dns-server", f"127.0.0.1:{start_dns('noise')}", "--keyvault", "kv1"], "dns.timeout")
expect("A record of 3 bytes", ["--dns-server", f"127.0.0.1:{start_dns('badlength')}", "--keyvault", "kv1"], "dns.malformed")
expect("garbage from a TLS peer", ["--dns-server", f"127.0.0.1:{start_dns('loopback')}",
                                   "--target", f"garbage.test:{tls_port}"], "tls.handshake_failed")
# A port that closes at once: nothing listens on this freshly closed one.
closed = socket.socket()
closed.bind(("127.0.0.1", 0))
closed_port = closed.getsockname()[1]
closed.close()
expect("refused port", ["--dns-server", f"127.0.0.1:{start_dns('loopback')}",
                        "--target", f"closed.test:{closed_port}"], "tcp.refused")

print(f"{5 - len(failures)} passed, {len(failures)} failed")
for f in failures:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
