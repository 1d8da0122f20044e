#!/usr/bin/env python3
"""Checks infra/grafana/meridian.json offline: it parses, is a Grafana dashboard of schemaVersion 39 or later with a
Prometheus `datasource` variable and `job`/`instance` variables, every panel queries through that variable, and
every PromQL expression names only metrics Meridian exports, with labels those metrics have.

    python3 infra/grafana/check.py [DASHBOARD]                         # offline (run by infra/helm/validate.sh)
    python3 infra/grafana/check.py --exposition FILE_OR_URL [DASHBOARD] # also: the metrics the dashboard uses are
                                                                        # in a real scrape of /metrics

With --exposition, a gauge missing from the scrape is an error; a counter or histogram missing is a warning (they
appear at their first event: a process that refused nothing has no meridian_rate_limited_total yet), an error with
--strict.

METRICS below is the contract with the server (backend/server, the metrics listener `metrics.bind`): change both
together. Standard library only.
"""
import json
import re
import sys
import urllib.request
from pathlib import Path

# name -> (type, labels). Histograms are listed by their base name (_bucket/_sum/_count are derived).
METRICS = {
    "meridian_http_requests_total": ("counter", {"method", "route", "status"}),
    "meridian_http_request_duration_seconds": ("histogram", {"method", "route"}),
    "meridian_http_requests_in_flight": ("gauge", set()),
    "meridian_jobs_waiting": ("gauge", {"kind"}),
    "meridian_jobs_running": ("gauge", {"kind"}),
    "meridian_jobs_oldest_waiting_seconds": ("gauge", {"kind"}),
    "meridian_job_runs_total": ("counter", {"kind", "outcome"}),
    "meridian_job_duration_seconds": ("histogram", {"kind"}),
    "meridian_storage_bytes": ("gauge", {"tier"}),
    "meridian_db_pool_connections": ("gauge", {"state"}),
    "meridian_db_pool_max": ("gauge", set()),
    "meridian_rate_limited_total": ("counter", {"limiter"}),
    "meridian_build_info": ("gauge", {"version"}),
}
# Labels Prometheus adds to every scraped series (the Prometheus Operator adds the rest).
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
# Label values the server uses, where the dashboard matches on one.
LABEL_VALUES = {("meridian_db_pool_connections", "state"): {"idle", "in_use"},
                ("meridian_job_runs_total", "outcome"): {"done", "retry", "failed"}}
MIN_SCHEMA = 39


def series_names():
    """Every sample name a scrape may contain -> (base metric, labels of that sample)."""
    out = {}
    for name, (kind, labels) in METRICS.items():
        if kind == "histogram":
            out[name + "_bucket"] = (name, labels | {"le"})
            out[name + "_sum"] = (name, labels)
            out[name + "_count"] = (name, labels)
        else:
            out[name] = (name, labels)
    return out


SERIES = series_names()
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
# A vector selector: a metric name and optionally {matchers}, then an optional [range].
SELECTOR = re.compile(r"\b(meridian_[A-Za-z0-9_:]*)\s*(\{([^}]*)\})?")
MATCHER = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?')
GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
LABEL_REPLACE_DST = re.compile(r'label_replace\s*\(.*?,\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*,', re.S)
LEGEND_LABEL = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# A bare word followed by { or [ that is not a meridian_ metric: another exporter's metric.
OTHER_SELECTOR = re.compile(r"(?<![A-Za-z0-9_:\"$.])([A-Za-z_:][A-Za-z0-9_:]*)\s*[\[{]")
# A Grafana variable in a matcher value is fine; the checks below look at label names only.


def check_expr(where, expr, legend, errors):
    used = set()
    labels_here = set(TARGET_LABELS)
    for m in SELECTOR.finditer(expr):
        name, matchers = m.group(1), m.group(3)
        if name not in SERIES:
            errors.append(f"{where}: unknown metric {name}")
            continue
        base, labels = SERIES[name]
        used.add(base)
        labels_here |= labels
        if matchers is None:
            continue
        pos = 0
        while pos < len(matchers):
            mm = MATCHER.match(matchers, pos)
            if not mm:
                errors.append(f"{where}: cannot read the matchers {{{matchers}}} of {name}")
                break
            label, op, value = mm.groups()
            if label not in labels | TARGET_LABELS:
                errors.append(f"{where}: {name} has no label {label!r} (it has {sorted(labels) or 'none'})")
            allowed = LABEL_VALUES.get((base, label))
            if allowed and op == "=" and value not in allowed:
                errors.append(f"{where}: {name}{{{label}}} is never {value!r} (one of {sorted(allowed)})")
            pos = mm.end()
    if not used:
        errors.append(f"{where}: the expression uses no Meridian metric: {expr}")
    for m in OTHER_SELECTOR.finditer(expr):
        word = m.group(1)
        if not word.startswith("meridian_") and word not in ("by", "without", "on", "ignoring"):
            errors.append(f"{where}: {word} is not a Meridian metric")
    labels_here |= set(LABEL_REPLACE_DST.findall(expr))
    for m in GROUPING.finditer(expr):
        for label in filter(None, (s.strip() for s in m.group(1).split(","))):
            if label not in labels_here:
                errors.append(f"{where}: grouping by {label!r}, which none of its metrics has")
    for label in LEGEND_LABEL.findall(legend or ""):
        if label not in labels_here:
            errors.append(f"{where}: the legend names {{{{{label}}}}}, which none of its metrics has")
    return used


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def check_dashboard(path):
    errors = []
    try:
        dash = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        return [f"{path}: {e}"], set()
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < MIN_SCHEMA:
        errors.append(f"schemaVersion is {dash.get('schemaVersion')!r}, want {MIN_SCHEMA} or later")
    for key in ("title", "uid", "panels", "templating"):
        if key not in dash:
            errors.append(f"no {key!r}")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        errors.append("no `datasource` variable of type datasource querying prometheus")
    for name in ("job", "instance"):
        v = variables.get(name)
        if not v or v.get("type") != "query":
            errors.append(f"no `{name}` query variable")
            continue
        if (v.get("datasource") or {}).get("uid") != "${datasource}":
            errors.append(f"variable {name} does not query through ${{datasource}}")
        query = v.get("definition") or (v.get("query") or {}).get("query", "")
        check_expr(f"variable {name}", re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", query), "", errors)
    used, ids, targets = set(), set(), 0
    for p in walk_panels(dash.get("panels", [])):
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            errors.append(f"{where}: duplicate id")
        ids.add(p.get("id"))
        gp = p.get("gridPos") or {}
        if not all(isinstance(gp.get(k), int) for k in "hwxy") or gp["x"] + gp["w"] > 24:
            errors.append(f"{where}: bad gridPos {gp}")
        if p.get("type") == "row":
            continue
        if (p.get("datasource") or {}).get("uid") != "${datasource}":
            errors.append(f"{where}: its data source is not ${{datasource}}")
        if not p.get("targets"):
            errors.append(f"{where}: no queries")
        for t in p.get("targets", []):
            targets += 1
            tw = f"{where} query {t.get('refId')}"
            if (t.get("datasource") or {}).get("uid", "${datasource}") != "${datasource}":
                errors.append(f"{tw}: its data source is not ${{datasource}}")
            if not t.get("expr"):
                errors.append(f"{tw}: no expr")
                continue
            if t["expr"].count("(") != t["expr"].count(")") or t["expr"].count("{") != t["expr"].count("}"):
                errors.append(f"{tw}: unbalanced brackets")
            used |= check_expr(tw, t["expr"], t.get("legendFormat"), errors)
    if not targets:
        errors.append("no queries at all")
    return errors, used


def exposed_names(source):
    """Metric names in a Prometheus text exposition (a file, or a URL such as http://127.0.0.1:9464/metrics)."""
    if re.match(r"https?://", source):
        with urllib.request.urlopen(source, timeout=10) as r:
            text = r.read().decode()
    else:
        text = Path(source).read_text()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(IDENT.match(line).group(0))
    return names


def main(argv):
    exposition, strict = None, False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--strict":
            strict, argv = True, argv[1:]
        elif argv[0] == "--exposition" and len(argv) >= 2:
            exposition, argv = argv[1], argv[2:]
        else:
            print(__doc__, file=sys.stderr)
            return 2
    path = argv[0] if argv else str(Path(__file__).with_name("meridian.json"))
    errors, used = check_dashboard(path)
    if exposition:
        have = exposed_names(exposition)
        for base in sorted(used):
            wanted = {base} if METRICS[base][0] != "histogram" else {base + "_bucket", base + "_sum", base + "_count"}
            # A counter's # TYPE line may name it without _total (OpenMetrics style); its samples keep it.
            if not any(n in have or n.removesuffix("_total") in have for n in wanted):
                if METRICS[base][0] == "gauge" or strict:
                    errors.append(f"{base}: not in the scrape {exposition}")
                else:
                    print(f"warning: {base} ({METRICS[base][0]}) not in the scrape yet: it appears at its first event")
        missing = sorted(set(METRICS) - used)
        if missing:
            print(f"note: exported but not on the dashboard: {', '.join(missing)}")
    if errors:
        print(f"{path}: {len(errors)} problem(s)", file=sys.stderr)
        for e in errors:
            print(f"  {e}", file=sys.stderr)
        return 1
    unused = sorted(set(METRICS) - used)
    print(f"dashboard valid: {path}, {len(used)} of {len(METRICS)} metrics used"
          + (f" (unused: {', '.join(unused)})" if unused else "")
          + (f", all found in {exposition}" if exposition else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
