#!/usr/bin/env bash
# Ensures a ClickHouse server answers on 127.0.0.1:$EVENTUM_CLICKHOUSE_PORT
# (default 18123, HTTP interface; user "default", no password), used by the
# clickhouse output tests (they read EVENTUM_CLICKHOUSE_URL, default
# http://127.0.0.1:18123).
#
# Installs Debian's clickhouse-server package when it is missing, then starts
# the server in the background from a minimal config under
# ${TMPDIR:-/tmp}/eventum-clickhouse-<port> (data, tmp and logs live there too;
# the package's own config and service are not used, nor is systemd).
# Idempotent: does nothing when the server already answers /ping. Stop it
# with: kill "$(cat ${TMPDIR:-/tmp}/eventum-clickhouse-18123/server.pid)"
set -euo pipefail

port=${EVENTUM_CLICKHOUSE_PORT:-18123}
tcp_port=${EVENTUM_CLICKHOUSE_TCP_PORT:-19000}
dir=${TMPDIR:-/tmp}/eventum-clickhouse-$port

ch_ready() { curl -fsS --max-time 2 "http://127.0.0.1:$port/ping" 2>/dev/null | grep -q '^Ok\.'; }

if ch_ready; then
	echo "services: ClickHouse is ready on 127.0.0.1:$port"
	exit 0
fi

if ! command -v clickhouse-server >/dev/null 2>&1; then
	sudo=()
	if [[ $(id -u) -ne 0 ]]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "services: clickhouse-server is not installed and this user cannot install it" >&2
			exit 1
		fi
		sudo=(sudo -n)
	fi
	echo "services: installing clickhouse-server (apt)"
	export DEBIAN_FRONTEND=noninteractive
	if [[ -z $(apt-cache policy clickhouse-server 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '(none)') ]]; then
		"${sudo[@]}" apt-get update -qq >/dev/null
	fi
	# The package's postinst would start its own service where allowed: keep
	# it from doing so (policy-rc.d 101), we run our own server below.
	if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends clickhouse-server >"$dir.install.log" 2>&1; then
		cat "$dir.install.log" >&2
		exit 1
	fi
fi

mkdir -p "$dir"/{data,tmp,log,user_files,format_schemas}
cat >"$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>$dir/log/server.log</log>
        <errorlog>$dir/log/error.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$port</http_port>
    <tcp_port>$tcp_port</tcp_port>
    <path>$dir/data/</path>
    <tmp_path>$dir/tmp/</tmp_path>
    <user_files_path>$dir/user_files/</user_files_path>
    <format_schema_path>$dir/format_schemas/</format_schema_path>
    <users_config>users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_concurrent_queries>100</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
</yandex>
EOF
cat >"$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas><default></default></quotas>
</yandex>
EOF

echo "services: starting ClickHouse on 127.0.0.1:$port (files in $dir)"
(
	cd "$dir"
	setsid nohup clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 </dev/null &
	echo $! >"$dir/server.pid"
)

for _ in $(seq 1 120); do
	if ch_ready; then
		echo "services: ClickHouse is ready on 127.0.0.1:$port"
		exit 0
	fi
	sleep 0.25
done
echo "services: ClickHouse did not become ready on 127.0.0.1:$port within 30 s; logs:" >&2
tail -n 20 "$dir/log/stdout.log" "$dir/log/error.log" >&2 2>/dev/null || true
exit 1
