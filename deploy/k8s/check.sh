#!/usr/bin/env bash
# make deploy-check: renders every overlay with kustomize and validates each rendered
# manifest with kubeconform in strict mode (unknown fields, wrong types, missing
# required fields and unknown kinds are errors) against the schemas in schemas/,
# offline. Then it proves the validator bites: every file in testdata/broken and a
# deliberately broken copy of the production render must be rejected.
set -euo pipefail
cd "$(dirname "$0")"
out=../../.tmp/k8s
mkdir -p "$out"
validate() {
	kubeconform -strict -summary -schema-location "$PWD/schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json" "$@"
}
for overlay in overlays/*/; do
	name=$(basename "$overlay")
	kustomize build "$overlay" >"$out/$name.yaml"
	echo "deploy-check: $name ($(grep -c '^kind:' "$out/$name.yaml") resources)"
	validate "$out/$name.yaml"
done

rejected() { # file, what: kubeconform must fail on it
	if validate "$1" >"$out/rejected.txt" 2>&1 || ! grep -q 'is invalid\|could not find schema' "$out/rejected.txt"; then
		echo "deploy-check: kubeconform did not reject $2 ($1) as invalid; validation is not strict" >&2
		cat "$out/rejected.txt" >&2
		exit 1
	fi
	echo "deploy-check: rejected, as it must be: $2 — $(grep -o 'at .*\|could not find schema.*' "$out/rejected.txt" | head -1)"
}
for f in testdata/broken/*.yaml; do
	rejected "$f" "$(sed -n '1s/^# //p' "$f")"
done
# The real production render, one field misspelt.
sed '0,/containerPort:/s//containerPorts:/' "$out/production.yaml" >"$out/production-broken.yaml"
rejected "$out/production-broken.yaml" "the production render with one field misspelt"
