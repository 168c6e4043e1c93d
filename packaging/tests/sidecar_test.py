#!/usr/bin/python3
"""The sidecar image recipe, without Docker (no engine here): the build context dist/sidecar/ has
every file the Dockerfile COPYs, the recipe runs vnetdiag serve on 0.0.0.0:8081 as a non-root
user; then the recipe is played in a fresh bookworm root standing in for debian:bookworm-slim:
its COPY and RUN steps as written, then ENTRYPOINT + CMD as its USER (on a free loopback port
instead of 8081, configured as App Service would, through environment), asked over HTTP.
Usage: sidecar_test.py CONTEXT_DIR"""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tests", "pylib"))
from vnetdiag_testlib import packaging as pkg  # noqa: E402

context = sys.argv[1]
tally = pkg.Tally("sidecar_test")
dockerfile = os.path.join(context, "Dockerfile")
if not os.path.isfile(dockerfile):
    pkg.skip_or_fail(f"no {dockerfile} (packaging.build makes it)")

# The Dockerfile's instructions, continuation lines joined, comments dropped.
instructions = []
with open(dockerfile) as f:
    text = "\n".join(line for line in f.read().splitlines() if not line.lstrip().startswith("#"))
for line in text.replace("\\\n", " ").splitlines():
    if line.strip():
        keyword, _, rest = line.strip().partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
by_kind = {}
for kind, rest in instructions:
    by_kind.setdefault(kind, []).append(rest)

tally.check("it starts from a minimal Debian 12 base", by_kind.get("FROM") == ["debian:bookworm-slim"], str(by_kind.get("FROM")))
copies = [rest.split() for rest in by_kind.get("COPY", [])]
tally.check("every file it COPYs is in the build context",
            copies and all(os.path.isfile(os.path.join(context, c[0])) for c in copies), str(copies))
deb = os.path.join(context, "vnetdiag.deb")
fields = subprocess.run(["dpkg-deb", "-f", deb, "Package"], capture_output=True, text=True).stdout.strip()
tally.check("the context's vnetdiag.deb is the vnetdiag package", fields == "vnetdiag", fields)
entrypoint = json.loads(by_kind.get("ENTRYPOINT", ["[]"])[-1])
cmd = json.loads(by_kind.get("CMD", ["[]"])[-1])
tally.check("it runs vnetdiag serve --listen 0.0.0.0:8081",
            entrypoint + cmd == ["vnetdiag", "serve", "--listen", "0.0.0.0:8081"], str(entrypoint + cmd))
user = by_kind.get("USER", ["0"])[-1]
tally.check("it runs as a user other than root", user.split(":")[0] not in ("0", "root"), user)

# --- played in a bookworm root ----------------------------------------------------------------
pkg.require_roots()
pkg.ensure_root("bookworm-minbase", "bookworm")
cache = pkg.bash('echo "$VNETDIAG_ROOTS/cache/apt-bookworm"', capture=True).stdout.strip()
os.makedirs(cache, exist_ok=True)
peers = pkg.Peers()
work = tempfile.mkdtemp(prefix="vnetdiag-sidecar-test-")
out = os.path.join(work, "out")
conf = os.path.join(work, "conf")  # readable by the image's user
os.makedirs(out)
os.makedirs(conf)
os.chmod(work, 0o755)
os.chmod(conf, 0o755)
shutil.copy(peers.ca_file, os.path.join(conf, "ca.pem"))
os.chmod(os.path.join(conf, "ca.pem"), 0o644)
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()

# App settings reach every container of the app as environment variables.
app_env = {"VNETDIAG_TARGET": peers.target("healthy"), "VNETDIAG_DNS_SERVER": f"127.0.0.1:{peers.dns_port}",
           "VNETDIAG_AZURE_DNS_SERVER": f"127.0.0.1:{peers.dns_port}", "VNETDIAG_CA_BUNDLE": "/conf/ca.pem",
           "VNETDIAG_CONFIG": "/conf/vnetdiag.json"}
with open(os.path.join(conf, "vnetdiag.json"), "w") as f:
    json.dump({"resolv_conf": "/dev/null"}, f)  # the only resolver asked is the loopback responder
os.chmod(os.path.join(conf, "vnetdiag.json"), 0o644)

q = shlex.quote
steps = []
for kind, rest in instructions:
    if kind == "COPY":
        src, dst = rest.split()
        steps.append(f"cp /context/{q(src)} {q(dst)}")
    elif kind == "RUN":
        steps.append(f"/bin/sh -c {q(rest)} >>/out/run.log 2>&1 || {{ echo $? >/out/run.rc; exit 1; }}")
run_as = cmd[:]
run_as[run_as.index("0.0.0.0:8081")] = f"127.0.0.1:{port}"
uid, _, gid = user.partition(":")
env_words = " ".join(f"{k}={q(v)}" for k, v in app_env.items())
steps += [
    "echo 0 >/out/run.rc",
    "printf 'nameserver 127.0.0.1\\n' >/etc/resolv.conf",
    f"env {env_words} timeout --preserve-status -s TERM 12 setpriv --reuid={q(uid)} --regid={q(gid or uid)} "
    f"--clear-groups {' '.join(q(w) for w in entrypoint + run_as)} >/out/serve.log 2>&1; echo $? >/out/serve.rc",
]
script = "set -u\n" + "\n".join(steps) + "\n"
binds = [("--ro-bind", context, "/context"), ("--ro-bind", conf, "/conf"), ("--bind", out, "/out"),
         ("--bind", cache, "/var/cache/apt/archives")]
result = {}
runner = threading.Thread(target=lambda: result.setdefault(
    "r", pkg.run_fresh("bookworm-minbase", os.path.join(work, "root"), binds, ["/bin/sh", "-c", script])))
runner.start()


def get(path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError:
        return None, ""


def read(name):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read()
    except OSError:
        return ""


# The RUN step downloads the package's dependencies first: wait for it, then for serve.
end = time.monotonic() + 300
live = None
while time.monotonic() < end and runner.is_alive():
    if read("run.rc").strip() not in ("", "0"):
        break
    live = get("/livez")
    if live[0] == 200:
        break
    time.sleep(0.3)
ready = (None, "")
for _ in range(40):
    ready = get("/readyz")
    if ready[0] == 200:
        break
    time.sleep(0.25)
metrics = get("/metrics")
runner.join(timeout=60)

tally.check("its RUN steps succeed (apt-get installs the .deb and its dependencies)", read("run.rc").strip() == "0",
            read("run.log")[-2000:])
tally.check("vnetdiag --version runs in the image (last RUN step)", "vnetdiag " in read("run.log"))
tally.check("serve, run as the image's USER, answers /livez", live is not None and live[0] == 200,
            f"{live}; serve log: {read('serve.log')[-1500:]}")
tally.check("/readyz is 200 for a healthy target", ready[0] == 200, str(ready))
tally.check("/metrics speaks Prometheus", metrics[0] == 200 and "# TYPE" in metrics[1], str(metrics)[:300])
tally.check("SIGTERM stops it cleanly (exit 0)", read("serve.rc").strip() == "0", read("serve.rc") + read("serve.log")[-800:])

pkg.bash('roots_rm "$1"', work)
shutil.rmtree(peers.dir, ignore_errors=True)
tally.finish()
