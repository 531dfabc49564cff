#!/usr/bin/env bash
# Refreshes the third-party .proto files that our contracts import, from Go modules
# pinned below (the buf schema registry is not reachable from our build machines).
# Run from anywhere: proto/third_party/refresh.sh. Commit the result.
set -euo pipefail

ISTIO_API=istio.io/api@v1.31.1                          # ships googleapis common protos
GATEWAY=github.com/grpc-ecosystem/grpc-gateway/v2@v2.33.0 # ships the openapiv2 options

here=$(cd "$(dirname "$0")" && pwd)
dl() { GOWORK=off go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",/\1/p'; }
istio=$(dl "$ISTIO_API")
gw=$(dl "$GATEWAY")

copy() { # copy <src root> <relative path>...
	local root=$1; shift
	for f in "$@"; do
		install -D -m 0644 "$root/$f" "$here/$f"
	done
}

rm -rf "$here/google" "$here/protoc-gen-openapiv2"
copy "$istio/common-protos" \
	google/api/annotations.proto google/api/http.proto google/api/httpbody.proto \
	google/api/field_behavior.proto google/api/resource.proto \
	google/rpc/status.proto google/rpc/code.proto google/rpc/error_details.proto \
	google/type/money.proto google/type/date.proto google/type/latlng.proto \
	google/type/dayofweek.proto google/type/timeofday.proto
copy "$gw" \
	protoc-gen-openapiv2/options/annotations.proto protoc-gen-openapiv2/options/openapiv2.proto
echo "third-party protos refreshed from $ISTIO_API and $GATEWAY"
