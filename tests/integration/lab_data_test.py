#!/usr/bin/python3
"""The lab scenario data is consistent (no lab needed): every scenario file in tests/lab/expect/
has the known keys with the right types, names a world that exists in tests/lab/scenarios/,
names only finding ids that report/finding_table.hpp contains (in "problems" and in the golden
"findings"), has golden findings whose non-ok id@target set is exactly its "problems", and every
world is used by at least one scenario file.
usage: lab_data_test.py [EXPECT_DIR]"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pylib"))
from vnetdiag_testlib import check, finish  # noqa: E402
from vnetdiag_testlib import lab as L  # noqa: E402

TYPES = {"world": str, "exit": int, "problems": list, "first_problem_contains": list, "env": dict,
         "args": list, "vary": dict, "vary_why": str, "findings": list}
VARY_FIELDS = ("summary", "remedy", "cause", "fm")


def main():
    expect_dir = sys.argv[1] if len(sys.argv) > 1 else L.EXPECT
    files = sorted(os.path.join(expect_dir, n) for n in os.listdir(expect_dir) if n.endswith(".json"))
    check("there are scenario files", len(files) > 0, expect_dir)
    catalog = L.catalog_ids()
    check("the catalog parses into finding ids", len(catalog) >= 20 and "dns.nxdomain" in catalog,
          f"{len(catalog)} ids from {L.CATALOG}")
    worlds = {n[:-5] for n in os.listdir(L.WORLDS) if n.endswith(".json")}
    used = set()
    for path in files:
        name = L.scenario_name(path)
        try:
            s = L.load_scenario(path)
        except ValueError as e:
            check(f"{name}: parses as JSON", False, e)
            continue
        unknown = set(s) - set(L.SCENARIO_KEYS)
        missing = [k for k in L.REQUIRED_KEYS if k not in s]
        wrong = [k for k, t in TYPES.items() if k in s and not isinstance(s[k], t)]
        check(f"{name}: keys known, required present, types right", not (unknown or missing or wrong),
              f"unknown {sorted(unknown)}, missing {missing}, wrong type {wrong}")
        if missing or wrong:
            continue
        used.add(s["world"])
        check(f"{name}: world {s['world']} exists", s["world"] in worlds,
              os.path.join(L.WORLDS, s["world"] + ".json"))
        bad_targets = [p for p in s["problems"] if "@" not in p or p.split("@", 1)[1] not in L.SHORT]
        check(f"{name}: problems are id@kv|cs|(empty)", not bad_targets, bad_targets)
        ids = {p.split("@", 1)[0] for p in s["problems"]}
        ids |= {f.get("id") for f in s.get("findings", [])}
        vary = s.get("vary", {})
        ids |= {k.split("@", 1)[0] for k in vary}
        bad_vary = [f"{k}: {f}" for k, fields in vary.items() for f in fields
                    if "@" not in k or k.split("@", 1)[1] not in L.SHORT or
                    not (f in VARY_FIELDS or f.startswith("evidence."))]
        check(f"{name}: vary names id@kv|cs|(empty) and summary|remedy|cause|fm|evidence.KEY, with vary_why",
              not bad_vary and bool(vary) == ("vary_why" in s), bad_vary or "vary and vary_why go together")
        check(f"{name}: every finding id is in the catalog", ids <= catalog, sorted(ids - catalog))
        if "findings" in s and not bad_targets:
            golden = L.problems_of(s["findings"])
            expected = L.expected_problems(s)
            check(f"{name}: problems = the non-ok findings of the golden findings", golden == expected,
                  f"problems {sorted(expected)}, golden non-ok {sorted(golden)}")
            check(f"{name}: golden findings are normalised", L.normalise_findings(s["findings"], vary) == s["findings"],
                  "run lab_scenario_test.py --update")
        else:
            check(f"{name}: has golden findings", "findings" in s, "run lab_scenario_test.py --update")
    check("every world has a scenario file", worlds <= used, sorted(worlds - used))
    finish()


if __name__ == "__main__":
    main()
