#!/usr/bin/python3
"""README's failure-mode coverage table, generated from the tests.

tests/catalogue/failure_modes.json holds, per failure mode (FM-nn of failure-modes.md), its title
and either the worlds that prove it ("twin:NAME" = tests/armtwin/scenarios/NAME.json, run by ctest
twin.vnetdiag; "lab:NAME" = tests/lab/expect/NAME.json, run by ctest lab.NAME) or why no world can
("explained"). A claim is checked, never trusted:
  - the world file exists (so CI runs it: both directories are run whole);
  - it expects a finding whose catalogue FM number is this one (in its problems, its cause, or
    its golden findings), or, for a failure mode that the fix acts on rather than a finding names,
    the claim says {"world": ..., "by": "..."} and the world has a run that expects output text,
    a plan or zero writes;
  - a failure mode is either proved or explained, not both, and "open" is shown as open.
The finding ids and the layer (data plane / ARM / both) come from the catalogue.
The same file lists the false-alarm suite ("healthy"): healthy variants of the estate, each of
whose runs must expect exit 0 and no finding above ok; every world file named healthy* must be
in it, and it must hold at least MIN_HEALTHY worlds.
usage: fm_coverage.py --check|--write DUMP_CATALOGUE ROOT [--min-proved N]"""
import json
import os
import subprocess
import sys

BEGIN, END = "<!-- coverage:begin -->", "<!-- coverage:end -->"
DATA = "tests/catalogue/failure_modes.json"
WORLD_DIRS = {"twin": "tests/armtwin/scenarios", "lab": "tests/lab/expect"}
MIN_HEALTHY = 10
BEHAVIOUR_KEYS = {"stdout_contains", "stderr_contains", "plan_keys", "plan_keys_ordered", "writes", "verified"}


def expected_ids(node):
    """Finding ids a world's expectations name: problems (id@target), cause ids, golden findings."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "problems" and isinstance(value, list):
                yield from (p.split("@", 1)[0] for p in value if isinstance(p, str))
            elif key == "cause" and isinstance(value, dict) and isinstance(value.get("id"), str):
                yield value["id"]
            elif key == "id" and isinstance(value, str) and "severity" in node:
                yield value
            else:
                yield from expected_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from expected_ids(value)


def expects_behaviour(world):
    runs = world.get("runs", [])
    return any(BEHAVIOUR_KEYS & set(r.get("expect", {})) for r in runs)


def load_world(root, ref):
    kind, _, name = ref.partition(":")
    if kind not in WORLD_DIRS or not name:
        return None, f"'{ref}' is not twin:NAME or lab:NAME"
    path = os.path.join(root, WORLD_DIRS[kind], name + ".json")
    if not os.path.exists(path):
        return None, f"{ref}: {os.path.relpath(path, root)} does not exist"
    with open(path, encoding="utf-8") as f:
        return json.load(f), None


def healthy_suite(refs, root):
    """The false-alarm suite's README line, and what is wrong with it."""
    problems, names = [], []
    for ref in refs:
        world, err = load_world(root, ref)
        if err:
            problems.append(f"healthy suite: {err}")
            continue
        runs = world.get("runs") or [world]   # a lab expectation is one run
        check_runs = [r for r in runs if "args" not in r or r["args"][:1] == ["check"]]
        # A chain-view run (-o html) has no findings to list: its exit says it, and its picture is
        # checked hop by hop (every hop green).
        pictures = [r for r in check_runs if r.get("chain_view")]
        checks = [r.get("expect", r) for r in check_runs if not r.get("chain_view")]
        if any(r.get("expect", {}).get("exit") != 0 or not r["chain_view"].get("all_ok") for r in pictures):
            problems.append(f"healthy suite: {ref} has a chain view that does not expect exit 0 and every hop green")
        if not checks or any(e.get("exit") != 0 or e.get("problems") != [] for e in checks):
            problems.append(f"healthy suite: {ref} does not expect exit 0 and no problems in every check run")
            continue
        names.append(f"`{ref}`")
    for kind, d in WORLD_DIRS.items():
        for fn in sorted(os.listdir(os.path.join(root, d))):
            if fn.startswith("healthy") and fn.endswith(".json") and f"{kind}:{fn[:-5]}" not in refs:
                problems.append(f"healthy suite: {kind}:{fn[:-5]} is named healthy but not listed in {DATA}")
    if len(names) < MIN_HEALTHY:
        problems.append(f"healthy suite: {len(names)} worlds, fewer than {MIN_HEALTHY}")
    line = (f"False-alarm suite: {len(names)} healthy variants, each expected to exit 0 with no finding "
            f"above ok: {', '.join(names)}.")
    return line, problems


def layer_of(ids, specs):
    layers = {"ARM" if specs[i]["layer"] == "arm" else "data plane" for i in ids}
    return "both" if len(layers) == 2 else (layers.pop() if layers else "-")


def build(catalogue, modes, root):
    specs = {s["id"]: s for s in catalogue}
    problems, rows, proved = [], [], 0
    rows.append("| FM | failure mode | finding ids | seen from | proved by | status |")
    rows.append("|---|---|---|---|---|---|")
    for number in sorted(modes, key=int):
        mode = modes[number]
        fm = int(number)
        ids = [s["id"] for s in catalogue if s["fm"] == fm]
        worlds = []
        for claim in mode.get("proved_by", []):
            ref = claim["world"] if isinstance(claim, dict) else claim
            world, err = load_world(root, ref)
            if err:
                problems.append(f"FM-{fm:02d}: {err}")
                continue
            if isinstance(claim, dict):
                if not claim.get("by") or not expects_behaviour(world):
                    problems.append(f"FM-{fm:02d}: {ref} is claimed 'by' behaviour but has no run that "
                                    f"expects output, a plan or writes (or the claim lacks 'by')")
                    continue
                worlds.append(f"`{ref}` ({claim['by']})")
            elif not set(expected_ids(world)) & set(ids):
                problems.append(f"FM-{fm:02d}: {ref} expects none of its findings {ids}")
                continue
            else:
                worlds.append(f"`{ref}`")
        explained = mode.get("explained")
        if worlds and explained:
            problems.append(f"FM-{fm:02d}: both proved and explained; keep one")
        status = "proved" if worlds else ("not proved: " + explained if explained else "**open**")
        proved += bool(worlds)
        id_text = ", ".join(f"`{i}`" for i in ids) or "-"
        rows.append(f"| {fm:02d} | {mode['title']} | {id_text} | {layer_of(ids, specs)} | "
                    f"{'<br>'.join(worlds) or '-'} | {status} |")
    summary = f"{proved} of {len(modes)} failure modes proved by a world that CI runs."
    return "\n".join(rows), summary, proved, problems


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("--check", "--write"):
        print(__doc__)
        return 2
    mode_arg, dump, root = sys.argv[1:4]
    min_proved = int(sys.argv[sys.argv.index("--min-proved") + 1]) if "--min-proved" in sys.argv else 0
    catalogue = json.loads(subprocess.run([dump], capture_output=True, text=True, check=True).stdout)
    with open(os.path.join(root, DATA), encoding="utf-8") as f:
        data = json.load(f)
    modes = data["failure_modes"]
    table, summary, proved, problems = build(catalogue, modes, root)
    healthy_line, healthy_problems = healthy_suite(data.get("healthy", []), root)
    problems += healthy_problems
    if len(modes) != 35:
        problems.append(f"{DATA} has {len(modes)} failure modes, failure-modes.md has 35")
    if proved < min_proved:
        problems.append(f"only {proved} failure modes proved, fewer than the {min_proved} this test holds to")
    readme_path = os.path.join(root, "README.md")
    text = open(readme_path, encoding="utf-8").read()
    if BEGIN not in text or END not in text:
        problems.append(f"README.md lacks the {BEGIN} ... {END} markers")
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    note = f"<!-- generated from the tests by tests/catalogue/fm_coverage.py --write; do not edit by hand -->"
    new = f"{head}{BEGIN}\n{note}\n{summary}\n\n{table}\n\n{healthy_line}\n{END}{tail}"
    if mode_arg == "--write":
        if new != text:
            with open(readme_path, "w", encoding="utf-8") as f:
                f.write(new)
        print(f"wrote README.md: {summary}")
        return 0
    if new != text:
        print("FAIL: README.md's coverage table is out of date; regenerate it with\n"
              f"  python3 tests/catalogue/fm_coverage.py --write {dump} {root}")
        return 1
    print(f"ok: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
