#!/usr/bin/python3
"""packaging/build-all.sh makes every artefact (the fixture of the other packaging tests): the
self-contained bundle with its checksum, the .deb, and the sidecar's build context.
Usage: build_test.py OUT_DIR BUILD_TREE"""
import hashlib
import os
import subprocess
import sys
import tarfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tests", "pylib"))
from vnetdiag_testlib import packaging as pkg  # noqa: E402

out, build_tree = sys.argv[1], sys.argv[2]
tally = pkg.Tally("build_test")
pkg.require_roots()
t0 = time.monotonic()
p = subprocess.run(["bash", os.path.join(pkg.PACKAGING, "build-all.sh"), "--out", out, "--host-build", build_tree],
                   timeout=1500)
tally.check(f"build-all.sh succeeds ({time.monotonic() - t0:.0f} s)", p.returncode == 0, f"exit {p.returncode}")
files = sorted(os.listdir(out)) if os.path.isdir(out) else []
bundles = [f for f in files if f.startswith("vnetdiag-") and f.endswith("-linux-x86_64.tar.gz")]
debs = [f for f in files if f.startswith("vnetdiag_") and f.endswith("_amd64.deb")]
tally.check("one bundle vnetdiag-<version>-linux-x86_64.tar.gz", len(bundles) == 1, str(files))
tally.check("one package vnetdiag_<version>-1_amd64.deb", len(debs) == 1, str(files))
if bundles:
    path = os.path.join(out, bundles[0])
    print(f"bundle: {bundles[0]}, {os.path.getsize(path) / 1e6:.1f} MB")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    tally.check("its .sha256 matches", open(path + ".sha256").read().split()[0] == digest)
    with tarfile.open(path) as tar:
        names = tar.getnames()
        members = {m.name: m for m in tar.getmembers()}
        buildinfo = tar.extractfile("vnetdiag/BUILDINFO").read().decode() if "vnetdiag/BUILDINFO" in names else ""
    print(buildinfo)
    tally.check("it holds the binary (executable), its libraries, the launcher and startup.sh",
                "vnetdiag/bin/vnetdiag" in names and members["vnetdiag/bin/vnetdiag"].mode & 0o111 and
                "vnetdiag/vnetdiag.sh" in names and "vnetdiag/startup.sh" in names, str(names[:20]))
    # libcurl, c-ares and OpenSSL: linked in (the default, packaging/bundle/minimal-curl.sh), named in
    # BUILDINFO with their licences; or, with VNETDIAG_BUNDLE_STATIC=0, Debian's shared ones in lib/.
    if "vnetdiag/lib/libcurl.so.4" in names:
        tally.check("Debian's shared libcurl and c-ares are in lib/", "vnetdiag/lib/libcares.so.2" in names)
    else:
        tally.check("libcurl (HTTP and HTTPS only), c-ares and OpenSSL are linked in: BUILDINFO names them",
                    "libcurl: curl " in buildinfo and "Protocols:        HTTP HTTPS\n" in buildinfo and
                    "libc-ares-dev " in buildinfo and "libssl-dev " in buildinfo, buildinfo)
        tally.check("... and their licences are in licenses/",
                    all(f"vnetdiag/licenses/{f}" in names for f in
                        ("curl.COPYING", "curl.copyright", "libc-ares-dev.copyright", "libssl-dev.copyright")),
                    str([n for n in names if "/licenses/" in n]))
        tally.check("... and no library of Debian's libcurl is shipped",
                    not any(os.path.basename(n).startswith(("libcurl", "libcares", "libssl", "libcrypto", "libnghttp2",
                                                            "libgnutls", "libldap", "libssh", "libidn", "libpsl",
                                                            "libbrotli", "libzstd", "libkrb5", "libgssapi", "librtmp"))
                            for n in names if "/lib/" in n), str([n for n in names if "/lib/" in n]))
    tally.check("it ships no part of glibc", not any(os.path.basename(n).startswith(
        ("libc.so", "ld-linux", "libm.so", "libpthread.so", "libdl.so", "libresolv.so", "libnss_")) for n in names))
    tally.check("BUILDINFO names the glibc floor 2.31", "needs glibc >= 2.31" in buildinfo, buildinfo)
tally.check("the sidecar context has its Dockerfile and the package",
            os.path.isfile(os.path.join(out, "sidecar", "Dockerfile")) and
            os.path.isfile(os.path.join(out, "sidecar", "vnetdiag.deb")))
tally.finish()
