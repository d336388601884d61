#!/usr/bin/env bash
# Checks the Kubernetes manifests against the API's own OpenAPI schemas, strictly (an unknown
# field is an error): with kubernetes-validate from PyPI, in a virtualenv under target/, no
# cluster needed. Against 1.29, the first release with the Job's backoffLimitPerIndex, and 1.37.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/.venv-kube
[ -x "$venv/bin/kubernetes-validate" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check kubernetes-validate==1.37.0
}
for version in 1.29.0 1.37.0; do
  "$venv/bin/kubernetes-validate" --strict --kubernetes-version "$version" deploy/kubernetes/*.yaml
done
