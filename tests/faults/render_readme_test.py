#!/usr/bin/python3
"""render_readme.py on a scratch Markdown file: the block between the markers becomes the table of
the last fault-matrix run (one line per row), the text around it is kept byte for byte, a second
render changes nothing, and a file without markers is refused with one line and exit 1.

usage: render_readme_test.py RESULTS_DIR"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pylib"))
from vnetdiag_testlib import check, finish, skip_or_fail  # noqa: E402

results = os.path.join(sys.argv[1], "fault_matrix.json")
if not os.path.exists(results):
    skip_or_fail(f"{results} is missing (faults.matrix did not run)", "the README table render")
rows = json.load(open(results))["rows"]
render = ["/usr/bin/python3", os.path.join(HERE, "render_readme.py"), sys.argv[1]]
with tempfile.TemporaryDirectory() as d:
    md = os.path.join(d, "README.md")
    head, tail = "# title\n\nbefore\n\n", "\nafter\n"
    with open(md, "w") as f:
        f.write(head + "<!-- fault-matrix:begin -->\nold table\n<!-- fault-matrix:end -->" + tail)
    p = subprocess.run(render + [md], capture_output=True, text=True, timeout=20)
    text = open(md).read()
    check("render exits 0", p.returncode == 0, p.stderr)
    check("text around the block kept", text.startswith(head + "<!-- fault-matrix:begin -->\n")
          and text.endswith("<!-- fault-matrix:end -->" + tail), text[:200])
    check("the old block is gone", "old table" not in text)
    table_rows = [l for l in text.splitlines() if l.startswith("| ") and l[2:3].isdigit()]
    check(f"one table line per row ({len(table_rows)} of {len(rows)})", len(table_rows) == len(rows))
    check("every row id is in the table", all(f"(`{r['id']}`)" in text for r in rows))
    subprocess.run(render + [md], capture_output=True, text=True, timeout=20)
    check("rendering again changes nothing", open(md).read() == text)
    bare = os.path.join(d, "bare.md")
    with open(bare, "w") as f:
        f.write("no markers\n")
    p = subprocess.run(render + [bare], capture_output=True, text=True, timeout=20)
    check("a file without markers: exit 1, one line, file untouched",
          p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and open(bare).read() == "no markers\n",
          (p.returncode, p.stderr))
finish()
