#!/usr/bin/env bash
# Builds the container images, one per binary, from deploy/docker/<name>.Dockerfile with
# the repository root as context:  deploy/docker/images.sh [version]   (make images)
#   IMAGE_PREFIX=registry.bank.internal/rmsuite/  names them <prefix><name>:<version>.
# Without a running Docker engine nothing is built: it says so, then checks what it can
# without one — every Dockerfile copies every module of go.work, and the package it
# builds compiles as a static binary (CGO off) — and exits 0, so that machines with only
# the docker client (or none) can still run it.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${1:-dev}
prefix=${IMAGE_PREFIX:-rmsuite/}
names=(roster assessment compensation visits gateway rmsuite)

# Static checks, engine or not.
modules=$(sed -n 's#^[[:space:]]*\./\([^[:space:]]*\)$#\1#p' go.work)
for name in "${names[@]}"; do
	f=deploy/docker/$name.Dockerfile
	for m in $modules; do
		top=${m%%/*}
		grep -q "^COPY $top $top\$" "$f" || { echo "$f: does not copy $top (module ./$m of go.work)" >&2; exit 1; }
	done
	grep -q '^FROM gcr.io/distroless/static' "$f" || { echo "$f: final stage must be distroless static" >&2; exit 1; }
	grep -q '^USER 65532:65532$' "$f" || { echo "$f: must run as the non-root user 65532" >&2; exit 1; }
	grep -q "^ENTRYPOINT \[\"/$name\"\]$" "$f" || { echo "$f: entrypoint must be /$name" >&2; exit 1; }
done

if docker info >/dev/null 2>&1; then
	for name in "${names[@]}"; do
		echo "images: building ${prefix}${name}:${version}"
		docker build -f "deploy/docker/$name.Dockerfile" --build-arg "VERSION=$version" -t "${prefix}${name}:${version}" .
	done
	docker images --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep "^${prefix}" || true
	exit 0
fi

echo "images: NO IMAGES BUILT — no Docker engine answers here (docker info failed; only the client, or nothing, is installed)."
echo "images: checking instead that each Dockerfile's package builds static with CGO off, as its build stage does"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for name in "${names[@]}"; do
	pkg=$(sed -n "s#^ *-o /out/$name \(\./[^ ]*\)\$#\1#p" "deploy/docker/$name.Dockerfile")
	[ -n "$pkg" ] || { echo "deploy/docker/$name.Dockerfile: no 'go build ... -o /out/$name ./path' line" >&2; exit 1; }
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/$name" "$pkg"
	go version -m "$out/$name" | grep -q 'CGO_ENABLED=0' || { echo "$name: not built with CGO off" >&2; exit 1; }
	printf 'images: %-13s %s static, %s MB\n' "$name" "$pkg" "$(( $(stat -c %s "$out/$name") / 1048576 ))"
done
