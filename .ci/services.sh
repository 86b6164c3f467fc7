#!/usr/bin/env bash
# Ensures the local test services are up: PostgreSQL on 127.0.0.1:5432
# (user postgres, trust auth), used by the postgres output tests, and
# ClickHouse on 127.0.0.1:18123 (see clickhouse.sh), used by the clickhouse
# output tests. Idempotent: does nothing when the servers already answer.
set -euo pipefail

# Tools the tests drive: chromium (the Studio's browser tests) and podman
# (the container image test), installed when missing.
bash "$(dirname "$0")/chromium.sh"
bash "$(dirname "$0")/podman.sh"

pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }

if ! pg_ready; then
	version=$(ls /etc/postgresql | sort -V | tail -n 1)
	if [[ -z "$version" ]]; then
		echo "services: no PostgreSQL cluster under /etc/postgresql" >&2
		exit 1
	fi
	echo "services: starting PostgreSQL $version/main"
	pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi

for _ in $(seq 1 60); do
	if pg_ready; then
		echo "services: PostgreSQL is ready on 127.0.0.1:5432"
		exec bash "$(dirname "$0")/clickhouse.sh"
	fi
	sleep 0.5
done
echo "services: PostgreSQL did not become ready on 127.0.0.1:5432 within 30 s" >&2
exit 1
