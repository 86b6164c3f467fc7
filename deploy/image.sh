#!/usr/bin/env bash
# Builds the eventum container image offline from the static binary that
# `make dist` made (see deploy/Containerfile). Usage:
#   deploy/image.sh [TAG]          (make image calls it)
# Environment: CONTAINER_TOOL=podman|docker (default: podman if installed),
#              GOARCH of the image (default: the host's),
#              EVENTUM_BIN (default dist/eventum-linux-$GOARCH), IMAGE_CONTEXT
#              (the staging folder, default dist/image; it is recreated).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-eventum:dev}
arch=${GOARCH:-$(go env GOARCH)}
tool=${CONTAINER_TOOL:-}
if [[ -z "$tool" ]]; then
	if command -v podman >/dev/null; then tool=podman
	elif command -v docker >/dev/null; then tool=docker
	else echo "image: neither podman nor docker is installed (apt-get install podman)" >&2; exit 1
	fi
fi
bin=${EVENTUM_BIN:-dist/eventum-linux-$arch}
if [[ ! -x "$bin" ]]; then
	echo "image: $bin is missing: run make dist first" >&2
	exit 1
fi
ca=/etc/ssl/certs/ca-certificates.crt
if [[ ! -s "$ca" ]]; then
	echo "image: no CA bundle at $ca (apt-get install ca-certificates)" >&2
	exit 1
fi

ctx=${IMAGE_CONTEXT:-dist/image}
rm -rf "$ctx"
mkdir -p "$ctx/rootfs/tmp" "$ctx/rootfs/var/lib/eventum" "$ctx/rootfs/etc"
chmod 1777 "$ctx/rootfs/tmp"
chmod 0755 "$ctx/rootfs/var/lib/eventum"
printf 'root:x:0:0:root:/:/sbin/nologin\neventum:x:65532:65532:eventum:/var/lib/eventum:/sbin/nologin\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\neventum:x:65532:\n' >"$ctx/rootfs/etc/group"
cp "$bin" "$ctx/eventum"
cp "$ca" "$ctx/ca-certificates.crt"
cp -r examples "$ctx/examples"
# The app example's eventum.yml binds loopback; in a container the API must
# listen on all interfaces, which needs credentials (docs/deploy.md).

"$tool" build --pull=never --platform "linux/$arch" -f deploy/Containerfile -t "$tag" "$ctx"
