#!/usr/bin/env bash
# Installs podman (the container image test builds the image with it) when it
# is missing. Idempotent.
set -euo pipefail
if command -v podman >/dev/null; then
	exit 0
fi
echo "ci: installing podman (apt)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq podman >/dev/null
