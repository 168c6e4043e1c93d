#!/usr/bin/python3
"""The self-contained bundle in fresh, minimal Debian roots (debootstrap --variant=minbase, no
development packages, entered with chroot): bullseye (glibc 2.31) and bookworm (glibc 2.36).
In each: --version runs and names the libraries and glibc it loaded; every library but glibc
comes from the bundle; the launcher runs the binary without its executable bit; the CA store
is found in another distribution's place; and 'check' against loopback peers (a DNS responder
and HTTPS servers on 127.0.0.1, no other resolver asked) gives the same verdict and findings as
the build tree's binary, for a healthy target and two broken ones.
Usage: bundle_test.py BUNDLE.tar.gz BUILD_TREE_VNETDIAG"""
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tests", "pylib"))
from vnetdiag_testlib import packaging as pkg  # noqa: E402

bundle, host_vnetdiag = sys.argv[1], sys.argv[2]
tally = pkg.Tally("bundle_test")
pkg.require_roots()
if not os.path.isfile(bundle):
    pkg.skip_or_fail(f"no bundle at {bundle} (packaging.build makes it)")

ROOTS = [("bullseye-minbase", "bullseye", "2.31"), ("bookworm-minbase", "bookworm", "2.36")]
for name, suite, _ in ROOTS:
    pkg.ensure_root(name, suite)

work = tempfile.mkdtemp(prefix="vnetdiag-bundle-test-")
with tarfile.open(bundle) as tar:
    tar.extractall(os.path.join(work, "b"))
tally.check("the bundle unpacks to vnetdiag/ with bin/, lib/, vnetdiag.sh and startup.sh",
            all(os.path.exists(os.path.join(work, "b", "vnetdiag", p))
                for p in ("bin/vnetdiag", "lib", "vnetdiag.sh", "startup.sh", "BUILDINFO")))
# A copy that lost its executable bit, as after a zip upload; mounted read-only so that the
# launcher's chmod cannot repair it either.
shutil.copytree(os.path.join(work, "b"), os.path.join(work, "nx"), symlinks=True)
os.chmod(os.path.join(work, "nx", "vnetdiag", "bin", "vnetdiag"), 0o644)

peers = pkg.Peers()
cases = ["healthy", "untrusted", "refused"]
expected = {}
for case in cases:
    p = subprocess.run([host_vnetdiag] + peers.check_args(case, peers.ca_file), capture_output=True, text=True,
                       timeout=60, env={"PATH": "/usr/bin:/bin"})
    expected[case] = pkg.summary(p.stdout, p.returncode)
    print(f"build tree, {case}: {expected[case]}")
tally.check("build tree: the healthy target has no critical finding",
            expected["healthy"][0] in (0, 1) and not any(sev == "critical" for _, sev in expected["healthy"][2]),
            str(expected["healthy"]))
tally.check("build tree: the untrusted certificate is tls.untrusted",
            expected["untrusted"][0] == 2 and ("tls.untrusted", "critical") in expected["untrusted"][2],
            str(expected["untrusted"]))
tally.check("build tree: the closed port is tcp.refused",
            expected["refused"][0] == 2 and ("tcp.refused", "critical") in expected["refused"][2],
            str(expected["refused"]))

q = shlex.quote
lines = [
    "out=/out",
    "printf 'nameserver 127.0.0.1\\n' >/etc/resolv.conf",  # nothing but loopback, whatever asks
    "rm -f /etc/ssl/certs/ca-certificates.crt",
    # bookworm's own OpenSSL 3 configuration, which the bundled OpenSSL 1.1.1 reads there too.
    "if [ -f /host-openssl.cnf ]; then mkdir -p /usr/lib/ssl; cp /host-openssl.cnf /usr/lib/ssl/openssl.cnf; fi",
    "/opt/b/vnetdiag/bin/vnetdiag --version >$out/version.txt 2>&1; echo $? >$out/version.rc",
    "/opt/b/vnetdiag/bin/vnetdiag version >$out/version2.txt 2>&1; echo $? >$out/version2.rc",
    "ldd /opt/b/vnetdiag/bin/vnetdiag >$out/ldd.txt 2>&1",
    "sh /opt/b/vnetdiag/vnetdiag.sh --version >$out/launcher.txt 2>&1; echo $? >$out/launcher.rc",
    "VNETDIAG_LAUNCH_DEBUG=1 sh /opt/nx/vnetdiag/vnetdiag.sh --version >$out/noexec.txt 2>$out/noexec.err;"
    " echo $? >$out/noexec.rc",
    "VNETDIAG_LAUNCH_DEBUG=1 VNETDIAG_LAUNCH=copy sh /opt/nx/vnetdiag/vnetdiag.sh --version >$out/copy.txt"
    " 2>$out/copy.err; echo $? >$out/copy.rc",
]
for case in cases:
    args = " ".join(q(a) for a in peers.check_args(case, "/peers/ca.pem"))
    lines.append(f"sh /opt/b/vnetdiag/vnetdiag.sh {args} >$out/{case}.json 2>$out/{case}.err; echo $? >$out/{case}.rc")
# The CA store where Fedora and Alpine keep theirs, not libcurl's (Debian's) default: found there.
args = " ".join(q(a) for a in peers.check_args("healthy"))
lines += [
    "mkdir -p /etc/ssl && cp /peers/ca.pem /etc/ssl/cert.pem",
    "/opt/b/vnetdiag/bin/vnetdiag --version >$out/version-ca.txt 2>&1",
    f"/opt/b/vnetdiag/bin/vnetdiag {args} >$out/systemca.json 2>$out/systemca.err; echo $? >$out/systemca.rc",
]
# startup.sh from the bundle, as App Service would run it: serve through the launcher, supervised
# in the background, and the "app" (a bash loop on /dev/tcp, minbase has no curl) asks it for
# /livez and /readyz, then ends, which ends serve too.
serve_args = (f"--interval 2 --resolv-conf /dev/null --proc-environ /dev/null --no-arm "
              f"--dns-server 127.0.0.1:{peers.dns_port} --azure-dns-server 127.0.0.1:{peers.dns_port} "
              f"--target {peers.target('healthy')} --ca-bundle /peers/ca.pem")
APP = r"""#!/bin/bash
get() {  # get PATH: the status line of GET PATH from serve, or nothing
  exec 3<>"/dev/tcp/127.0.0.1/$VNETDIAG_PORT" 2>/dev/null || return 1
  printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$1" >&3
  head -n 1 <&3 | tr -d '\r'
  exec 3<&-
}
echo "$$" >/out/app.pid
for i in $(seq 1 80); do s="$(get /livez)"; [ -n "$s" ] && break; sleep 0.25; done
echo "$s" >/out/livez.txt
for i in $(seq 1 80); do s="$(get /readyz)"; case "$s" in *" 200"*) break ;; esac; sleep 0.25; done
echo "$s" >/out/readyz.txt
"""
lines += [
    "mkdir -p /out/logs",
    f"VNETDIAG_LOG_DIR=/out/logs VNETDIAG_LISTEN=127.0.0.1:$VNETDIAG_PORT VNETDIAG_SERVE_ARGS={q(serve_args)} "
    "COMPUTERNAME=10-30-0-24 "
    "sh -c 'echo $$ >/out/script.pid; exec sh /opt/b/vnetdiag/startup.sh bash /out/app.sh' >/out/startup.txt 2>&1;"
    " echo $? >/out/startup.rc",
]
script = "\n".join(lines) + "\n"


def read(out, name):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read()
    except OSError:
        return ""


for name, suite, glibc in ROOTS:
    out = os.path.join(work, f"out-{suite}")
    os.makedirs(out)
    with open(os.path.join(out, "app.sh"), "w") as f:
        f.write(APP)
    port_socket = socket.socket()
    port_socket.bind(("127.0.0.1", 0))
    port = port_socket.getsockname()[1]
    port_socket.close()
    binds = [("--ro-bind", os.path.join(work, "b"), "/opt/b"), ("--ro-bind", os.path.join(work, "nx"), "/opt/nx"),
             ("--ro-bind", peers.dir, "/peers"), ("--bind", out, "/out")]
    if suite == "bookworm" and os.path.isfile("/etc/ssl/openssl.cnf"):
        binds.append(("--ro-bind", "/etc/ssl/openssl.cnf", "/host-openssl.cnf"))
    r = pkg.run_fresh(name, os.path.join(work, f"root-{suite}"), binds,
                         ["/usr/bin/env", f"VNETDIAG_PORT={port}", "/bin/sh", "-c", script])
    if r.returncode != 0:
        print(r.stdout, r.stderr)
    version = read(out, "version.txt")
    print(f"--- {suite}: vnetdiag --version\n{version}---")
    tally.check(f"{suite}: vnetdiag --version runs", read(out, "version.rc").strip() == "0", version)
    tally.check(f"{suite}: 'vnetdiag version' says the same", read(out, "version2.txt") == version)
    tally.check(f"{suite}: it runs on the root's glibc {glibc}", f"glibc {glibc} (built with 2.31)" in version, version)
    tally.check(f"{suite}: it names the bundled c-ares, libcurl and OpenSSL",
                "c-ares 1.17" in version and "libcurl/7.74.0" in version and "OpenSSL 1.1.1" in version, version)
    tally.check(f"{suite}: no CA store in a bare root, and it says so", "CA store: none found" in version, version)
    ldd = read(out, "ldd.txt")
    libs = [line.split() for line in ldd.splitlines() if "=>" in line]
    outside = [lib[0] for lib in libs
               if not lib[2].startswith("/opt/b/vnetdiag/bin/../lib/") and not lib[0].startswith(
                   ("libc.so", "libm.so", "libpthread.so", "libdl.so", "librt.so", "libresolv.so"))]
    tally.check(f"{suite}: every library but glibc's comes from the bundle ({len(libs)} libraries)",
                libs and not outside and "not found" not in ldd, ldd if outside or not libs else "")
    tally.check(f"{suite}: sh vnetdiag.sh runs it", read(out, "launcher.rc").strip() == "0" and
                read(out, "launcher.txt") == version, read(out, "launcher.txt"))
    tally.check(f"{suite}: without the executable bit the launcher runs it through the image's loader",
                read(out, "noexec.rc").strip() == "0" and read(out, "noexec.txt") == version and
                "through /lib64/ld-linux-x86-64.so.2" in read(out, "noexec.err"),
                read(out, "noexec.err") + read(out, "noexec.txt"))
    tally.check(f"{suite}: ... or through a private copy in /tmp",
                read(out, "copy.rc").strip() == "0" and read(out, "copy.txt") == version and
                "(a copy)" in read(out, "copy.err"), read(out, "copy.err") + read(out, "copy.txt"))
    for case in cases:
        got = pkg.summary(read(out, f"{case}.json"), int(read(out, f"{case}.rc") or -1))
        tally.check(f"{suite}: check of the {case} target matches the build tree's: exit {got[0]}, {got[1]}",
                    got == expected[case], f"bundle {got}, build tree {expected[case]}; stderr: "
                    f"{read(out, case + '.err').strip()}")
    tally.check(f"{suite}: the CA store is found at /etc/ssl/cert.pem",
                "CA store: /etc/ssl/cert.pem (found in a usual place)" in read(out, "version-ca.txt"),
                read(out, "version-ca.txt"))
    got = pkg.summary(read(out, "systemca.json"), int(read(out, "systemca.rc") or -1))
    tally.check(f"{suite}: check without --ca-bundle trusts that store: exit {got[0]}, {got[1]}",
                got == expected["healthy"], f"{got} vs {expected['healthy']}; {read(out, 'systemca.err')}")
    tally.check(f"{suite}: startup.sh starts the bundle's serve, which answers /livez",
                read(out, "livez.txt").strip().endswith("200 OK"), read(out, "livez.txt") + read(out, "startup.txt"))
    tally.check(f"{suite}: ... and /readyz after checking the loopback target",
                read(out, "readyz.txt").strip().endswith("200 OK"),
                read(out, "readyz.txt") + read(out, "logs/vnetdiag_10-30-0-24.log")[-1500:])
    tally.check(f"{suite}: the app ran with the startup script's PID and its exit status came back",
                read(out, "startup.rc").strip() == "0" and read(out, "app.pid").strip().isdigit() and
                read(out, "app.pid").strip() == read(out, "script.pid").strip(),
                read(out, "startup.txt"))
    pkg.bash('roots_rm "$1"', os.path.join(work, f"root-{suite}"))

shutil.rmtree(work, ignore_errors=True)
shutil.rmtree(peers.dir, ignore_errors=True)
tally.finish()
