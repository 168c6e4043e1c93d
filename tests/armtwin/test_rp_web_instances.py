#!/usr/bin/python3
"""rp_web.py's scale-out instances (WebApps_ListInstanceIdentifiers, paged; the fact
site_instances) and scm.py, the Kudu stand-in vnetdiag check --all-instances reads instance
reports from: bearer tokens as ARM checks them, 403 without Microsoft.Web/sites/publish/Action,
404 for a missing file, files served as they are."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from scm import scm_root  # noqa: E402
from twinlib import ArmClient, run_rp_tests  # noqa: E402

WEB = "2023-12-01"
INSTANCES = f"{W.SITE_ID}/instances"
VFS = f"/_scm/{W.APP}/api/vfs/LogFiles/vnetdiag/instances"


def test_list(c, twin):
    arm = twin.arm
    st, _, b = arm.call("GET", INSTANCES, None, WEB)
    ids = [i["name"] for i in b["value"]]
    c.eq((st, len(ids), "nextLink" in b), (200, 2, False), "the tutorial's app runs on two instances")
    env = twin.control("GET", "app-env")[2]["text"]
    c.eq(ids[0], hashlib.sha256(W.SITE_ID.lower().encode()).hexdigest(), "the first is WEBSITE_INSTANCE_ID's")
    c.check(f"WEBSITE_INSTANCE_ID={ids[0]}" in env, "... as the app's environment says")
    c.eq(b["value"][0]["properties"]["state"], "READY", "instances are READY")
    c.check(b["value"][0]["id"].endswith(f"/instances/{ids[0]}"), "item id under the site")
    twin.control("POST", "facts", {"site_instances": {W.APP: 5}})
    twin.control("POST", "config", {"page_size": 2})
    seen, path, pages = [], INSTANCES + f"?api-version={WEB}", 0
    while path:
        st, _, b = arm.raw("GET", path)
        c.check(st == 200, f"page {pages + 1}: 200", str(b)[:200])
        seen += [i["name"] for i in b["value"]]
        nxt = b.get("nextLink")
        path = nxt[nxt.index("/", 8):] if nxt else None
        pages += 1
    c.eq((len(seen), len(set(seen)), pages), (5, 5, 3), "five instances in pages of two, nextLink followed")
    twin.control("POST", "config", {"page_size": 100})
    twin.control("POST", "facts", {"site_instances": {W.APP: ["a1", "b2", "c3"]}})
    st, _, b = arm.call("GET", INSTANCES, None, WEB)
    c.eq([i["name"] for i in b["value"]], ["a1", "b2", "c3"], "or named ids")
    st, _, b = arm.call("GET", f"{W.SITE_ID}/slots/staging/instances", None, WEB)
    c.eq(st, 404, "a slot the twin does not have: 404")
    st, _, b = arm.call("GET", f"{W.RG_ID}/providers/Microsoft.Web/sites/nosuchapp/instances", None, WEB)
    c.eq(st, 404, "a missing site: 404")


def test_scm(c, twin):
    root = os.path.join(scm_root(twin.run_dir, W.APP), "LogFiles", "vnetdiag", "instances")
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "i1.json"), "w") as f:
        f.write('{"verdict": "ok"}\n')
    with open(os.path.join(root, "bad.json"), "w") as f:
        f.write("<html>not json")
    arm = twin.arm
    st, h, b = arm.raw("GET", f"{VFS}/i1.json")
    c.eq((st, b), (200, {"verdict": "ok"}), "a file, with the fixer's ARM token (Contributor: publish)")
    st, _, b = arm.raw("GET", f"{VFS}/bad.json")
    c.eq((st, b), (200, "<html>not json"), "served as it is, JSON or not")
    st, _, b = arm.raw("GET", f"{VFS}/missing.json")
    c.check(st == 404 and "not found" in b.get("Message", ""), "a missing file: 404", str(b))
    st, _, b = arm.raw("GET", f"{VFS}/")
    c.eq(sorted(i["name"] for i in b), ["bad.json", "i1.json"], "a directory: Kudu's listing")
    st, _, b = arm.raw("GET", f"/_scm/{W.APP}/api/vfs/..%2f..%2fenv")
    c.eq(st, 404, "nothing outside the site's /home")
    st, _, b = arm.raw("GET", f"/_scm/nosuchapp/api/vfs/x")
    c.eq(st, 404, "a missing site: 404")
    anon = ArmClient(twin.env["ARM_ENDPOINT"], twin.ca)
    st, h, b = anon.raw("GET", f"{VFS}/i1.json")
    c.check(st == 401 and "www-authenticate" in h, "no token: 401", str(b))
    anon.token = "a.b.c"
    st, _, b = anon.raw("GET", f"{VFS}/i1.json")
    c.eq((st, b.get("Code")), (401, "InvalidAuthenticationToken"), "a token the twin did not sign: 401")
    st, tok = twin.sp_token(twin.env["READER_CLIENT_ID"], twin.env["READER_CLIENT_SECRET"])
    anon.token = tok["access_token"]
    st, _, b = anon.raw("GET", f"{VFS}/i1.json")
    c.check(st == 403 and "Microsoft.Web/sites/publish/Action" in b.get("Message", ""),
            "Reader: 403 naming sites/publish/Action", str(b))
    st, _, b = arm.raw("PUT", f"{VFS}/i1.json", {"x": 1})
    c.eq(st, 405, "only reads")
    journal = twin.control("GET", "journal")[2]
    entries = journal.get("entries", journal) if isinstance(journal, dict) else journal
    scm = [e for e in entries if e.get("kind") == "scm"]
    c.check(scm and all("Bearer" not in str(e) for e in scm), "journaled as scm, never a token")


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_web_instances", "tutorial-complete", [test_list, test_scm]))
