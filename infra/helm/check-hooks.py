#!/usr/bin/env python3
"""Checks what no schema can: that every pod a Helm hook starts (the migrations Job, pre-install and pre-upgrade)
finds what it refers to. Helm creates hooks before the release's other resources, in the order of their weights,
so on a first install a hook pod that mounts the chart's ConfigMap, reads its Secret or runs as its ServiceAccount
waits for ever. Each ConfigMap, Secret and ServiceAccount a hook pod names must be rendered as a hook of the same
events with a lower weight, or not be rendered by the chart at all (an existing Secret the operator made, the
namespace's default ServiceAccount). Run by infra/helm/validate.sh on the `helm template` output given."""
import sys

import yaml

HOOK = "helm.sh/hook"
WEIGHT = "helm.sh/hook-weight"


def hook_of(doc):
    ann = doc["metadata"].get("annotations") or {}
    if HOOK not in ann:
        return None
    return set(ann[HOOK].split(",")), int(ann.get(WEIGHT, "0"))


def references(pod):
    """(kind, name) of every ConfigMap, Secret and ServiceAccount a pod spec names."""
    refs = {("ServiceAccount", pod.get("serviceAccountName") or "default")}
    for v in pod.get("volumes") or []:
        if "configMap" in v:
            refs.add(("ConfigMap", v["configMap"]["name"]))
        if "secret" in v:
            refs.add(("Secret", v["secret"]["secretName"]))
        for s in (v.get("projected") or {}).get("sources") or []:
            if "configMap" in s:
                refs.add(("ConfigMap", s["configMap"]["name"]))
            if "secret" in s:
                refs.add(("Secret", s["secret"]["name"]))
    for c in (pod.get("initContainers") or []) + pod["containers"]:
        for e in c.get("envFrom") or []:
            if "configMapRef" in e:
                refs.add(("ConfigMap", e["configMapRef"]["name"]))
            if "secretRef" in e:
                refs.add(("Secret", e["secretRef"]["name"]))
        for e in c.get("env") or []:
            src = e.get("valueFrom") or {}
            if "configMapKeyRef" in src:
                refs.add(("ConfigMap", src["configMapKeyRef"]["name"]))
            if "secretKeyRef" in src:
                refs.add(("Secret", src["secretKeyRef"]["name"]))
    return refs


def main(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    rendered = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    errors, checked = [], 0
    for d in docs:
        hook = hook_of(d)
        if hook is None or d["kind"] not in ("Job", "Pod"):
            continue
        events, weight = hook
        pod = d["spec"] if d["kind"] == "Pod" else d["spec"]["template"]["spec"]
        for ref in sorted(references(pod)):
            checked += 1
            target = rendered.get(ref)
            if target is None:
                continue  # made outside the chart: exists before the release
            their = hook_of(target)
            name = f"{d['kind']} {d['metadata']['name']}"
            if their is None:
                errors.append(f"{name} (hook {','.join(sorted(events))}) needs {ref[0]} {ref[1]}, "
                              "which is not a hook: it does not exist yet when the hook runs on install")
            elif not events <= their[0] or their[1] >= weight:
                errors.append(f"{name} needs {ref[0]} {ref[1]}, a hook of {sorted(their[0])} weight {their[1]}: "
                              f"it must be a hook of {sorted(events)} with a weight below {weight}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        sys.exit(1)
    print(f"hooks: {checked} references of hook pods resolved before them")


if __name__ == "__main__":
    main(sys.argv[1])
