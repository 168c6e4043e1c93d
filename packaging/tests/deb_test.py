#!/usr/bin/python3
"""The .deb in a clean Debian 12 root (debootstrap --variant=minbase, entered with chroot):
'apt-get install ./vnetdiag_*.deb' pulls its dependencies from Debian's mirror, the binary runs
(--version, and check against loopback peers with the build tree's verdict), the man page and
the bash completion are installed and the completion offers commands and options.
Usage: deb_test.py PACKAGE.deb BUILD_TREE_VNETDIAG"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "tests", "pylib"))
from vnetdiag_testlib import packaging as pkg  # noqa: E402

deb, host_vnetdiag = sys.argv[1], sys.argv[2]
tally = pkg.Tally("deb_test")
pkg.require_roots()
if not os.path.isfile(deb):
    pkg.skip_or_fail(f"no package at {deb} (packaging.build makes it)")

fields = subprocess.run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"], capture_output=True,
                        text=True).stdout
print(fields.strip())
tally.check("the package depends on the libraries dpkg-shlibdeps found",
            all(lib in fields for lib in ("libcurl4", "libc-ares2", "libssl3", "libc6")), fields)

pkg.ensure_root("bookworm-minbase", "bookworm")
pkg.bash('roots_refresh_lists "$1"', "bookworm-minbase")
cache = pkg.bash('echo "$VNETDIAG_ROOTS/cache/apt-bookworm"', capture=True).stdout.strip()
os.makedirs(cache, exist_ok=True)

peers = pkg.Peers()
p = subprocess.run([host_vnetdiag] + peers.check_args("healthy", peers.ca_file), capture_output=True, text=True,
                   timeout=60, env={"PATH": "/usr/bin:/bin"})
expected = pkg.summary(p.stdout, p.returncode)

work = tempfile.mkdtemp(prefix="vnetdiag-deb-test-")
out = os.path.join(work, "out")
os.makedirs(out)
pkg_dir = os.path.join(work, "pkg")
os.makedirs(pkg_dir)
shutil.copy(deb, pkg_dir)
name = os.path.basename(deb)
check_args = " ".join(shlex.quote(a) for a in peers.check_args("healthy", "/peers/ca.pem"))
script = f"""
out=/out
cd /pkg
apt-get install -y -q -o Dpkg::Use-Pty=0 ./{shlex.quote(name)} >$out/apt.log 2>&1; echo $? >$out/apt.rc
dpkg-query -W -f='${{Status}}' vnetdiag >$out/status 2>&1
vnetdiag --version >$out/version.txt 2>&1; echo $? >$out/version.rc
command -v vnetdiag >$out/which.txt
ls /usr/share/man/man1/vnetdiag.1.gz >$out/man.txt 2>&1
zcat /usr/share/man/man1/vnetdiag.1.gz | grep -c '^\\.SS "vnetdiag ' >$out/man-commands.txt
ls /usr/share/bash-completion/completions/vnetdiag >$out/completion.txt 2>&1
bash -c 'source /usr/share/bash-completion/completions/vnetdiag
  t() {{ COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); COMPREPLY=(); _vnetdiag; echo "${{COMPREPLY[*]}}"; }}
  t vnetdiag ""; t vnetdiag check --keyv; t vnetdiag check -o ""' >$out/complete.txt 2>&1
printf 'nameserver 127.0.0.1\\n' >/etc/resolv.conf
vnetdiag {check_args} >$out/check.json 2>$out/check.err; echo $? >$out/check.rc
"""
binds = [("--ro-bind", pkg_dir, "/pkg"), ("--ro-bind", peers.dir, "/peers"), ("--bind", out, "/out"),
         ("--bind", cache, "/var/cache/apt/archives")]
r = pkg.run_fresh("bookworm-minbase", os.path.join(work, "root"), binds, ["/bin/sh", "-c", script])
if r.returncode != 0:
    print(r.stdout, r.stderr)


def read(name):
    try:
        with open(os.path.join(out, name)) as f:
            return f.read()
    except OSError:
        return ""


tally.check("apt-get install ./" + name + " succeeds in a clean bookworm root", read("apt.rc").strip() == "0",
            read("apt.log")[-2000:])
tally.check("dpkg has it installed", read("status").strip() == "install ok installed", read("status"))
tally.check("/usr/bin/vnetdiag --version runs", read("version.rc").strip() == "0" and
            read("which.txt").strip() == "/usr/bin/vnetdiag" and read("version.txt").startswith("vnetdiag "),
            read("version.txt"))
print(read("version.txt"))
tally.check("it uses bookworm's libraries (libcurl 7.88, OpenSSL 3, glibc 2.36)",
            "libcurl/7.88" in read("version.txt") and "OpenSSL 3." in read("version.txt") and
            "glibc 2.36" in read("version.txt"), read("version.txt"))
tally.check("the man page is installed", read("man.txt").strip() == "/usr/share/man/man1/vnetdiag.1.gz", read("man.txt"))
tally.check("the man page has a section per command", int(read("man-commands.txt").strip() or 0) >= 3,
            read("man-commands.txt"))
tally.check("the bash completion is installed",
            read("completion.txt").strip() == "/usr/share/bash-completion/completions/vnetdiag")
completions = read("complete.txt").splitlines() + ["", "", ""]
tally.check("completion offers the commands", {"check", "env", "version"} <= set(completions[0].split()),
            completions[0])
tally.check("completion offers a command's options", completions[1].strip() == "--keyvault", completions[1])
tally.check("completion offers option values", set(completions[2].split()) == {"text", "json", "junit", "html", "svg"},
            completions[2])
got = pkg.summary(read("check.json"), int(read("check.rc") or -1))
tally.check(f"check of a healthy loopback target matches the build tree's: exit {got[0]}, {got[1]}",
            got == expected, f"{got} vs {expected}; {read('check.err')}")

pkg.bash('roots_rm "$1"', os.path.join(work, "root"))
shutil.rmtree(work, ignore_errors=True)
shutil.rmtree(peers.dir, ignore_errors=True)
tally.finish()
