"""The twin's sockets: an HTTP/1.1 handler that hands every request to Twin.handle (bodies up to
4 MiB, chunked or not; answers as JSON; a fault may reset the connection unanswered), a
threading server (TLS for ARM), and listening on 127.0.0.1 in this or another network namespace."""
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct

MAX_BODY = 4 * 1024 * 1024


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "armtwin"
    sys_version = ""
    timeout = 120

    def log_message(self, fmt, *args):  # quiet; the journal has it
        pass

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    self.send_json(413, {"error": {"code": "RequestEntityTooLarge", "message": "Body too large."}})
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.send_json(413, {"error": {"code": "RequestEntityTooLarge", "message": "Body too large."}})
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else (json.dumps(body) + "\n").encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if self.command != "HEAD" and data:
            self.wfile.write(data)

    def drop(self):
        """Reset the connection without answering."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def _do(self):
        self.server.twin.handle(self, self.server.kind)

    do_GET = do_PUT = do_POST = do_PATCH = do_DELETE = do_HEAD = _do


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def __init__(self, sock, twin, kind, ssl_ctx=None):
        socketserver.BaseServer.__init__(self, sock.getsockname(), Handler)
        self.socket = sock
        self.twin, self.kind, self.ssl_ctx = twin, kind, ssl_ctx
        self.server_name, self.server_port = "127.0.0.1", sock.getsockname()[1]

    def finish_request(self, request, client_address):
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)   # headers and body go out without Nagle's wait
        conn = request
        if self.ssl_ctx is not None:
            request.settimeout(15)
            try:
                conn = self.ssl_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
            conn.settimeout(None)
        try:
            self.RequestHandlerClass(conn, client_address, self)
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass


def listen(port, netns=None):
    """A listening TCP socket on 127.0.0.1:port, in this network namespace or in `netns`
    (via setns(2) for the moment of the bind; the socket stays in that namespace)."""
    if netns is None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(128)
        return s
    import ctypes
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    clone_newnet = 0x40000000
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    try:
        if libc.setns(target, clone_newnet) != 0:
            raise OSError(ctypes.get_errno(), f"setns into network namespace {netns}")
        try:
            return listen(port)
        finally:
            if libc.setns(own, clone_newnet) != 0:
                raise OSError(ctypes.get_errno(), "setns back into the twin's own network namespace")
    finally:
        os.close(own)
        os.close(target)
