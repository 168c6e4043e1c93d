#!/usr/bin/python3
"""The dependency direction of the architecture, checked on every #include:
  probes/ and report/ never include agent/;
  agent/arm/, agent/pipeline/ and agent/rules/ never include a command (check/, serve/, fix/);
  no command includes another command.
Includes are by file name (the folders are include directories), so a name is resolved to the
folder that holds it.
usage: layering.py ROOT"""
import os
import re
import sys

ROOT = sys.argv[1]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
COMMANDS = ["agent/check", "agent/serve", "agent/fix"]


def files_under(folder):
    for base, _, names in os.walk(os.path.join(ROOT, folder)):
        for name in names:
            if name.endswith((".cpp", ".hpp", ".in")):
                yield os.path.relpath(os.path.join(base, name), ROOT)


def home_of():
    homes = {}
    for folder in ["probes", "report", "agent"]:
        for rel in files_under(folder):
            homes.setdefault(os.path.basename(rel).removesuffix(".in"), os.path.dirname(rel))
    return homes


def forbidden(src_dir, dst_dir):
    if src_dir.startswith(("probes", "report")) and dst_dir.startswith("agent"):
        return "probes/ and report/ never include agent/"
    if src_dir in ("agent/arm", "agent/pipeline", "agent/rules") and dst_dir in COMMANDS:
        return "the shared parts never include a command"
    if src_dir in COMMANDS and dst_dir in COMMANDS and src_dir != dst_dir:
        return "a command never includes another command"
    return None


def main():
    homes = home_of()
    problems = []
    for folder in ["probes", "report", "agent"]:
        for rel in files_under(folder):
            text = open(os.path.join(ROOT, rel), encoding="utf-8").read()
            for name in INCLUDE.findall(text):
                dst = homes.get(os.path.basename(name))
                why = dst is not None and forbidden(os.path.dirname(rel), dst)
                if why:
                    problems.append(f"{rel} includes {dst}/{os.path.basename(name)}: {why}")
    checked = sum(1 for f in ["probes", "report", "agent"] for _ in files_under(f))
    if checked < 50:
        print(f"FAIL: only {checked} source files found under {ROOT}: wrong root?")
        return 1
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {checked} files, every include follows the dependency direction")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
