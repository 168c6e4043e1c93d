"""The network-namespace lab (tests/lab/) from Python: the App Service environment of the lab's
app, the standard `vnetdiag check` invocation inside it, the scenario data files
(tests/lab/expect/NAME.json, format in tests/lab/README.md), and the golden findings: how they
are normalised, compared and written back."""
import difflib
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
LAB = os.path.join(ROOT, "tests", "lab", "lab")
WORLDS = os.path.join(ROOT, "tests", "lab", "scenarios")
EXPECT = os.path.join(ROOT, "tests", "lab", "expect")
SCHEMA = os.path.join(ROOT, "report", "schema", "report-1.0.schema.json")
CATALOG = os.path.join(ROOT, "report", "finding_table.hpp")

# "problems" name targets short: kv = the vault, cs = the cognitive account, "" = the run itself.
SHORT = {"kv": "vdlabkv.vault.azure.net", "cs": "vdlabcs.cognitiveservices.azure.com", "": ""}

# The App Service environment of the lab's app: integrated at 10.0.0.4, Azure DNS stood in by
# the lab's resolver (vnetdiag must never ask the real 168.63.129.16 in a test).
APP_ENV = {
    "WEBSITE_SITE_NAME": "securebackend2021",
    "WEBSITE_RESOURCE_GROUP": "securebackendsetup",
    "WEBSITE_OWNER_NAME": "00000000-0000-0000-0000-000000000000+securebackendsetup-WestEuropewebspace-Linux",
    "WEBSITE_INSTANCE_ID": "lab-instance-0",
    "WEBSITE_PRIVATE_IP": "10.0.0.4",
    "VNETDIAG_AZURE_DNS_SERVER": "10.0.2.53",
}

# The keys of a scenario file, in the order --update writes them. Required: world, exit, problems.
SCENARIO_KEYS = ("world", "exit", "problems", "first_problem_contains", "env", "args", "vary", "vary_why",
                 "findings")
REQUIRED_KEYS = ("world", "exit", "problems")


def lab_env():
    """The lab's KEY=VALUE lines (APP_EXEC, CA_BUNDLE, ...); SystemExit when it is not up."""
    out = subprocess.run([LAB, "status", "--env"], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise SystemExit(f"FAIL: the lab is not up ({out.stderr.strip()}); the lab.up fixture "
                         "(or tests/lab/lab up) should have started it")
    return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)


def scenario_path(arg):
    """A scenario file from a path, or from a bare name (tests/lab/expect/NAME.json)."""
    if os.sep in arg or arg.endswith(".json"):
        return os.path.abspath(arg)
    return os.path.join(EXPECT, arg + ".json")


def scenario_name(path):
    return os.path.splitext(os.path.basename(path))[0]


def load_scenario(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def scenario_files():
    return sorted(os.path.join(EXPECT, n) for n in os.listdir(EXPECT) if n.endswith(".json"))


def write_scenario(path, scenario):
    """Writes a scenario file the way --update does: keys in SCENARIO_KEYS order, 2-space indent,
    non-ASCII kept, a final newline."""
    ordered = {k: scenario[k] for k in SCENARIO_KEYS if k in scenario}
    ordered.update({k: v for k, v in scenario.items() if k not in ordered})
    text = json.dumps(ordered, indent=2, ensure_ascii=False) + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def check_env(scenario):
    """APP_ENV with the scenario's "env" applied (a null value removes the variable)."""
    env = dict(APP_ENV)
    for key, value in scenario.get("env", {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def check_command(vnetdiag, lab, scenario, output):
    """The standard `vnetdiag check` in the app's namespace with a clean environment."""
    return (lab["APP_EXEC"].split() + ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"] +
            [f"{k}={v}" for k, v in check_env(scenario).items()] +
            [vnetdiag, "check", "--keyvault", "vdlabkv", "--cognitive", "vdlabcs",
             "--ca-bundle", lab["CA_BUNDLE"], "-o", output,
             # Short phase budgets keep the suite fast; the budgets themselves are what is tested.
             "--dns-timeout", "1", "--connect-timeout", "1", "--tls-timeout", "1", "--http-timeout", "1"] +
            scenario.get("args", []))


def expected_problems(scenario):
    """The scenario's "problems" as a set of id@full-target."""
    out = set()
    for p in scenario["problems"]:
        fid, short = p.split("@", 1)
        out.add(f"{fid}@{SHORT[short]}")
    return out


def problems_of(findings):
    return {f"{f['id']}@{f['target']}" for f in findings if f["severity"] != "ok"}


# --- golden findings ---------------------------------------------------------------------------
#
# The findings array is stored as vnetdiag printed it, except for what differs from run to run
# (found by running every scenario twice and diffing) or from one lab checkout to the next:
#   1. evidence values whose key ends in "_ms" (duration_ms, connect_ms, tls_ms, getaddrinfo_ms):
#      measured times -> "<ms>"
#   2. evidence "certificate_not_after": the lab's PKI is made per checkout (tests/lab/run/pki)
#      and the expiring certificate is renewed when under 4 days are left -> "<date>"
#   3. evidence "min_ttl_s": the lab's resolvers cache, so a query that meets the cache a second
#      boundary later in the same check sees 9 where the first saw 10 -> "<ttl>"
#   4. in every string (summary, remedy, evidence): curl's "after N ms" -> "after <n> ms", and
#      "N days left" -> "<n> days left" (tls.expiring counts down with the clock)
#   5. per scenario, "vary": {"ID@kv|cs|": ["summary", "evidence.KEY", ...]}: those fields of
#      that finding -> "<varies>". For races inside vnetdiag that one scenario shows (its
#      "vary_why" says which); custom-dns-nonforwarding is the only one today.
#   6. order: consecutive findings of one target in the "dns" layer are sorted by id. Their
#      order follows which resolver answered first (report/diagnose.cpp iterates resolvers in
#      the order of the observations), e.g. dns.private_endpoint and dns.public_address swap in
#      custom-dns-nonforwarding. Everything else keeps vnetdiag's order.
# Placeholders replace the value only where it varies; key order, every other value and the
# order of the other findings are compared exactly (as JSON text, indent 1).

MS_PLACEHOLDER = "<ms>"
VARIES_PLACEHOLDER = "<varies>"
DATE_PLACEHOLDER = "<date>"
TTL_PLACEHOLDER = "<ttl>"
_TEXT_RULES = (
    (re.compile(r"\bafter \d+ ms\b"), "after <n> ms"),
    (re.compile(r"\b\d+ days left\b"), "<n> days left"),
)


def _text(value):
    if not isinstance(value, str):
        return value
    for pattern, replacement in _TEXT_RULES:
        value = pattern.sub(replacement, value)
    return value


def _normalise_one(finding):
    out = {}
    for key, value in finding.items():
        if key == "evidence" and isinstance(value, dict):
            ev = {}
            for k, v in value.items():
                if k.endswith("_ms"):
                    ev[k] = MS_PLACEHOLDER
                elif k == "certificate_not_after":
                    ev[k] = DATE_PLACEHOLDER
                elif k == "min_ttl_s":
                    ev[k] = TTL_PLACEHOLDER
                else:
                    ev[k] = _text(v)
            out[key] = ev
        else:
            out[key] = _text(value)
    return out


def _vary(finding, vary):
    """Rule 5: the fields `vary` lists for this finding's id@short-target -> "<varies>"."""
    short = {v: k for k, v in SHORT.items()}.get(finding.get("target"), finding.get("target"))
    for field in vary.get(f"{finding.get('id')}@{short}", []):
        if field.startswith("evidence."):
            key = field[len("evidence."):]
            if key in finding.get("evidence", {}):
                finding["evidence"][key] = VARIES_PLACEHOLDER
        elif field in finding:
            finding[field] = VARIES_PLACEHOLDER
    return finding


def normalise_findings(findings, vary=None):
    """The findings with run-to-run variation replaced (rules above); a new list. vary: the
    scenario's "vary" (rule 5)."""
    out = [_vary(_normalise_one(f), vary or {}) for f in findings]
    i = 0
    while i < len(out):
        j = i
        while (j < len(out) and out[j].get("layer") == "dns" and out[i].get("layer") == "dns" and
               out[j].get("target") == out[i].get("target")):
            j += 1
        if j - i > 1:
            out[i:j] = sorted(out[i:j], key=lambda f: (f.get("id", ""), json.dumps(f, ensure_ascii=False)))
        i = max(j, i + 1)
    return out


def findings_text(findings):
    return json.dumps(findings, indent=1, ensure_ascii=False).splitlines()


def findings_diff(golden, got, name):
    """A unified diff (list of lines) from the golden findings to these, empty when equal."""
    return list(difflib.unified_diff(findings_text(golden), findings_text(got), lineterm="",
                                     fromfile=f"{name} golden findings", tofile=f"{name} this run"))


# --- the finding catalog -----------------------------------------------------------------------

def catalog_ids(path=CATALOG):
    """Every finding id of report/finding_table.hpp: each quoted dotted lower-case literal
    ("dns.nxdomain"), outside #include lines. Works for FindingSpec{"id", ...} entries and for an
    enum whose entries carry the same strings."""
    with open(path, encoding="utf-8") as f:
        text = "\n".join(line for line in f if not line.lstrip().startswith("#"))
    return set(re.findall(r'"([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)"', text))
