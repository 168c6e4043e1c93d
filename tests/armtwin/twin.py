#!/usr/bin/python3
"""The ARM twin: a local stand-in for Azure Resource Manager for vnetdiag's tests.

    twin.py [--world NAME] [--run-dir DIR] [--port N] [--identity-port N] [--netns NS]
            [--lab PATH | --no-lab] [--lro-seconds S] [--retry-after N] [--page-size N] [--token-lifetime S]
            [--faults FILE] [--daemon]

Serves ARM (HTTPS, certificate from a twin CA made with openssl in the run directory), the App
Service managed-identity endpoint (HTTP) and an Entra token endpoint on 127.0.0.1 -- in the
twin's own network namespace and, with --netns, also on 127.0.0.1 inside that namespace (the
same process binds a second socket there), so a program running in the lab's app namespace
reaches ARM_ENDPOINT as well. Writes RUN_DIR/env (KEY=VALUE lines), RUN_DIR/app.env (the app's
environment for app-exec) and RUN_DIR/world.json (what the lab realizes). With --daemon it
returns once everything is up and the lab shows the world (exit 0), or with an error (exit 1).
See tests/armtwin/README.md.
"""
import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import arm as armmod  # noqa: E402
import faults as faultsmod  # noqa: E402
import http_transport  # noqa: E402
import labsync  # noqa: E402
import server  # noqa: E402
import swagger  # noqa: E402
import world_from_state  # noqa: E402
import worlds  # noqa: E402

DEFAULT_LAB = os.path.normpath(os.path.join(HERE, "..", "lab", "lab"))


def log(msg):
    print(f"armtwin: {msg}", file=sys.stderr, flush=True)


def ensure_pki(run_dir):
    """Twin CA and a server certificate for 127.0.0.1/localhost; reused while valid for 30+ days."""
    pki = os.path.join(run_dir, "pki")
    os.makedirs(pki, exist_ok=True)
    ca, ca_key = os.path.join(pki, "ca.pem"), os.path.join(pki, "ca.key")
    crt, key = os.path.join(pki, "server.pem"), os.path.join(pki, "server.key")

    def valid(path):
        return os.path.exists(path) and subprocess.run(
            ["openssl", "x509", "-checkend", str(30 * 86400), "-noout", "-in", path],
            capture_output=True).returncode == 0

    def run(*cmd):
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"armtwin: openssl failed: {' '.join(cmd[:3])}: {out.stderr.strip()}")

    if not (valid(ca) and os.path.exists(ca_key)):
        run("openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-days", "3650", "-subj", "/O=vnetdiag ARM twin/CN=vnetdiag ARM twin CA", "-keyout", ca_key, "-out", ca,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        for p in (crt, key):
            if os.path.exists(p):
                os.remove(p)
    if not (valid(crt) and os.path.exists(key)):
        csr = os.path.join(pki, "server.csr")
        ext = os.path.join(pki, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:management.azure.com\n"
                    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n")
        run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", csr)
        run("openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial",
            "0x" + os.urandom(8).hex(), "-days", "365", "-out", crt, "-extfile", ext)
        os.remove(csr)
    return ca, crt, key


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--world", default="empty-network", choices=sorted(worlds.WORLDS))
    ap.add_argument("--run-dir", default=os.path.join(HERE, "run.d"))
    ap.add_argument("--port", type=int, default=0, help="ARM (HTTPS) port on 127.0.0.1; 0 = any free")
    ap.add_argument("--identity-port", type=int, default=0, help="managed-identity (HTTP) port; 0 = any free")
    ap.add_argument("--netns", help="also listen on 127.0.0.1 inside this network namespace (the lab's vdlab-app)")
    ap.add_argument("--lab", default=None, help=f"lab command (default {DEFAULT_LAB} when --netns is given)")
    ap.add_argument("--no-lab", action="store_true", help="do not hand worlds to the lab (world.json is still written)")
    ap.add_argument("--lro-seconds", type=float, default=1.0, help="how long an LRO stays InProgress")
    ap.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on LRO answers and polls")
    ap.add_argument("--page-size", type=int, default=100, help="items per list page (nextLink after that)")
    ap.add_argument("--token-lifetime", type=int, default=3600, help="seconds a token is valid")
    ap.add_argument("--faults", help="JSON file with a list of faults to start with")
    ap.add_argument("--daemon", action="store_true", help="detach; return when ready")
    return ap.parse_args(argv)


def lab_features(lab_cmd):
    realizer = os.path.join(os.path.dirname(lab_cmd), "realizer")
    sys.path.insert(0, realizer)
    try:
        import world as labworld  # the lab's own parser
        return world_from_state.lab_features(labworld.parse)
    except ImportError:
        return {"app": False, "cgnat": False, "custom_dns": False}
    finally:
        sys.path.remove(realizer)


def start(args, ready_fd=None):
    run_dir = os.path.abspath(args.run_dir)
    os.makedirs(run_dir, exist_ok=True)
    ca, crt, key = ensure_pki(run_dir)
    faults = faultsmod.Faults()
    if args.faults:
        with open(args.faults) as f:
            for fault in json.load(f):
                faults.add(fault)
    arm = armmod.Arm(swagger.Specs(), subscription=worlds.SUBSCRIPTION, tenant=worlds.TENANT,
                     lro_seconds=args.lro_seconds, retry_after=args.retry_after, faults=faults,
                     page_size=args.page_size)
    worlds.build(arm, args.world)
    lab_cmd = None if args.no_lab else (args.lab or (DEFAULT_LAB if args.netns else None))
    lab = None
    features = lab_features(lab_cmd) if lab_cmd else {"app": True, "cgnat": True, "custom_dns": True}
    twin = server.Twin(arm, run_dir=run_dir, site_id=worlds.SITE_ID, token_lifetime=args.token_lifetime, log=log)
    lab = labsync.LabSync(lab_cmd, run_dir, features, log)
    twin.lab = lab

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(crt, key)
    arm_sock = http_transport.listen(args.port)
    port = arm_sock.getsockname()[1]
    id_sock = http_transport.listen(args.identity_port)
    id_port = id_sock.getsockname()[1]
    sockets = [(arm_sock, "arm", ctx), (id_sock, "identity", None)]
    if args.netns:
        sockets += [(http_transport.listen(port, args.netns), "arm", ctx), (http_transport.listen(id_port, args.netns), "identity", None)]
    twin.urls = {"arm": f"https://127.0.0.1:{port}", "identity": f"http://127.0.0.1:{id_port}/msi/token", "ca": ca}
    servers = []
    for sock, kind, c in sockets:
        srv = http_transport.Server(sock, twin, kind, c)
        threading.Thread(target=srv.serve_forever, name=f"serve-{kind}", daemon=True).start()
        servers.append(srv)
    twin.after_change(force=True)
    if lab_cmd and not lab.wait(30):
        raise SystemExit("armtwin: the lab did not apply the first world within 30 s")
    st = lab.status()
    if lab_cmd and st["last_error"]:
        raise SystemExit(f"armtwin: the lab could not apply the world: {st['last_error']}")
    fixer, reader = twin.principals["fixer"], twin.principals["reader"]
    env = {
        "ARM_ENDPOINT": twin.urls["arm"],
        "IDENTITY_ENDPOINT": twin.urls["identity"],
        "IDENTITY_HEADER": twin.identity_header,
        "CA_BUNDLE": ca,
        "SUBSCRIPTION": worlds.SUBSCRIPTION,
        "TENANT": worlds.TENANT,
        "RESOURCE_GROUP": worlds.RESOURCE_GROUP,
        "LOCATION": worlds.LOCATION,
        "APP": worlds.APP,
        "PLAN": worlds.PLAN,
        "VNET": worlds.VNET,
        "KEYVAULT": worlds.KEYVAULT,
        "COGNITIVE": worlds.COGNITIVE,
        "AZURE_AUTHORITY_HOST": twin.urls["arm"],
        "AZURE_TENANT_ID": worlds.TENANT,
        "AZURE_CLIENT_ID": fixer.app_id,
        "AZURE_CLIENT_SECRET": fixer.secret,
        "READER_CLIENT_ID": reader.app_id,
        "READER_CLIENT_SECRET": reader.secret,
        "TWIN_CONTROL": twin.urls["arm"] + "/_twin",
        "TWIN_WORLD": args.world,
        "TWIN_PID": str(os.getpid()),
        "TWIN_NETNS": args.netns or "",
        "APP_EXEC": os.path.join(HERE, "app-exec"),
        "AZURE_DNS_SERVER": world_from_state.AZURE_DNS,
    }
    with open(os.path.join(run_dir, "env.tmp"), "w") as f:
        f.write("".join(f"{k}={v}\n" for k, v in env.items()))
    os.replace(os.path.join(run_dir, "env.tmp"), os.path.join(run_dir, "env"))
    with open(os.path.join(run_dir, "twin.pid"), "w") as f:
        f.write(f"{os.getpid()}\n")
    log(f"world {args.world}: ARM {twin.urls['arm']}, identity {twin.urls['identity']}"
        + (f", also in netns {args.netns}" if args.netns else "") + (f", lab {lab_cmd}" if lab_cmd else ", no lab"))
    if ready_fd is not None:
        os.write(ready_fd, b"ok\n")
        os.close(ready_fd)
    return twin, servers


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if not args.daemon:
        twin, servers = start(args)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        stop.wait()
        return 0
    os.makedirs(os.path.abspath(args.run_dir), exist_ok=True)
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(w)
        data = b""
        while True:
            chunk = os.read(r, 4096)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"ok"):
            return 0
        sys.stderr.write(data.decode(errors="replace") or "armtwin: the twin exited before it was ready\n")
        return 1
    os.close(r)
    os.setsid()
    logf = os.open(os.path.join(os.path.abspath(args.run_dir), "twin.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(logf, 1)
    os.dup2(logf, 2)
    try:
        start(args, ready_fd=w)
    except SystemExit as e:
        os.write(w, (str(e) + "\n").encode())
        os._exit(1)
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        os.write(w, f"armtwin: {type(e).__name__}: {e}\n".encode())
        os._exit(1)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    stop.wait()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
