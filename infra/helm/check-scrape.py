#!/usr/bin/env python3
"""Checks that the rendered chart (helm template output, the file given) wires /metrics up end to end, which no
schema checks: every Deployment of web and worker sets MERIDIAN_METRICS__BIND to the port of its container port
`metrics`, apart from the public port; each Service port `metrics` targets such a container port in the pods it
selects; and the ServiceMonitor, when rendered, selects the web and worker Services and scrapes port `metrics`,
path /metrics, on both. Run by infra/helm/validate.sh with the venv's Python (PyYAML comes with
kubernetes-validate). With metrics off (`metrics.enabled: false`), checks that nothing names them."""
import sys

import yaml


def matches(selector, labels):
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for e in selector.get("matchExpressions") or []:
        have = labels.get(e["key"])
        op = e["operator"]
        if (op == "In" and have not in e["values"]) or (op == "NotIn" and have in e["values"]) \
                or (op == "Exists" and have is None) or (op == "DoesNotExist" and have is not None):
            return False
    return True


def main(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    deployments = {d["metadata"]["labels"]["app.kubernetes.io/component"]: d
                   for d in docs if d["kind"] == "Deployment"}
    services = [d for d in docs if d["kind"] == "Service"]
    monitors = [d for d in docs if d["kind"] == "ServiceMonitor"]
    errors = []
    metric_ports = {}
    for component in ("web", "worker"):
        dep = deployments.get(component)
        if dep is None:
            errors.append(f"no {component} Deployment")
            continue
        (c,) = dep["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports") or []}
        env = {e["name"]: e.get("value") for e in c.get("env") or []}
        bind = env.get("MERIDIAN_METRICS__BIND")
        if "metrics" not in ports:
            if bind:
                errors.append(f"{component}: MERIDIAN_METRICS__BIND={bind} but no container port `metrics`")
            continue
        metric_ports[component] = ports["metrics"]
        if not bind or not bind.endswith(f":{ports['metrics']}") or not bind.startswith("0.0.0.0:"):
            errors.append(f"{component}: MERIDIAN_METRICS__BIND={bind!r}, want 0.0.0.0:{ports['metrics']}")
        if ports.get("http") == ports["metrics"]:
            errors.append(f"{component}: /metrics on the public port")
    if metric_ports and set(metric_ports) != {"web", "worker"}:
        errors.append(f"metrics on {sorted(metric_ports)} only: want web and worker")
    scraped = {}
    for s in services:
        for p in s["spec"]["ports"]:
            if p["name"] != "metrics":
                continue
            pods = [c for c, d in deployments.items()
                    if matches({"matchLabels": s["spec"]["selector"]}, d["spec"]["template"]["metadata"]["labels"])]
            if not pods or p["targetPort"] != "metrics" or any(c not in metric_ports for c in pods):
                errors.append(f"Service {s['metadata']['name']}: port metrics reaches no container port `metrics`")
            for c in pods:
                scraped[c] = s
    if metric_ports and set(scraped) != set(metric_ports):
        errors.append(f"no Service port `metrics` for {sorted(set(metric_ports) - set(scraped))}")
    worker_svc = scraped.get("worker")
    if worker_svc is not None and worker_svc["spec"].get("clusterIP") != "None":
        errors.append("the workers' metrics Service is not headless")
    for m in monitors:
        selected = {s["metadata"]["labels"].get("app.kubernetes.io/component") for s in services
                    if matches(m["spec"]["selector"], s["metadata"]["labels"])}
        if selected != {"web", "worker"}:
            errors.append(f"ServiceMonitor selects the Services of {sorted(filter(None, selected))}, want web, worker")
        eps = m["spec"]["endpoints"]
        if [(e.get("port"), e.get("path")) for e in eps] != [("metrics", "/metrics")]:
            errors.append(f"ServiceMonitor endpoints {eps}: want port metrics, path /metrics")
    if monitors and not metric_ports:
        errors.append("a ServiceMonitor but no metrics port")
    for e in errors:
        print(f"{path}: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"metrics wiring ok: {'web and worker on port ' + str(metric_ports['web']) if metric_ports else 'metrics off'}"
          f"{', ServiceMonitor scrapes both' if monitors else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
