"""The report of tests/bench/run-all: the issue's goals computed from the raw numbers (met or not),
the markdown tables README shows, and the scaling plot as a hand-written SVG. Pure functions of
the run-all.json data; no measuring here."""
import math
import statistics

RSS_200_MIB = 15.0  # issue 17: peak RSS of check at 200 endpoints
SERVE_RSS_MIB = 10.0  # issue 17: serve's RSS after its soak
FLAT_RATIO = 1.3  # issue 17: check at 50 and 200 endpoints (20 ms) against 1 endpoint
FIX_RATIO = 1.1  # issue 17: fix wall against the critical path of the plan
LINEAR = 1.1  # growth exponent allowed between two sizes: 1 is linear, 10 % for noise

NOT_MEASURED = "— not measured"


def one_resolver(data):
    """The rows of the scaling curve: names answered by one DNS server (the extra rows on two
    resolvers ask twice as many questions and are shown beside it)."""
    return [r for r in data.get("check", []) if r.get("resolvers", 1) == 1]


def row(data, delay, n):
    for r in one_resolver(data):
        if r["delay"] == delay and r["n"] == n:
            return r
    return None


def mark(ok):
    return "✓" if ok else "✗"


def exponents(data, delay, key):
    """(n1, n2, exponent) between consecutive sizes: log(v2/v1) / log(n2/n1); 1 is linear."""
    rows = sorted((r for r in one_resolver(data) if r["delay"] == delay), key=lambda r: r["n"])
    out = []
    for a, b in zip(rows, rows[1:]):
        if a[key] > 0 and b[key] > 0 and b["n"] > a["n"]:
            out.append((a["n"], b["n"], math.log(b[key] / a[key]) / math.log(b["n"] / a["n"])))
    return out


def goals(data):
    """One dict per goal: goal, measured (text), met (True, False or None = not measured)."""
    out = []
    delays = sorted({r["delay"] for r in one_resolver(data)})
    slow = data.get("delay_ms", 20)
    for n in (50, 200):
        one, big = row(data, slow, 1), row(data, slow, n)
        g = {"goal": f"check at {n} endpoints, {slow} ms one-way delay: ≤ {FLAT_RATIO} × the 1-endpoint time"}
        if one and big:
            ratio = big["vnetdiag_s"] / one["vnetdiag_s"]
            g |= {"measured": f"{big['vnetdiag_s']:.3f} s ÷ {one['vnetdiag_s']:.3f} s = {ratio:.2f} ×",
                  "met": ratio <= FLAT_RATIO, "value": ratio}
        out.append(g)
    g = {"goal": f"peak RSS of check at 200 endpoints ≤ {RSS_200_MIB:g} MiB"}
    at200 = [r for r in one_resolver(data) if r["n"] == 200]
    if at200:
        peak = max(r["vnetdiag_rss"] for r in at200)
        g |= {"measured": f"{peak:.1f} MiB (largest over every run and both delays)", "met": peak <= RSS_200_MIB,
              "value": peak}
    out.append(g)
    g = {"goal": f"serve's RSS after its soak ≤ {SERVE_RSS_MIB:g} MiB"}
    serve = data.get("serve")
    if serve:
        rss = serve["serve_rss_after_soak_kib"] / 1024
        g |= {"measured": f"{rss:.1f} MiB after a {serve['soak_s']} s soak at 64 connections "
                          f"(of which its own, RssAnon: {serve['serve_anon_after_soak_kib'] / 1024:.1f} MiB; "
                          f"before the soak {serve['serve_rss_pre_soak_kib'] / 1024:.1f} MiB)",
              "met": rss <= SERVE_RSS_MIB, "value": rss}
    out.append(g)
    g = {"goal": f"check's cost grows no worse than linearly with endpoints (time and peak RSS; growth exponent "
                 f"between consecutive sizes ≤ {LINEAR}, 1 = linear)"}
    parts, worst = [], None
    for d in delays:
        for key, label in (("vnetdiag_s", "time"), ("vnetdiag_rss", "RSS")):
            e = exponents(data, d, key)
            if e:
                n1, n2, k = max(e, key=lambda x: x[2])
                worst = k if worst is None else max(worst, k)
                parts.append(f"{label} at {d} ms: at most {k:.2f} ({n1}→{n2})")
    if worst is not None:
        sizes = sorted({r["n"] for r in one_resolver(data)})
        one, top = row(data, slow, sizes[0]), row(data, slow, sizes[-1])
        if one and top:
            parts.append(f"time({sizes[-1]}) ÷ time({sizes[0]}) at {slow} ms = "
                         f"{top['vnetdiag_s'] / one['vnetdiag_s']:.2f} for {sizes[-1] / sizes[0]:g} × the endpoints")
        g |= {"measured": "; ".join(parts), "met": worst <= LINEAR, "value": worst}
    out.append(g)
    low = data.get("low_nofile") or []
    if low:
        r = low[0]
        g = {"goal": f"a low `ulimit -n` ({r['nofile']}) at {r['n']} endpoints on {r['resolvers']} resolvers: the "
                     "same result as without the limit (batching) or one clear error, never a crash"}
        what = (f"{r['targets_reported']} of {r['n']} targets reported" if r["targets_reported"] is not None
                else f"no report; stderr: {r['stderr_first']!r}")
        if r.get("findings"):
            what += " with " + ", ".join(r["findings"])
        normal = ", ".join(r.get("normal_findings") or []) or "no finding"
        g |= {"measured": f"exit {r['exit']} after {r['seconds']:.2f} s, {what}; without the limit: exit "
                          f"{r.get('normal_exit')}, {normal}"
                          + (f"; e.g. {r['finding_example']}" if r.get("finding_example") else ""),
              "met": r["clear"] and not r["crashed"]}
    else:
        g = {"goal": "a low `ulimit -n`: batching or one clear error, never a crash"}
    out.append(g)
    g = {"goal": f"fix --apply from empty-network (twin's default latency): wall ≤ {FIX_RATIO} × the critical "
                 "path of the plan's dependency graph (its ARM steps, and the wait for the private path that "
                 "the lock-down depends on); ARM calls counted"}
    fix = [r for r in data.get("fix") or [] if "error" not in r]
    if fix:
        wall = statistics.median(r["wall"] for r in fix)
        steps_only = statistics.median(r["critical"] for r in fix)
        crit = statistics.median(r.get("critical_with_verify", r["critical"]) for r in fix)
        reqs = statistics.median(r["requests"] for r in fix)
        ok = all(r["verified"] and r["exit"] == 0 for r in fix) and len(fix) == len(data["fix"])
        g |= {"measured": f"{wall:.1f} s ÷ {crit:.1f} s = {wall / crit:.2f} × (ARM steps alone: {steps_only:.1f} s, "
                          f"{wall / steps_only:.2f} ×), {reqs:.0f} ARM requests"
                          f"{'' if ok else ' (not every run applied and verified)'}",
              "met": wall <= FIX_RATIO * crit and reqs > 0 and ok, "value": wall / crit}
    out.append(g)
    for g in out:
        g.setdefault("measured", NOT_MEASURED + (f" ({data['errors'][k]})" if (k := _stage(g)) in
                                                  data.get("errors", {}) else ""))
        g.setdefault("met", None)
    return out


def _stage(goal):
    text = goal["goal"]
    return "serve" if text.startswith("serve") else "fix" if text.startswith("fix") else "check"


def _s(v):
    return f"{v:.3f} s" if v is not None else "not run"


def markdown(data):
    m = data["machine"]
    waited = data.get("lock_wait_seconds", 0)
    waited = f" ({waited / 60:.1f} of them waiting for other users of the lab)" if waited >= 30 else ""
    lines = [f"`{data['command']}` on {data['date']}, {data['seconds'] / 60:.1f} minutes{waited}.",
             f"Machine: {m['nproc']} × {m['model']}, Linux {m['kernel']}, load average before "
             f"{' '.join(m['load_before'])}. Commit {m['commit']}; {m['vnetdiag_version']}; "
             f"blackbox_exporter: {m['blackbox_version']}.", "",
             "| goal (issue 17) | measured | met |", "|---|---|---|"]
    for g in data["goals"]:
        met = "—" if g["met"] is None else mark(g["met"])
        lines.append(f"| {g['goal']} | {g['measured']} | {met} |")
    runs = data["runs"]
    lines += ["", f"**check, side by side** (medians of {runs} runs each, all in the lab, same machine; peak RSS is "
              "the largest over runs; the console way is nslookup then `curl -v` per endpoint, one after another; "
              "blackbox_exporter gets its dns, tcp+tls and https /probe for every endpoint all at once)", "",
              "| one-way delay | endpoints | vnetdiag check | console way | blackbox_exporter | console ÷ vnetdiag "
              "| blackbox ÷ vnetdiag | vnetdiag peak RSS | blackbox peak RSS | vnetdiag runs exit 0 |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in data.get("check", []):
        v, c, b = r["vnetdiag_s"], r.get("console_s"), r.get("blackbox_s")
        n = f"{r['n']}" + (f" ({r['resolvers']} resolvers)" if r.get("resolvers", 1) > 1 else "")
        bb = f"{b:.3f} s ({r['blackbox_ok']}/{3 * r['n']} ok)" if b is not None else "not run"
        cratio = f"{c / v:.1f} ×" if c else "—"
        bratio = f"{b / v:.1f} ×" if b else "—"
        brss = f"{r['blackbox_rss']:.1f} MiB" if b else "—"
        zero = sum(1 for e in r["vnetdiag_exits"] if e == 0)
        lines.append(f"| {r['delay']} ms | {n} | {v:.3f} s | {_s(c)} | {bb} | {cratio} | {bratio} | "
                     f"{r['vnetdiag_rss']:.1f} MiB | {brss} | {zero}/{len(r['vnetdiag_exits'])} |")
    lines += ["", "**Scaling of check** (the plot: `scaling.svg`; growth exponent log(t₂/t₁) ÷ log(n₂/n₁) from the "
              "size before: 1 is linear, 0 flat)", "",
              "| one-way delay | endpoints | median time | × 1 endpoint | per endpoint | growth exponent (time) "
              "| peak RSS | growth exponent (RSS) |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in sorted({r["delay"] for r in one_resolver(data)}):
        rows = sorted((r for r in one_resolver(data) if r["delay"] == d), key=lambda r: r["n"])
        et = {n2: k for _, n2, k in exponents(data, d, "vnetdiag_s")}
        er = {n2: k for _, n2, k in exponents(data, d, "vnetdiag_rss")}
        for r in rows:
            kt = f"{et[r['n']]:.2f}" if r["n"] in et else "—"
            kr = f"{er[r['n']]:.2f}" if r["n"] in er else "—"
            lines.append(f"| {d} ms | {r['n']} | {r['vnetdiag_s']:.3f} s | {r['vnetdiag_s'] / rows[0]['vnetdiag_s']:.2f} | "
                         f"{1000 * r['vnetdiag_s'] / r['n']:.1f} ms | {kt} | {r['vnetdiag_rss']:.1f} MiB | {kr} |")
    for r in data.get("check", []):
        base = row(data, r["delay"], r["n"])
        if r.get("resolvers", 1) > 1:
            vs = f" ({r['vnetdiag_s'] / base['vnetdiag_s']:.2f} × the one-resolver time)" if base else ""
            lines.append(f"\n{r['n']} endpoints whose names {r['resolvers']} DNS servers answer (Azure DNS and a "
                         f"forwarding custom DNS server, both in resolv.conf), {r['delay']} ms: {r['vnetdiag_s']:.3f} s"
                         f"{vs}, peak RSS {r['vnetdiag_rss']:.1f} MiB.")
    for r in data.get("low_nofile") or []:
        got = "no report" if r["targets_reported"] is None else f"{r['targets_reported']} targets reported"
        if r.get("findings"):
            got += " (findings: " + ", ".join(f"`{f}`" for f in r["findings"]) + ")"
        lines.append(f"\nWith `ulimit -n {r['nofile']}` at {r['n']} endpoints, no delay: exit {r['exit']} after "
                     f"{r['seconds']:.2f} s, {got}" + (f"; stderr: `{r['stderr_first']}`" if r["stderr_first"] else "") + ".")
    serve = data.get("serve")
    if serve:
        names = {"serve_readyz": "serve /readyz", "serve_metrics": "serve /metrics", "bb_metrics": "blackbox /metrics",
                 "bb_healthy": "blackbox /-/healthy"}
        rps = {(x["name"], x["connections"]): x["rps"] for x in serve["rows"]}
        lines += ["", f"**serve next to blackbox_exporter** (wrk, 1 thread, loopback, {serve['duration_s']} s per row)", "",
                  "| endpoint | connections | req/s | p50 | p99 | errors | serve ÷ blackbox req/s |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for x in serve["rows"]:
            other = {"serve_metrics": "bb_metrics", "serve_readyz": "bb_healthy"}.get(x["name"])
            ratio = f"{x['rps'] / rps[(other, x['connections'])]:.1f} ×" if other and rps.get((other, x["connections"])) else ""
            lines.append(f"| {names[x['name']]} | {x['connections']} | {x['rps']} | {x['p50_ms']:.3f} ms | "
                         f"{x['p99_ms']:.3f} ms | {x['errors']} | {ratio} |")
        lines += ["", "| memory | serve | blackbox_exporter |", "|---|---:|---:|",
                  f"| peak RSS (VmHWM) | {serve['serve_hwm_kib'] / 1024:.1f} MiB | {serve['blackbox_hwm_kib'] / 1024:.1f} MiB |",
                  f"| RSS after a {serve['soak_s']} s soak at 64 connections on /metrics | "
                  f"{serve['serve_rss_after_soak_kib'] / 1024:.1f} MiB (own, RssAnon: "
                  f"{serve['serve_anon_after_soak_kib'] / 1024:.1f} MiB) | |"]
    fix = [r for r in data.get("fix") or [] if "error" not in r]
    if fix:
        med = lambda k: statistics.median(r[k] for r in fix)
        lines += ["", f"**fix --apply** from the twin's empty-network world, its default latency (medians of {len(fix)} runs)", "",
                  "| steps | wall | critical path (measured steps) | + wait for the private path before the lock-down "
                  "| steps one after another | wall ÷ critical path | wall ÷ critical path with the wait "
                  "| ARM requests | verified |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
                  f"| {fix[0]['steps']} | {med('wall'):.1f} s | {med('critical'):.1f} s | "
                  f"{med('critical_with_verify'):.1f} s | {med('sequential'):.1f} s | "
                  f"{med('wall') / med('critical'):.2f} × | {med('wall') / med('critical_with_verify'):.2f} × | "
                  f"{med('requests'):.0f} | "
                  f"{'yes' if all(r['verified'] for r in fix) else 'no'} |"]
    for stage, why in data.get("errors", {}).items():
        lines.append(f"\nNot measured: the {stage} stage failed: {why}")
    return "\n".join(lines) + "\n"


def _ticks(top):
    """About five round ticks from 0 to at least top."""
    if top <= 0:
        return [0, 1]
    step = 10 ** math.floor(math.log10(top / 5))
    for f in (1, 2, 2.5, 5, 10):
        if top / (step * f) <= 6:
            step *= f
            break
    return [i * step for i in range(int(math.ceil(top / step)) + 1)]


def _panel(x0, y0, w, h, sizes, series, ylabel, fmt, hollow=()):
    """One plot: log-x over sizes, linear y from 0; series = [(label, colour, [(n, v)])], hollow =
    single points [(label, colour, n, v)]."""
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))
    span = (hi - lo) or 1
    top = max([v for _, _, pts in series for _, v in pts] + [v for _, _, _, v in hollow] or [1])
    ticks = _ticks(top)
    ymax = ticks[-1]
    px = lambda n: x0 + (math.log10(n) - lo) / span * w
    py = lambda v: y0 + h - v / ymax * h
    out = [f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>']
    for t in ticks:
        out.append(f'<line x1="{x0}" y1="{py(t):.1f}" x2="{x0 + w}" y2="{py(t):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{fmt(t)}</text>')
    for n in sizes:
        out.append(f'<line x1="{px(n):.1f}" y1="{y0}" x2="{px(n):.1f}" y2="{y0 + h}" stroke="#eee"/>')
        out.append(f'<text x="{px(n):.1f}" y="{y0 + h + 16}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle">endpoints (log scale)</text>')
    out.append(f'<text x="{x0}" y="{y0 - 8}">{ylabel}</text>')
    for label, colour, pts in series:
        path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for n, v in pts:
            out.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3.5" fill="{colour}">'
                       f'<title>{label}, {n} endpoints: {fmt(v)}</title></circle>')
    for label, colour, n, v in hollow:
        out.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="5" fill="white" stroke="{colour}" stroke-width="2">'
                   f'<title>{label}, {n} endpoints: {fmt(v)}</title></circle>')
    return out


def scaling_svg(data):
    rows = one_resolver(data)
    extra = [r for r in data.get("check", []) if r.get("resolvers", 1) > 1]
    sizes = sorted({r["n"] for r in rows + extra}) or [1, 10]
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    delays = sorted({r["delay"] for r in rows})
    series = lambda key: [(f"{d} ms one-way delay", colours[i % len(colours)],
                           [(r["n"], r[key]) for r in sorted(rows, key=lambda r: r["n"]) if r["delay"] == d])
                          for i, d in enumerate(delays)]
    w, h = 400, 240
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="960" height="380" viewBox="0 0 960 380" '
           'font-family="sans-serif" font-size="12">',
           '<rect width="960" height="380" fill="white"/>',
           f'<text x="480" y="22" text-anchor="middle" font-size="15">vnetdiag check: median time '
           f'({data.get("runs", "?")} runs) and peak RSS against endpoints</text>']
    hollow = lambda key: [(f"{d} ms, {r['resolvers']} resolvers", colours[i % len(colours)], r["n"], r[key])
                          for i, d in enumerate(delays) for r in extra if r["delay"] == d]
    out += _panel(60, 60, w, h, sizes, series("vnetdiag_s"), "wall time (s)", lambda v: f"{v:.3g}",
                  hollow("vnetdiag_s"))
    out += _panel(540, 60, w, h, sizes, series("vnetdiag_rss"), "peak RSS (MiB)", lambda v: f"{v:.3g}",
                  hollow("vnetdiag_rss"))
    for i, d in enumerate(delays):
        x = 60 + i * 180
        out.append(f'<line x1="{x}" y1="360" x2="{x + 24}" y2="360" stroke="{colours[i % len(colours)]}" stroke-width="2"/>')
        out.append(f'<text x="{x + 30}" y="364">{d} ms one-way delay</text>')
    if extra:
        out.append('<circle cx="430" cy="360" r="4" fill="white" stroke="#555" stroke-width="2"/>')
        out.append(f'<text x="440" y="364">hollow: {extra[0]["n"]:,} endpoints, every name answered by two '
                   'DNS servers</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
