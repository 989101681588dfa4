#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root, Node 20 present) for envoy-k8s-proxy and its lab:
# system packages, the pinned pnpm, and the locked npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for p in debootstrap systemd-container openssh-client openssh-server iproute2 python3 python3-yaml curl ca-certificates gpg gpgv; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
else
  echo "setup: not root (or no apt-get): skipping system packages; the lab and e2e tests need root" >&2
fi

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  npm install -g "pnpm@$want" >/dev/null
fi
pnpm install --frozen-lockfile --reporter=silent
