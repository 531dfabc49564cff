#!/usr/bin/env bash
# Makes sure a local PostgreSQL answers on 127.0.0.1:5432 with the test credentials
# (user postgres, password postgres) that the storage tests use by default.
#   deploy/local/postgres.sh          start it if we can, else say why and carry on
#   deploy/local/postgres.sh --must   fail when it cannot be started (CI)
# Installs the Debian package when it is absent and we are root.
set -uo pipefail
must=${1:-}
fail() {
	echo "postgres: $*" >&2
	[ "$must" = "--must" ] && exit 1
	exit 0
}
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! ready; then
	if [ "$(id -u)" != 0 ]; then
		fail "not running on 127.0.0.1:5432 and not root, so not starting it; PostgreSQL storage tests will be skipped"
	fi
	if ! command -v pg_ctlcluster >/dev/null || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
		echo "postgres: installing the Debian postgresql package" >&2
		apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null ||
			fail "apt-get install postgresql failed"
	fi
	version=$(ls /etc/postgresql | sort -V | tail -1)
	pg_ctlcluster "$version" main start 2>/dev/null || true
	for _ in $(seq 1 30); do ready && break; sleep 0.5; done
	ready || fail "cluster $version/main did not become ready"
fi
# Password authentication over TCP for the test user (idempotent).
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
	runuser -u postgres -- psql -q -c "ALTER USER postgres PASSWORD 'postgres'" >/dev/null 2>&1 ||
		fail "could not set the postgres user's password"
fi
echo "postgres: ready on 127.0.0.1:5432"
