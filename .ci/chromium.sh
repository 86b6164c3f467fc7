#!/usr/bin/env bash
# Installs Debian's chromium for the Studio's browser tests (server/studio_browser_test.go)
# when it is missing. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
	exit 0
fi
echo "services: installing chromium (Studio browser tests)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
command -v chromium
