#!/usr/bin/env python3
"""Print a healthy world with many vaults and accounts, for benchmarks.

    make-world.py --vaults N --accounts M [--delay-ms D] | tests/lab/lab apply -

Vaults are vdlabkv, vdlabkv1, ...; accounts vdlabcs, vdlabcs1, ... Each has its own approved
private endpoint and A record: vdlabkv at 10.0.1.4, vdlabcs at 10.0.1.5 (as in the healthy
scenario), the rest from 10.0.1.6 on, continuing in 10.0.3.0/24, 10.0.4.0/24, ... (10.0.2.0/24
holds the DNS server; .0-.3 and .255 of every subnet are reserved, as in Azure).
"""
import argparse
import json
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "realizer"))
import world as worldmod  # noqa: E402

VAULT, ACCOUNT = "vdlabkv", "vdlabcs"


def address_pool():
    """10.0.1.6-254, then 10.0.3.4-254, 10.0.4.4-254, ... (10.0.1.4/.5 are handed out by name)."""
    for third in [1] + list(range(3, 256)):
        for host in range(6 if third == 1 else 4, 255):
            yield f"10.0.{third}.{host}"


def names(prefix, n):
    return [prefix if i == 0 else f"{prefix}{i}" for i in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vaults", type=int, default=1)
    ap.add_argument("--accounts", type=int, default=1)
    ap.add_argument("--delay-ms", type=int)
    args = ap.parse_args()
    if args.vaults < 0 or args.accounts < 0 or args.vaults + args.accounts > 5000:
        ap.error("--vaults and --accounts must be >= 0 and together at most 5000")

    vaults, accounts = names(VAULT, args.vaults), names(ACCOUNT, args.accounts)
    # The first vault and account keep the healthy scenario's addresses; the rest follow.
    address = {}
    if vaults:
        address[vaults[0]] = "10.0.1.4"
    if accounts:
        address[accounts[0]] = "10.0.1.5"
    pool = address_pool()
    for n in vaults[1:] + accounts[1:]:
        address[n] = next(pool)
    kinds = {n: "vault" for n in vaults} | {n: "cognitive" for n in accounts}

    world = {"description": f"Healthy world with {args.vaults} vaults and {args.accounts} accounts, "
                            "each behind its own approved private endpoint."}
    if args.delay_ms is not None:
        world["delay_ms"] = args.delay_ms
    world["dns"] = {"server": "up"}
    world["zones"] = {
        worldmod.KINDS["vault"].private_zone:
            {"linked": True, "records": {n: address[n] for n in vaults}},
        worldmod.KINDS["cognitive"].private_zone:
            {"linked": True, "records": {n: address[n] for n in accounts}},
    }
    world["services"] = [
        {"kind": kinds[n], "name": n, "public_network_access": "Enabled",
         "private_endpoint": {"address": address[n], "connection": "Approved",
                              "port": "listen", "certificate": "valid"}}
        for n in vaults + accounts]
    text = json.dumps(world, indent=1)
    worldmod.parse(text, "make-world")  # the generator must only ever print valid worlds
    print(text)


if __name__ == "__main__":
    main()
