"""Loopback peers shared by the integration tests, the fault matrix (tests/faults/) and the
packaging tests (Peers, summary): a DNS
responder on raw UDP/TCP sockets that can answer anything (garbage, wrong ids, TC, huge answers,
nothing), a certificate factory on openssl, a TLS server, raw TCP peers that stall, reset, trickle
or drop, and an https server for scripted ARM. Everything binds 127.0.0.1 and runs on daemon
threads; close() releases the ports."""
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import tempfile
import threading
import time

LOOPBACK = "127.0.0.1"


# --- DNS ---------------------------------------------------------------------------------------

def _question_end(query):
    """Offset just past the first question (name, type, class), or len(query) when it runs off."""
    i = 12
    while i < len(query) and query[i] != 0:
        i += 1 + query[i]
    return min(i + 5, len(query))


def qtype_of(query):
    end = _question_end(query)
    return struct.unpack("!H", query[end - 4:end - 2])[0] if end - 4 >= 12 else 0


def _header(qid, flags, an=0, qd=1):
    return qid + struct.pack("!HHHHH", flags, qd, an, 0, 0)


def _a_record(address, ttl=60):
    return b"\xc0\x0c\x00\x01\x00\x01" + struct.pack("!IH", ttl, 4) + socket.inet_aton(address)


def dns_reply(query, mode, address="127.0.0.1", over_tcp=False, huge_count=2000):
    """The answer `mode` gives to `query` (bytes), or None for no answer at all.

    ok/loopback  A `address` for any name, an empty NOERROR for other types
    nxdomain, servfail, refused   that rcode, no answer
    garbage      the question echoed, then answers that run off the end
    noise        not even the question (c-ares drops it like a spoofed reply)
    badlength    an A record with 3 bytes of data
    random       the query id, then random bytes
    wrong_id     a good answer with another id
    truncated    UDP: TC set, no answer; TCP: the good answer
    huge         UDP: TC set; TCP: `huge_count` A records (about 16 bytes each, up to 64 KiB)
    huge_udp     one UDP datagram with 250 A records (about 4 KiB)
    pointer_loop an answer whose owner name is a compression pointer to itself
    cname_loop   the name is a CNAME to a second name, whose CNAME is the first
    other_owner  NOERROR with an A record for another name (evil.example.), 127.0.0.66
    cname_binary the name is a CNAME to a name whose label holds invalid UTF-8 and a terminal escape,
                 which has A `address`
    tc_stall     UDP: TC set; TCP: reads the query, never answers
    tcp_short    UDP: TC set; TCP: a length of 1000, 10 bytes, close
    silent       nothing
    """
    if len(query) <= 12:
        return None
    qid = query[:2]
    end = _question_end(query)
    question = query[12:end]
    is_a = qtype_of(query) == 1
    if mode == "silent":
        return None
    if mode == "garbage":
        return qid + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + question + b"\xc0" * 7
    if mode == "noise":
        return qid + b"\x81\x80\x00\x01\x00\x05\x00\x00\x00\x00" + b"\xc0" * 7
    if mode == "badlength":
        return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x03\x7f\x00\x00")
    if mode == "random":
        return qid + os.urandom(200)
    rcodes = {"nxdomain": 3, "servfail": 2, "refused": 5}
    if mode in rcodes:
        return _header(qid, 0x8180 | rcodes[mode]) + question
    if mode == "wrong_id":
        qid = struct.pack("!H", (struct.unpack("!H", qid)[0] + 1) & 0xFFFF)
        mode = "ok"
    if mode in ("truncated", "huge", "tc_stall", "tcp_short") and not over_tcp:
        return _header(qid, 0x8380) + question  # TC: ask again over TCP
    if mode == "tc_stall":
        return None
    if not is_a:
        return _header(qid, 0x8180) + question
    if mode == "cname_binary":
        target = b"\x0c\xff\xfe\x1b[31mevil\x07" + b"\x07invalid\x00"
        first = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c" + struct.pack("!H", len(target)) + target
        target_at = 12 + len(question) + 12
        second = (struct.pack("!H", 0xC000 | target_at) + b"\x00\x01\x00\x01" + struct.pack("!IH", 60, 4) +
                  socket.inet_aton(address))
        return _header(qid, 0x8180, an=2) + question + first + second
    if mode == "other_owner":
        owner = b"\x04evil\x07example\x00"
        return (_header(qid, 0x8180, an=1) + question + owner + b"\x00\x01\x00\x01" +
                struct.pack("!IH", 60, 4) + socket.inet_aton("127.0.0.66"))
    if mode in ("truncated", "tcp_short"):
        mode = "ok"
    if mode in ("ok", "loopback"):
        return _header(qid, 0x8180, an=1) + question + _a_record(address)
    if mode in ("huge", "huge_udp"):
        n = min(huge_count, 4000) if mode == "huge" else 250
        records = b"".join(_a_record(f"127.1.{i // 250}.{i % 250 + 1}") for i in range(n))
        return _header(qid, 0x8180, an=n) + question + records
    if mode == "pointer_loop":
        # The answer's owner name is at offset 12 + len(question): a pointer to itself.
        here = 12 + len(question)
        return (_header(qid, 0x8180, an=1) + question + struct.pack("!H", 0xC000 | here) +
                b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01")
    if mode == "cname_loop":
        # name CNAME loop.invalid. ; loop.invalid. CNAME name (pointer back to the question)
        other = b"\x04loop\x07invalid\x00"
        first = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c" + struct.pack("!H", len(other)) + other
        other_at = 12 + len(question) + 12
        second = struct.pack("!H", 0xC000 | other_at) + b"\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x02\xc0\x0c"
        return _header(qid, 0x8180, an=2) + question + first + second
    raise ValueError(f"unknown DNS mode {mode}")


class DnsResponder:
    """A DNS server on 127.0.0.1 (UDP, and TCP on the same port with tcp=True) answering as
    dns_reply(mode) says; `mode` may change at any time. `unanswered` is set whenever a query got
    no answer; `queries` counts (transport, qtype) of what arrived."""

    def __init__(self, mode="ok", tcp=False, address="127.0.0.1", huge_count=2000, delay=0):
        self.mode = mode
        self.delay = delay  # seconds before each UDP answer goes out
        self.address = address
        self.huge_count = huge_count
        self.unanswered = threading.Event()
        self.queries = []
        self.tcp = None
        for attempt in range(50):  # UDP and TCP on one port number: the TCP one may be taken
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((LOOPBACK, 0))
            self.port = self.sock.getsockname()[1]
            if not tcp:
                break
            self.tcp = socket.socket()
            self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.tcp.bind((LOOPBACK, self.port))
                break
            except OSError:
                self.tcp.close()
                self.sock.close()
                if attempt == 49:
                    raise
        if tcp:
            self.tcp.listen(16)
            threading.Thread(target=self._serve_tcp, daemon=True).start()
        threading.Thread(target=self._serve_udp, daemon=True).start()

    @property
    def server(self):
        return f"{LOOPBACK}:{self.port}"

    def reply(self, query, over_tcp=False):
        self.queries.append(("tcp" if over_tcp else "udp", qtype_of(query) if len(query) > 12 else 0))
        answer = dns_reply(query, self.mode, self.address, over_tcp, self.huge_count)
        if answer is None and len(query) > 12:
            self.unanswered.set()
        return answer

    def _serve_udp(self):
        while True:
            try:
                data, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            answer = self.reply(data)
            if answer is not None:
                if self.delay:
                    threading.Timer(self.delay, self._send, (answer, peer)).start()
                else:
                    self._send(answer, peer)

    def _send(self, answer, peer):
        try:
            self.sock.sendto(answer, peer)
        except OSError:
            pass

    def _serve_tcp(self):
        while True:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn):
        conn.settimeout(10)
        try:
            while True:
                head = _recv_exact(conn, 2)
                if not head:
                    return
                query = _recv_exact(conn, struct.unpack("!H", head)[0])
                if not query:
                    return
                answer = self.reply(query, over_tcp=True)
                if answer is not None and self.mode == "tcp_short":
                    conn.sendall(struct.pack("!H", 1000) + answer[:10])
                    return
                if answer is not None:
                    conn.sendall(struct.pack("!H", len(answer)) + answer)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        for s in (self.sock, self.tcp):
            if s is not None:
                s.close()


def _recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def start_dns(mode):
    """hostile_peers_test's old helper: a UDP responder in `mode`; returns its port."""
    return DnsResponder(mode).port


# --- Certificates (openssl at test time) --------------------------------------------------------

class Pki:
    """A throwaway CA in `directory` and certificates it (or another, untrusted CA) signs."""

    def __init__(self, directory, ca_name="vnetdiag test CA", days=2):
        self.dir = directory
        self.days = days
        self.ca = self._ca("ca", ca_name)

    def _run(self, *args):
        subprocess.run(["openssl", *args], cwd=self.dir, check=True, capture_output=True, timeout=60)

    def _ca(self, name, cn):
        self._run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", str(self.days), "-subj", f"/CN={cn}",
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        return os.path.join(self.dir, f"{name}.pem")

    def issue(self, name, dns_names=(), ips=(), days=2, start=None, end=None, ca="ca", subject=None):
        """Signs a server certificate `name`.pem/.key for the names; start/end (YYYYMMDDHHMMSSZ)
        place its validity anywhere, e.g. in the past. Returns (cert, key) paths."""
        if ca != "ca" and not os.path.exists(os.path.join(self.dir, f"{ca}.pem")):
            self._ca(ca, f"{ca} (not trusted)")
        sans = ",".join([f"DNS:{n}" for n in dns_names] + [f"IP:{i}" for i in ips])
        first = (list(dns_names) + list(ips) + [name])[0]
        self._run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                  "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject or f"/CN={first}")
        with open(os.path.join(self.dir, f"{name}.ext"), "w") as f:
            f.write(f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
        if start or end:
            # `openssl ca` is the one 3.0 command that sets arbitrary dates.
            db = os.path.join(self.dir, f"{name}.db")
            open(db, "w").close()
            with open(os.path.join(self.dir, f"{name}.cnf"), "w") as f:
                f.write(f"[ca]\ndefault_ca=d\n[d]\ndatabase={db}\nnew_certs_dir={self.dir}\n"
                        f"serial={self.dir}/{name}.srl\ndefault_md=sha256\npolicy=p\nunique_subject=no\n"
                        "copy_extensions=none\n[p]\ncommonName=supplied\n")
            with open(os.path.join(self.dir, f"{name}.srl"), "w") as f:
                f.write(os.urandom(8).hex() + "\n")
            self._run("ca", "-batch", "-config", f"{name}.cnf", "-cert", f"{ca}.pem", "-keyfile", f"{ca}.key",
                      "-in", f"{name}.csr", "-out", f"{name}.pem", "-extfile", f"{name}.ext", "-notext",
                      "-startdate", start or "20200101000000Z", "-enddate", end or "20991231000000Z")
        else:
            self._run("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                      "-set_serial", "0x" + os.urandom(8).hex(), "-out", f"{name}.pem", "-days", str(days),
                      "-extfile", f"{name}.ext")
        return os.path.join(self.dir, f"{name}.pem"), os.path.join(self.dir, f"{name}.key")


def make_pki(directory):
    """serve_test's layout: ca.pem, and server.pem/server.key for api.test."""
    Pki(directory, "vnetdiag serve test CA").issue("server", ["api.test"])


def server_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


# --- TLS and TCP peers --------------------------------------------------------------------------

class TlsServer:
    """Answers every request with `response` (default 200 "ok"); stop() closes the port (connection
    refused), start() reopens it on the same port. `directory` holds server.pem/server.key, or give
    cert and key. With trickle=S the response goes out one byte every S seconds (a slowloris
    peer)."""

    OK = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
          b"Connection: close\r\n\r\nok")

    def __init__(self, directory=None, cert=None, key=None, response=None, trickle=None):
        cert = cert or os.path.join(directory, "server.pem")
        key = key or os.path.join(directory, "server.key")
        self.context = server_context(cert, key)
        self.response = response or self.OK
        self.trickle = trickle
        self.port = 0
        self.server = None
        self.start()

    def start(self):
        peer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                try:
                    with peer.context.wrap_socket(self.request, server_side=True) as s:
                        s.settimeout(5)
                        data = b""
                        while b"\r\n\r\n" not in data:
                            chunk = s.recv(4096)
                            if not chunk:
                                return
                            data += chunk
                        if peer.trickle:
                            for i in range(len(peer.response)):
                                s.sendall(peer.response[i:i + 1])
                                time.sleep(peer.trickle)
                        else:
                            s.sendall(peer.response)
                except (OSError, ssl.SSLError):
                    pass

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server((LOOPBACK, self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    close = stop


class RawPeer:
    """A TCP listener on 127.0.0.1 whose accepted connections get `behaviour`:
    stall     read whatever comes (a ClientHello), never answer: a handshake that never completes
    reset     close at once with SO_LINGER 0: an RST right after the handshake
    garbage   read, answer with bytes that are not TLS, close
    trickle   forward to 127.0.0.1:`upstream`, each byte from upstream `delay` seconds apart
    """

    def __init__(self, behaviour, upstream=None, delay=0.05):
        self.behaviour, self.upstream, self.delay = behaviour, upstream, delay
        self.sock = socket.socket()
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            if self.behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif self.behaviour == "stall":
                conn.settimeout(60)
                while not self.closed.is_set() and conn.recv(4096):
                    pass
            elif self.behaviour == "garbage":
                conn.settimeout(5)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS\x00\xff" * 4)
                conn.close()
            elif self.behaviour == "trickle":
                up = socket.create_connection((LOOPBACK, self.upstream), timeout=30)
                threading.Thread(target=self._pump, args=(conn, up, 0), daemon=True).start()
                self._pump(up, conn, self.delay)
            else:
                raise ValueError(self.behaviour)
        except OSError:
            pass

    def _pump(self, src, dst, delay):
        try:
            while not self.closed.is_set():
                data = src.recv(4096)
                if not data:
                    break
                if delay:
                    for i in range(len(data)):
                        if self.closed.is_set():
                            return
                        dst.sendall(data[i:i + 1])
                        time.sleep(delay)
                else:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.closed.set()
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


class DroppingPort:
    """A port whose SYNs are dropped, deterministically on loopback: a listener with backlog 0
    that never accepts, its queue already full (Linux drops a SYN to a full accept queue when
    tcp_abort_on_overflow is 0, the default), so a connect times out as behind a firewall."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(2):  # backlog 0 admits one; one more to be sure the queue is full
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((LOOPBACK, self.port))
            self.fillers.append(s)
        time.sleep(0.05)  # let the handshakes of the fillers finish (no event to wait for)

    def dropping(self, timeout=0.5):
        """True when a fresh connect does not complete within `timeout`."""
        s = socket.socket()
        s.settimeout(timeout)
        try:
            s.connect((LOOPBACK, self.port))
            return False
        except (socket.timeout, OSError):
            return True
        finally:
            s.close()

    def close(self):
        for s in self.fillers + [self.sock]:
            s.close()


def closed_port():
    """A port nothing listens on: connecting is refused (RST to the SYN)."""
    s = socket.socket()
    s.bind((LOOPBACK, 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --- https for scripted ARM ---------------------------------------------------------------------

def loopback_https_pki(directory):
    """A self-signed certificate for 127.0.0.1 (the ARM CA bundle is the certificate itself).
    Returns (cert, key)."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def json_reply(handler, status, body, headers=None, raw=None):
    """Answers `handler`'s request with `body` as JSON (or `raw` bytes), status and extra headers."""
    data = raw if raw is not None else json.dumps(body).encode()
    handler.send_response(status)
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def https_server(handler, context):
    """A threading HTTP server over TLS on 127.0.0.1 running `handler`; returns the server."""
    srv = http.server.ThreadingHTTPServer((LOOPBACK, 0), handler)
    srv.daemon_threads = True
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


# --- the packaging tests' fixed set: one responder, two HTTPS servers, a closed port ----------

def _pkg_dns_reply(query):
    """A 127.0.0.1 for any name, an empty NOERROR for any other type."""
    qid, question = query[:2], query[12:]
    qtype = struct.unpack("!H", question[-4:-2])[0]
    if qtype != 1:
        return qid + b"\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00" + question
    return (qid + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + question +
            b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x01")


def _pkg_serve_dns(sock):
    while True:
        try:
            data, peer = sock.recvfrom(512)
        except OSError:
            return
        if len(data) > 12:
            sock.sendto(_pkg_dns_reply(data), peer)


def _pkg_serve_tls(listener, context):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            conn.settimeout(5)
            tls = context.wrap_socket(conn, server_side=True)
            tls.recv(4096)
            tls.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                        b"WWW-Authenticate: Bearer\r\nConnection: close\r\n\r\n")
            tls.close()
        except (OSError, ssl.SSLError):
            conn.close()


def _pkg_openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class Peers:
    """A DNS responder and two HTTPS servers on 127.0.0.1: 'healthy' with a certificate from a
    test CA (ca_file) for healthy.test, 'untrusted' with a self-signed one; and a closed port."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vnetdiag-peers-")
        d = self.dir
        _pkg_openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                 "-days", "30", "-subj", "/CN=vnetdiag packaging test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign", cwd=d)
        with open(os.path.join(d, "leaf.ext"), "w") as f:
            f.write("subjectAltName=DNS:healthy.test,DNS:untrusted.test\nbasicConstraints=CA:FALSE\n"
                    "extendedKeyUsage=serverAuth\n")
        _pkg_openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
                 "-subj", "/CN=healthy.test", cwd=d)
        _pkg_openssl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", "leaf.pem", "-days", "30", "-extfile", "leaf.ext", cwd=d)
        _pkg_openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "self.key", "-out", "self.pem",
                 "-days", "30", "-subj", "/CN=untrusted.test", "-addext", "subjectAltName=DNS:untrusted.test", cwd=d)
        self.ca_file = os.path.join(d, "ca.pem")

        self._dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._dns.bind(("127.0.0.1", 0))
        threading.Thread(target=_pkg_serve_dns, args=(self._dns,), daemon=True).start()
        self.dns_port = self._dns.getsockname()[1]

        self.ports = {}
        self._listeners = []
        for name, cert, key in (("healthy", "leaf.pem", "leaf.key"), ("untrusted", "self.pem", "self.key")):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(d, cert), os.path.join(d, key))
            listener = socket.socket()
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            threading.Thread(target=_pkg_serve_tls, args=(listener, ctx), daemon=True).start()
            self._listeners.append(listener)
            self.ports[name] = listener.getsockname()[1]
        closed = socket.socket()
        closed.bind(("127.0.0.1", 0))
        self.ports["refused"] = closed.getsockname()[1]
        closed.close()

    def target(self, name):
        host = {"refused": "refused.test"}.get(name, f"{name}.test")
        return f"{host}:{self.ports[name]}"

    def check_args(self, name, ca_file=None):
        """check options that keep every query on the loopback responder."""
        args = ["check", "--resolv-conf", "/dev/null", "--proc-environ", "/dev/null", "--no-arm",
                "--dns-server", f"127.0.0.1:{self.dns_port}", "--azure-dns-server", f"127.0.0.1:{self.dns_port}",
                "--target", self.target(name), "--timeout", "8", "--dns-timeout", "1", "-o", "json"]
        if ca_file:
            args += ["--ca-bundle", ca_file]
        return args


def summary(stdout, returncode):
    """(exit code, verdict, sorted non-ok (id, severity)) of a JSON report, or an error text."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return (returncode, "no JSON report", ())
    findings = tuple(sorted((f["id"], f["severity"]) for f in report.get("findings", []) if f["severity"] != "ok"))
    return (returncode, report.get("verdict"), findings)
