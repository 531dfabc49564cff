#!/usr/bin/env bash
# Regenerates the JSON schemas in this folder, which `make deploy-check` validates the
# rendered manifests against with kubeconform, offline. The Kubernetes OpenAPI document
# comes from the k8s.io/kubernetes module of the release below, through the Go module
# proxy (GitHub, where kubeconform downloads schemas by default, is not needed).
# Add a kind here when the manifests start using it; a kind without a schema fails the check.
set -euo pipefail
K8S_VERSION=v1.35.4
KINDS=(
	v1/ConfigMap v1/Secret v1/Service v1/ServiceAccount v1/Namespace
	apps/v1/Deployment apps/v1/StatefulSet batch/v1/Job
	policy/v1/PodDisruptionBudget autoscaling/v2/HorizontalPodAutoscaler
	networking.k8s.io/v1/NetworkPolicy networking.k8s.io/v1/Ingress
)
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -f "$dir/api/openapi-spec/swagger.json" ] || { echo "refresh: no swagger.json in k8s.io/kubernetes@$K8S_VERSION" >&2; exit 1; }
rm -f "$here"/*.json
go run "$here/gen/main.go" -openapi "$dir/api/openapi-spec/swagger.json" -out "$here" "${KINDS[@]}"
echo "$K8S_VERSION" >"$here/VERSION"
