#!/usr/bin/python3
"""rp_authorization.py over HTTPS: Permissions_ListForResourceGroup answers the caller's role
assignments that cover the group (the app's Contributor, a Reader after /_twin/roles), and 404
for a missing group."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worlds as W  # noqa: E402
from twinlib import run_rp_tests  # noqa: E402

PERM = f"{W.RG_ID}/providers/Microsoft.Authorization/permissions"


def test_permissions(c, twin):
    arm = twin.login("mi")
    st, _, b = arm.call("GET", PERM, None, "2022-04-01")
    c.check(st == 200 and any("*" in p["actions"] for p in b["value"]), "the app (Contributor): actions '*'", str(b))
    st, _, b = arm.call("GET", PERM, None, "2099-01-01")
    c.eq((st, b["error"]["code"]), (400, "InvalidApiVersionParameter"), "unknown api-version -> 400")
    st, _, b = arm.call("GET", PERM.replace(W.RESOURCE_GROUP, "nogroup"), None, "2022-04-01")
    c.eq((st, b["error"]["code"]), (404, "ResourceGroupNotFound"), "missing group -> 404")
    twin.control("PUT", "roles", [{"principal": "app", "role": "Reader"}])
    arm = twin.login("mi")
    st, _, b = arm.call("GET", PERM, None, "2022-04-01")
    c.check(st == 200 and [p["actions"] for p in b["value"]] == [["*/read"]], "as Reader: ['*/read'] only", str(b))
    twin.control("PUT", "roles", [])
    st, _, b = arm.call("GET", PERM, None, "2022-04-01")
    c.eq((st, b["value"]), (200, []), "no assignment: an empty list")
    twin.control("POST", "reset", {"world": "empty-network"})


if __name__ == "__main__":
    sys.exit(run_rp_tests("test_rp_authorization", "empty-network", [test_permissions]))
