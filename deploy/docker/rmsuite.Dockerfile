# syntax=docker/dockerfile:1
# The rmsuite operator CLI (rmsuite instances, rmsuite token).
# Build from the repository root:  docker build -f deploy/docker/rmsuite.Dockerfile -t rmsuite/rmsuite .
# (make images builds all six). Static (CGO off: SQLite is modernc.org/sqlite, pure Go),
# runs as the distroless "nonroot" user (65532), no shell, CA certificates and tzdata
# included by the base image.
ARG GO_VERSION=1.26.8
FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# The workspace: go.work names every module, so all of them are copied.
COPY go.work go.work.sum ./
COPY pkg pkg
COPY proto proto
COPY services services
COPY gateway gateway
ARG VERSION=dev
RUN --mount=type=cache,target=/root/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X github.com/rmsuite/rmsuite/pkg/server.Version=${VERSION}" \
    -o /out/rmsuite ./gateway/cmd/rmsuite

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rmsuite /rmsuite
USER 65532:65532
ENTRYPOINT ["/rmsuite"]
