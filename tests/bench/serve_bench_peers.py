#!/usr/bin/python3
"""Loopback peers for serve_bench.sh: a DNS responder (A 127.0.0.1 for any name) and a TLS server
answering 200, with a throwaway CA in DIR. Prints "DNS_PORT TLS_PORT" once both listen, then
serves until killed."""
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading

directory = sys.argv[1]


def openssl(*args):
    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)


ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=serve bench CA")
openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=bench")
with open(os.path.join(directory, "ext.cnf"), "w") as f:
    f.write("subjectAltName=DNS:kv.bench.test,DNS:cs.bench.test\nbasicConstraints=CA:FALSE\n"
            "extendedKeyUsage=serverAuth\n")
openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))


def dns():
    while True:
        data, peer = udp.recvfrom(512)
        if len(data) <= 12:
            continue
        qid, question = data[:2], data[12:]
        if struct.unpack("!H", question[-4:-2])[0] != 1:
            udp.sendto(qid + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + question, peer)
        else:
            udp.sendto(qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
                       b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01", peer)


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(os.path.join(directory, "server.pem"), os.path.join(directory, "server.key"))


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            with context.wrap_socket(self.request, server_side=True) as s:
                s.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except (OSError, ssl.SSLError):
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True


tls = Server(("127.0.0.1", 0), Handler)
threading.Thread(target=dns, daemon=True).start()
print(udp.getsockname()[1], tls.server_address[1], flush=True)
tls.serve_forever()
