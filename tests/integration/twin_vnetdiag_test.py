#!/usr/bin/python3
"""vnetdiag against the ARM twin and the lab, end to end: one driver for the scenarios in
tests/armtwin/scenarios/*.json (format: tests/armtwin/scenarios/README.md).

Each scenario loads a twin world (plus its facts, roles, faults, config), runs vnetdiag inside the
app's namespace once per run, and checks the outcome it states (exit code, non-ok findings as
id@target, plan step keys, ...). Runs that are deterministic also carry a golden: the full
`findings` array of a check, the `plan` of a fix, compared as JSON text after normalising only
what differs from one run to the next (etags, generated names); a mismatch prints a unified diff.
The goldens exist so the C++ rules and planner can be restructured with their JSON unchanged.

usage: twin_vnetdiag_test.py VNETDIAG [SCENARIO...] [--update] [--raw DIR]
  --update   rewrite the goldens (and fill a missing exit/problems/plan_keys) from this binary
  --raw DIR  also write every run's unnormalised stdout to DIR (to find what varies)
Root and network namespaces needed: SKIP/77 otherwise, FAIL under CI=true."""
import argparse
import difflib
import json
import os
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ARMTWIN = os.path.join(ROOT, "tests", "armtwin")
RUN = os.path.join(ARMTWIN, "run")
SCENARIOS = os.path.join(ARMTWIN, "scenarios")
# The twin's Kudu stand-in (scm.py) serves run.d/scm/<site>/ as the site's /home: where serve_as_instance
# runs put their instance report files.
SCM_STORE = os.path.join(ARMTWIN, "run.d", "scm", "securebackend2021", "LogFiles", "vnetdiag", "instances")
# Screenshots of the chain view (check -o html) the scenarios render; docs/ holds chosen ones.
SCREENS = os.environ.get("VNETDIAG_SCREENSHOTS", os.path.join(ARMTWIN, "run.d", "screens"))
sys.path.insert(0, ARMTWIN)
from twinlib import Checks, skip_or_fail  # noqa: E402

DEFAULT_CONFIG = {"lro_seconds": 0.2, "retry_after": 1, "token_lifetime": 3600}
SCENARIO_KEYS = {"description", "world", "facts", "roles", "faults", "config", "runs", "expect_state_contains",
                 "expect_state_lacks"}
RUN_KEYS = {"args", "control", "expect", "golden", "why_no_golden", "kill_after_writes", "interrupt_after_writes", "run_emitted_az", "tty", "chain_view",
            "evidence"}
# serve_as_instance: run `vnetdiag serve` as that instance (WEBSITE_INSTANCE_ID) with --instances-dir
# in the twin's SCM store (scm.py) until it wrote its report file, then SIGTERM (check --all-instances).
RUN_KEYS |= {"serve_as_instance"}
EXPECT_KEYS = {"exit", "problems", "problems_outside_context", "cause", "dns_symptom_with_cause",
               "context_contains", "plan_keys", "plan_keys_ordered", "no_delete", "stdout_contains",
               "stderr_contains", "writes", "verified", "journal_order", "no_write_to"}
COMMON_ARGS = ["--keyvault", "vdlabkv", "--cognitive", "vdlabcs", "--dns-timeout", "1", "--connect-timeout", "1",
               "--tls-timeout", "1", "--http-timeout", "1"]

# What differs between two runs of the same scenario (found by running every scenario twice with
# --raw and diffing) -- and nothing else:
#  - every evidence value named *_ms (DNS, connect, TLS, first-byte durations): timing;
#  - a plan step's if_match: the etag the twin gave the resource, a new GUID/timestamp per world load;
#  - certificate_not_after: the lab's certificates are minted when the lab is set up;
#  - min_ttl_s: the TTL a caching resolver hands out counts down (10, then 9 a second later);
# custom-dns-nonforwarding's check has no golden: its two resolvers race, and which answer vnetdiag
# connects to (10.0.1.4 or 203.0.113.10) -- and so its findings' order and addresses -- varies.
MASK = {"if_match": "<etag>", "certificate_not_after": "<lab certificate expiry>", "min_ttl_s": "<ttl>"}


def _mask(value, key=None):
    if isinstance(value, dict):
        return {k: _mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    if key and key.endswith("_ms") and isinstance(value, (int, float, str)):
        return "<ms>"
    if key in MASK and value not in ("", None):
        return MASK[key]
    return value


def normalise(value, what=None):
    return json.dumps(_mask(value), indent=1, ensure_ascii=False)


def load_scenarios(names):
    out = []
    for fn in sorted(os.listdir(SCENARIOS)):
        if not fn.endswith(".json"):
            continue
        name = fn[:-5]
        if names and name not in names:
            continue
        with open(os.path.join(SCENARIOS, fn)) as f:
            data = json.load(f)
        bad = set(data) - SCENARIO_KEYS
        bad |= {f"runs[{i}].{k}" for i, r in enumerate(data.get("runs", [])) for k in set(r) - RUN_KEYS}
        bad |= {f"runs[{i}].expect.{k}" for i, r in enumerate(data.get("runs", []))
                for k in set(r.get("expect", {})) - EXPECT_KEYS}
        if bad or "world" not in data or not data.get("runs"):
            raise SystemExit(f"{fn}: unknown keys {sorted(bad)} or no world/runs")
        out.append((name, data))
    missing = set(names) - {n for n, _ in out}
    if missing:
        raise SystemExit(f"no such scenario: {', '.join(sorted(missing))}")
    return out


class Driver:
    def __init__(self, vnetdiag, env, checks, update, raw_dir):
        self.vnetdiag, self.env, self.c, self.update, self.raw_dir = vnetdiag, env, checks, update, raw_dir
        self.ctx = ssl.create_default_context(cafile=env["CA_BUNDLE"])
        self.evidence_path = os.path.join(tempfile.gettempdir(), f"vnetdiag-twin-evidence-{os.getpid()}.tar.gz")

    def control(self, method, path, body=None):
        req = urllib.request.Request(self.env["TWIN_CONTROL"] + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
            text = r.read().decode()
            return json.loads(text) if text.strip() else None

    def journal_writes(self):
        entries = self.control("GET", "/journal")
        entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
        return [e for e in entries if e.get("method") in ("PUT", "PATCH", "DELETE") and "/_twin" not in e.get("path", "")]

    def command(self, args):
        args = [a.replace("{ARM_ENDPOINT}", self.env["ARM_ENDPOINT"]) for a in args]
        return self.env["APP_EXEC"].split() + [self.vnetdiag] + list(args) + COMMON_ARGS + [
            "--ca-bundle", self.env["LAB_CA_BUNDLE"]]

    def command_of(self, run):
        """The run's command line; a run that expects an evidence bundle writes it to a scratch path."""
        extra = ["--evidence", self.evidence_path] if run.get("evidence") else []
        return self.command(list(run["args"]) + extra)

    def setup(self, sc):
        shutil.rmtree(SCM_STORE, ignore_errors=True)   # instance report files of an earlier scenario
        world = sc["world"] if isinstance(sc["world"], dict) else {"builder": sc["world"]}
        self.control("POST", "/reset", {"world": world["builder"]})   # roles, faults, facts back to defaults
        self.control("POST", "/config", dict(DEFAULT_CONFIG, **sc.get("config", {})))
        facts = dict(world.get("facts", {}), **sc.get("facts", {}))
        if facts:
            self.control("POST", "/facts", facts)
        if world.get("calls"):
            self.control("POST", "/arm", world["calls"])
        if sc.get("roles"):
            self.control("PUT", "/roles", sc["roles"])
        if sc.get("faults"):
            self.control("POST", "/faults", sc["faults"])
        self.control("DELETE", "/journal")
        self.control("POST", "/lab/sync?timeout=20")

    def run_scenario(self, name, sc):
        print(f"- {name}: {sc.get('description', '')}", flush=True)
        self.setup(sc)
        changed = False
        for i, run in enumerate(sc["runs"]):
            if "control" in run:
                self.control(*run["control"])
                continue
            label = f"{name} #{i} {' '.join(run['args'])}"
            t0 = time.monotonic()
            p = self.execute(run)
            print(f"     {label}: exit {p.returncode} ({time.monotonic() - t0:.1f} s)", flush=True)
            if self.raw_dir:
                with open(os.path.join(self.raw_dir, f"{name}.{i}.out"), "w") as f:
                    f.write(p.stdout)
            out = None
            if "-o" in run["args"] and p.stdout.strip().startswith("{"):
                try:
                    out = json.loads(p.stdout)
                except ValueError:
                    pass
            if "-o" in run["args"] and out is None and not run.get("kill_after_writes") \
                    and not run.get("chain_view"):
                self.c.check(False, f"{label}: JSON on stdout", (p.stdout[-400:] + p.stderr[-400:]))
                continue
            changed |= self.expectations(label, run, p, out)
            changed |= self.golden(label, run, out)
            if run.get("run_emitted_az"):
                self.run_emitted_az(label, p.stdout)
            if run.get("chain_view"):
                self.chain_view(f"{name}-{i}", label, p.stdout, run["chain_view"])
            if run.get("evidence"):
                self.evidence_bundle(label, run["evidence"])
        if sc.get("expect_state_contains"):
            state = json.dumps(self.control("GET", "/state"))
            missing = [s for s in sc["expect_state_contains"] if s not in state]
            self.c.check(not missing, f"{name}: the twin's state still has {sc['expect_state_contains']}", missing)
        if sc.get("expect_state_lacks"):
            ids = [r["id"].lower() for r in self.control("GET", "/state")["resources"]]
            present = [s for s in sc["expect_state_lacks"] if any(i.endswith(s.lower()) for i in ids)]
            self.c.check(not present, f"{name}: the twin has no resource {sc['expect_state_lacks']} any more", present)
        if changed:
            with open(os.path.join(SCENARIOS, name + ".json"), "w") as f:
                json.dump(sc, f, indent=1, ensure_ascii=False)
                f.write("\n")

    def chain_view(self, name, label, html, exp):
        """`check -o html` as a person sees it: headless Chromium renders the page (a screenshot is
        kept in SCREENS), and the DOM it built says which hop of which target is broken. The page
        must log nothing to the console (no script, no CSP refusal of a request) and name no
        resource outside itself."""
        chromium = shutil.which("chromium")
        self.c.check(chromium is not None, f"{label}: chromium is installed (packaging/setup-debian.sh)")
        if not chromium:
            return
        os.makedirs(SCREENS, exist_ok=True)
        page = os.path.join(SCREENS, f"{name}.html")
        with open(page, "w") as f:
            f.write(html)
        base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--window-size=1500,1100", "--enable-logging=stderr", "--v=0"]
        shot = subprocess.run(base + [f"--screenshot={os.path.join(SCREENS, name + '.png')}", "file://" + page],
                              capture_output=True, text=True, timeout=120)
        dom = subprocess.run(base + ["--dump-dom", "file://" + page], capture_output=True, text=True, timeout=120)
        console = [ln for ln in (shot.stderr + dom.stderr).splitlines() if "CONSOLE" in ln]
        self.c.check(shot.returncode == 0 and os.path.getsize(os.path.join(SCREENS, name + ".png")) > 10000,
                     f"{label}: Chromium rendered a screenshot", shot.stderr[-300:])
        self.c.check(not console, f"{label}: nothing on the browser console (no script, no blocked request)", console[:3])
        external = re.findall(r'(?:src|href|xlink:href)=["\'](?:https?:)?//', dom.stdout)
        self.c.check(not external and "default-src 'none'" in dom.stdout,
                     f"{label}: the page loads nothing from anywhere (CSP default-src 'none')", external[:3])
        states, host = {}, None
        for m in re.finditer(r'class="host"[^>]*>([^<]*)<|data-hop="([^"]*)" data-state="([^"]*)"', dom.stdout):
            if m.group(1) is not None:
                host = m.group(1)
            else:
                states[f"{host}/{m.group(2)}"] = m.group(3)
        for hop in exp.get("broken", []):
            self.c.check(states.get(hop) == "broken", f"{label}: {hop} is drawn red (broken)", states)
        if exp.get("all_ok"):
            bad = {k: v for k, v in states.items() if v != "ok"}
            self.c.check(states and not bad, f"{label}: every hop is drawn green", bad or states)
        for text in exp.get("names", []):
            self.c.check(text in dom.stdout, f"{label}: the page names {text!r}")

    def evidence_bundle(self, label, exp):
        """What --evidence wrote: the members named, and with fix the plan and the journal of the
        ARM calls it made (a write among them when it applied)."""
        members = {}
        if os.path.exists(self.evidence_path):
            with tarfile.open(self.evidence_path, "r:gz") as tar:
                members = {m.name: tar.extractfile(m).read().decode(errors="replace") for m in tar.getmembers()}
            os.unlink(self.evidence_path)
        missing = sorted(set(exp.get("members", [])) - set(members))
        self.c.check(members and not missing, f"{label}: the evidence bundle holds {exp.get('members')}",
                     missing or sorted(members))
        if "fix_writes" in exp:
            record = json.loads(members.get("fix.json", "{}") or "{}")
            writes = [c for c in record.get("journal", []) if c.get("method") in ("PUT", "PATCH", "DELETE")]
            self.c.check("steps" in record.get("plan", {}) and bool(writes) == exp["fix_writes"],
                         f"{label}: fix.json has the plan and {'the' if exp['fix_writes'] else 'no'} ARM writes",
                         [c.get("path") for c in writes][:5])

    def run_emitted_az(self, label, script):
        """Runs what `fix --emit az` printed, inside the app, with tests/integration/az_shim/az
        standing in for the Azure CLI: the script must run to its end against the twin."""
        fd, path = tempfile.mkstemp(prefix="vnetdiag-emitted-", suffix=".sh")
        with os.fdopen(fd, "w") as f:
            f.write(script)
        shim = os.path.join(HERE, "az_shim")
        p = subprocess.run(self.env["APP_EXEC"].split() + ["env", f"PATH={shim}:{os.environ['PATH']}", "bash", path],
                           capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        self.c.check(p.returncode == 0, f"{label}: the emitted az script runs to its end (exit {p.returncode})",
                     p.stderr[-600:])
        os.unlink(path)
        self.control("POST", "/lab/sync?timeout=20")  # the lab follows the twin before the next run

    def serve_as_instance(self, run):
        """`vnetdiag serve ARGS` in the app as instance run["serve_as_instance"], writing its report
        file into the twin's SCM store (what Kudu serves as /home), stopped once the file is there."""
        iid = run["serve_as_instance"]
        path = os.path.join(SCM_STORE, iid + ".json")
        if os.path.exists(path):
            os.unlink(path)
        cmd = self.command(["serve", "--listen", "127.0.0.1:0", "--interval", "5", "--instances-dir", SCM_STORE]
                           + list(run["args"]))
        at = cmd.index(self.vnetdiag)
        cmd[at:at] = ["env", f"WEBSITE_INSTANCE_ID={iid}"]
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not os.path.exists(path) and p.poll() is None:
            time.sleep(0.1)
        written = os.path.exists(path)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        if not written:
            err += f"\n(driver) serve wrote no {path}"
        return subprocess.CompletedProcess(p.args, p.returncode if written else 1, out, err)

    def execute(self, run):
        if run.get("serve_as_instance"):
            return self.serve_as_instance(run)
        if run.get("interrupt_after_writes"):
            # Ctrl-C as a person would press it, once the journal shows that many ARM writes.
            p = subprocess.Popen(self.command_of(run), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 stdin=subprocess.DEVNULL, text=True)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(self.journal_writes()) < run["interrupt_after_writes"] \
                    and p.poll() is None:
                time.sleep(0.05)
            p.send_signal(signal.SIGINT)
            out, err = p.communicate(timeout=300)
            return subprocess.CompletedProcess(p.args, p.returncode, out, err)
        if run.get("tty"):
            # On a terminal, as a person runs it: script(1) gives vnetdiag a pty and keeps its exit code.
            return subprocess.run(["script", "-qec", shlex.join(self.command_of(run)), "/dev/null"],
                                  capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        if not run.get("kill_after_writes"):
            return subprocess.run(self.command_of(run), capture_output=True, text=True, timeout=600,
                                  stdin=subprocess.DEVNULL)
        victim = subprocess.Popen(self.command_of(run), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(self.journal_writes()) < run["kill_after_writes"] \
                and victim.poll() is None:
            time.sleep(0.05)  # polling the journal: the writes are the readiness signal
        victim.kill()
        victim.wait()
        return subprocess.CompletedProcess(victim.args, victim.returncode, "", "")

    def expectations(self, label, run, p, out):
        exp = run.setdefault("expect", {})
        changed = False
        findings = (out or {}).get("findings") if isinstance((out or {}).get("findings"), list) else None
        plan = (out or {}).get("plan") if isinstance((out or {}).get("plan"), dict) else None
        problems = sorted(f"{f['id']}@{f['target']}" for f in findings or [] if f["severity"] != "ok")
        keys = sorted(s["key"] for s in plan["steps"]) if plan else None
        if self.update and run.get("golden") is not False and not run.get("kill_after_writes"):
            for k, v in (("exit", p.returncode), ("problems", problems if findings is not None else None),
                         ("plan_keys", keys)):
                if v is not None and k not in exp:
                    exp[k] = v
                    changed = True
        detail = f"exit {p.returncode}; problems {problems}; plan {keys}; stderr {p.stderr[-300:]!r}"
        if "exit" in exp:
            self.c.check(p.returncode == exp["exit"], f"{label}: exit {exp['exit']}", detail)
        if "problems" in exp:
            self.c.check(problems == exp["problems"], f"{label}: non-ok findings {exp['problems']}", detail)
        if "problems_outside_context" in exp:
            bad = sorted(f"{f['id']}@{f['target']}" for f in findings or []
                         if f["severity"] != "ok" and f["layer"] != "context")
            self.c.check(bad == exp["problems_outside_context"], f"{label}: non-ok findings outside context "
                         f"{exp['problems_outside_context']}", bad)
        # "cause": one {id, resource_suffix, property} or a list of them, every one must be named.
        for want in ([exp["cause"]] if isinstance(exp.get("cause"), dict) else exp.get("cause", [])):
            hits = [f for f in findings or [] if f["id"] == want["id"] and f.get("cause")
                    and f["cause"]["resource_id"].lower().endswith(want["resource_suffix"].lower())
                    and f["cause"]["property"] == want["property"]]
            self.c.check(bool(hits), f"{label}: {want['id']} names {want['resource_suffix']} {want['property']}",
                         problems)
        if "dns_symptom_with_cause" in exp:
            symptoms = [f for f in findings or [] if f["layer"] == "dns" and f["severity"] != "ok"
                        and f["target"].startswith(exp["dns_symptom_with_cause"]) and f.get("cause")]
            self.c.check(bool(symptoms), f"{label}: the DNS symptom carries the cause", problems)
        for k, sub in exp.get("context_contains", {}).items():
            self.c.check(sub in str(((out or {}).get("context") or {}).get(k, "")),
                         f"{label}: context.{k} mentions {sub!r}", (out or {}).get("context"))
        if "plan_keys" in exp:
            self.c.check(keys == sorted(exp["plan_keys"]), f"{label}: plans {exp['plan_keys']}", detail)
        if "plan_keys_ordered" in exp:
            ordered = [s["key"] for s in plan["steps"]] if plan else None
            self.c.check(ordered == exp["plan_keys_ordered"], f"{label}: plans exactly {exp['plan_keys_ordered']}",
                         ordered)
        if exp.get("no_delete"):
            self.c.check(plan is not None and all(s["method"] != "DELETE" for s in plan["steps"]),
                         f"{label}: the plan never deletes")
        for want in ([exp["stdout_contains"]] if isinstance(exp.get("stdout_contains"), str)
                     else exp.get("stdout_contains", [])):   # one string or a list of them
            self.c.check(want in p.stdout, f"{label}: stdout says {want!r}", p.stdout[-600:] + p.stderr[-300:])
        if "stderr_contains" in exp:
            self.c.check(exp["stderr_contains"] in p.stderr, f"{label}: stderr says {exp['stderr_contains']!r}",
                         p.stderr[-600:])
        if "writes" in exp:
            writes = self.journal_writes()
            self.c.check(len(writes) == exp["writes"], f"{label}: {exp['writes']} ARM writes",
                         [f"{e['method']} {e['path']}" for e in writes[:3]])
        if "no_write_to" in exp:
            # "METHOD path-suffix" items the journal (since the last clear) must not hold.
            writes = [(e.get("method", ""), e.get("path", "").split("?")[0].lower()) for e in self.journal_writes()]
            hit = [item for item in exp["no_write_to"]
                   if any(m == item.partition(" ")[0] and path.endswith(item.partition(" ")[2].lower())
                          for m, path in writes)]
            self.c.check(not hit, f"{label}: no {exp['no_write_to']}", hit)
        if "journal_order" in exp:
            # "METHOD path-suffix" items that the twin's journal holds in this order (others between).
            entries = self.control("GET", "/journal")
            entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
            calls = [(e.get("method", ""), e.get("path", "").split("?")[0].lower()) for e in entries]
            at, found = 0, []
            for item in exp["journal_order"]:
                method, _, suffix = item.partition(" ")
                while at < len(calls) and not (calls[at][0] == method and calls[at][1].endswith(suffix.lower())):
                    at += 1
                if at == len(calls):
                    break
                found.append(item)
                at += 1
            self.c.check(found == exp["journal_order"], f"{label}: the journal holds {exp['journal_order']} in order",
                         [f"{m} {p}" for m, p in calls if m != "GET" or "privateendpoints" in p][-20:])
        if "verified" in exp:
            self.c.check(bool((out or {}).get("verified")) == exp["verified"], f"{label}: verified {exp['verified']}",
                         [s for s in (out or {}).get("applied", []) if s.get("outcome") != "ok"] or p.stderr[-800:])
        return changed

    def golden(self, label, run, out):
        if run.get("golden") is False or out is None:
            return False
        parts = {k: out[k] for k in ("findings", "plan") if k in out}
        if self.update:
            new = {k: json.loads(normalise(v, k)) for k, v in parts.items()}
            if run.get("golden") != new:
                run["golden"] = new
                return True
            return False
        want = run.get("golden")
        if want is None:
            self.c.check(False, f"{label}: has a golden (run with --update)")
            return False
        for k in sorted(set(want) | set(parts)):
            got_text = normalise(parts[k], k) if k in parts else "(absent)\n"
            want_text = json.dumps(want[k], indent=1, ensure_ascii=False) if k in want else "(absent)\n"
            diff = "".join(difflib.unified_diff((want_text + "\n").splitlines(True), (got_text + "\n").splitlines(True),
                                                f"golden {k}", f"this run's {k}"))
            self.c.check(not diff, f"{label}: {k} byte-identical to the golden", "\n" + diff[:20000])
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vnetdiag")
    ap.add_argument("scenarios", nargs="*")
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--raw")
    a = ap.parse_args()
    scenarios = load_scenarios(a.scenarios)
    if os.geteuid() != 0:
        skip_or_fail("not root: the lab needs network namespaces", "twin tests")
    if a.raw:
        os.makedirs(a.raw, exist_ok=True)
    c = Checks("twin.vnetdiag")
    out = subprocess.run([RUN, "--world", "empty-network", "--lro-seconds", str(DEFAULT_CONFIG["lro_seconds"])],
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        print(f"FAIL: the twin did not start: {out.stderr.strip()[-500:]}")
        print("0 passed, 1 failed")
        return 1
    env = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    try:
        d = Driver(os.path.abspath(a.vnetdiag), env, c, a.update, a.raw)
        for name, sc in scenarios:
            c.run(lambda checks, n=name, s=sc: d.run_scenario(n, s))
    finally:
        subprocess.run([RUN, "--down"], capture_output=True, timeout=120)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
