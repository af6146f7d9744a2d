#!/usr/bin/env bash
# Lints the Helm chart (helm/rosterd), renders it with its defaults and with every values file in
# helm/rosterd/ci/, checks what each render must contain, and validates every manifest against
# the Kubernetes schemas with `kubernetes-validate --strict`. Fails when any of that breaks.
#
# No helm binary is needed: helm-python-sdk bundles the Helm SDK (lint and offline render), and
# kubernetes-validate carries the Kubernetes JSON schemas. Both go in a venv of their own
# (target/helm-venv, or $ROSTERD_HELM_VENV), made on first use.
#
# The ServiceMonitor is a CRD kind (Prometheus Operator) that kubernetes-validate has no schema
# for; it is checked by the render checks below instead, and every other kind must have a schema
# (a "schema not found" warning fails the run, so nothing is skipped silently).
set -euo pipefail
cd "$(dirname "$0")/.."

chart=helm/rosterd
venv="${ROSTERD_HELM_VENV:-target/helm-venv}"
# Pinned, so a new release cannot change what CI accepts without a commit.
packages=(helm-python-sdk==0.2.2 kubernetes-validate==1.37.0)
# The newest Kubernetes the validator knows, and the oldest the chart supports.
kube_versions=(1.37.0 1.30.0)

if ! "$venv/bin/python" -c 'import helm_python, kubernetes_validate' 2>/dev/null; then
  echo "making $venv with ${packages[*]}"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${packages[@]}"
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

"$venv/bin/python" - "$chart" "$out" <<'PY'
"""Lint and render every values set, and check each render holds what its values ask for."""
import pathlib
import sys

import helm_python as helm
import yaml

chart_dir, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL {message}")


def docs_of(rendered):
    for template, text in sorted(rendered.items()):
        for doc in yaml.safe_load_all(text):
            if doc:
                yield template, doc


def one(docs, kind, name=None):
    found = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    return found[0] if len(found) == 1 else None


def env_of(deployment):
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in container.get("env", [])}


def check_common(case, docs, values):
    """What every render must hold, whatever the values."""
    deployment = one(docs, "Deployment")
    if deployment is None:
        return fail(f"{case}: no Deployment")
    env = env_of(deployment)
    for key in ("DATABASE_URL", "ROSTERD_PUBLIC_URL"):
        if key not in env:
            fail(f"{case}: the Deployment has no {key}")
    ports = {p["name"]: p["containerPort"] for p in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]}
    service = one(docs, "Service")
    service_ports = {p["name"] for p in service["spec"]["ports"]} if service else set()
    metrics = values.get("metrics", {}).get("enabled", True)
    if metrics:
        port = values.get("metrics", {}).get("port", 9090)
        if ports.get("metrics") != port or env.get("ROSTERD_METRICS_LISTEN", {}).get("value") != f"0.0.0.0:{port}":
            fail(f"{case}: metrics enabled but the pod does not listen for them on {port}")
        if "metrics" not in service_ports:
            fail(f"{case}: metrics enabled but the Service has no metrics port")
    elif "metrics" in ports or "ROSTERD_METRICS_LISTEN" in env or "metrics" in service_ports:
        fail(f"{case}: metrics disabled but a metrics port is rendered")
    ingress = one(docs, "Ingress")
    if ingress:
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                if path["backend"]["service"]["port"].get("name") != "http":
                    fail(f"{case}: the Ingress routes something other than the http port")
    replicas = values.get("replicaCount", 2)
    autoscaling = values.get("autoscaling", {}).get("enabled", False)
    pdb_wanted = values.get("podDisruptionBudget", {}).get("enabled", True) and (autoscaling or replicas > 1)
    pdb = one(docs, "PodDisruptionBudget")
    if pdb_wanted != (pdb is not None):
        fail(f"{case}: PodDisruptionBudget {'missing' if pdb_wanted else 'rendered for one pod'}")
    if pdb is not None:
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if any(labels.get(k) != v for k, v in pdb["spec"]["selector"]["matchLabels"].items()):
            fail(f"{case}: the PodDisruptionBudget selects no server pod")
    monitor = one(docs, "ServiceMonitor")
    monitor_wanted = metrics and values.get("metrics", {}).get("serviceMonitor", {}).get("enabled", False)
    if monitor_wanted != (monitor is not None):
        fail(f"{case}: ServiceMonitor {'missing' if monitor_wanted else 'rendered though not enabled'}")
    if monitor is not None:
        if [e.get("port") for e in monitor["spec"]["endpoints"]] != ["metrics"]:
            fail(f"{case}: the ServiceMonitor does not scrape the metrics port")
        service_labels = service["metadata"]["labels"] if service else {}
        if any(service_labels.get(k) != v for k, v in monitor["spec"]["selector"]["matchLabels"].items()):
            fail(f"{case}: the ServiceMonitor selects no Service")


def check_secrets(case, docs, values):
    """Each secret comes from where the values say: secretRefs, existingSecret or the chart's."""
    env = env_of(one(docs, "Deployment"))
    secret = one(docs, "Secret")
    keys = {"databaseUrl": "DATABASE_URL", "redisUrl": "REDIS_URL", "smtpUrl": "ROSTERD_SMTP_URL",
            "otlpHeaders": "OTEL_EXPORTER_OTLP_HEADERS"}
    own = not values.get("existingSecret") and any(values.get("secrets", {}).get(k) for k in keys)
    if own != (secret is not None):
        fail(f"{case}: the chart's Secret is {'missing' if own else 'rendered though not needed'}")
    for value, key in keys.items():
        ref = env[key]["valueFrom"]["secretKeyRef"]
        wanted = values.get("secretRefs", {}).get(value) or {}
        if wanted.get("name"):
            expected = (wanted["name"], wanted.get("key", key))
        else:
            expected = (values.get("existingSecret") or "rosterd", key)
        if (ref["name"], ref["key"]) != expected:
            fail(f"{case}: {key} comes from {ref['name']}/{ref['key']}, not {expected[0]}/{expected[1]}")
        if secret is not None and values.get("secrets", {}).get(value) and key not in secret.get("stringData", {}):
            fail(f"{case}: the chart's Secret lacks {key}")
    endpoint = values.get("otlp", {}).get("endpoint")
    if endpoint and env.get("OTEL_EXPORTER_OTLP_ENDPOINT", {}).get("value") != endpoint:
        fail(f"{case}: otlp.endpoint is not passed on as OTEL_EXPORTER_OTLP_ENDPOINT")


def render(case, values, effective):
    lint = helm.lint(chart_dir, values, strict=True)
    for message in lint["messages"]:
        # 1 is info ("icon is recommended"); 2 warning, 3 error.
        if message["severity"] >= 2:
            fail(f"{case}: helm lint: {message['path']}: {message['error']}")
    for error in lint["errors"]:
        fail(f"{case}: helm lint: {error}")
    rendered = helm.Chart.load(chart_dir).render(values, name="rosterd", namespace="rosterd", is_install=True)
    docs = []
    manifests = out / f"{case}.yaml"
    with manifests.open("w") as f:
        for template, doc in docs_of(rendered):
            docs.append(doc)
            if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
                continue
            f.write(f"---\n# Source: {template}\n")
            yaml.safe_dump(doc, f, sort_keys=False)
    check_common(case, docs, effective)
    check_secrets(case, docs, effective)
    print(f"ok   {case}: {len(docs)} manifests ({', '.join(sorted(d['kind'] for d in docs))})")


def merged(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged(base[key], value)
        else:
            base[key] = value
    return base


defaults = yaml.safe_load((chart_dir / "values.yaml").read_text())

# The defaults alone must refuse to render: there is no database to point at.
try:
    helm.Chart.load(chart_dir).render(None, name="rosterd", namespace="rosterd", is_install=True)
    fail("values.yaml: rendered without a database URL; the chart must refuse")
except helm.HelmError as err:
    if "secrets.databaseUrl" not in str(err):
        fail(f"values.yaml: refused, but not for the database URL: {err}")

cases = {"values.yaml": {"secrets": {"databaseUrl": "postgres://rosterd:secret@postgres:5432/rosterd"}}}
ci_files = sorted((chart_dir / "ci").glob("*.yaml"))
if not ci_files:
    fail(f"no values files in {chart_dir / 'ci'}")
for path in ci_files:
    cases[f"ci/{path.name}"] = yaml.safe_load(path.read_text()) or {}
for case, values in cases.items():
    # The checks read what the render sees: the defaults under the values file.
    effective = merged(yaml.safe_load(yaml.safe_dump(defaults)), values)
    try:
        render(case.replace("/", "_").removesuffix(".yaml"), values, effective)
    except helm.HelmError as err:
        fail(f"{case}: {err}")

sys.exit(1 if failures else 0)
PY

# The validator must refuse what is wrong, or its silence would prove nothing.
cat >"$out/canary.txt" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: canary}
spec:
  replicas: two
  selector: {matchLabels: {app: canary}}
  template:
    metadata: {labels: {app: canary}}
    spec:
      containers: [{name: canary, image: canary, unknownField: true}]
EOF
if "$venv/bin/kubernetes-validate" --strict --quiet "$out/canary.txt" >/dev/null; then
  echo "FAIL kubernetes-validate accepted a broken Deployment" >&2
  exit 1
fi

status=0
for version in "${kube_versions[@]}"; do
  if ! "$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "$out"/*.yaml >"$out/validate.log" 2>&1; then
    status=1
  fi
  if grep -q . "$out/validate.log"; then
    # --quiet prints only failures and warnings; a warning means a manifest went unvalidated.
    cat "$out/validate.log"
    status=1
  fi
  [ "$status" -eq 0 ] && echo "ok   every manifest validates strictly against Kubernetes $version"
done
exit "$status"
