#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root, Node 20 present) for envoy-k8s-proxy and its lab:
# system packages, the pinned pnpm, and the locked npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for p in debootstrap systemd-container openssh-client openssh-server iproute2 python3 python3-yaml curl ca-certificates gpg gpgv zsh; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # promtool checks monitoring/alerts.yaml; it comes with the Prometheus server, whose postinst
  # would start it (port 9090) under systemd. A policy-rc.d answering 101 keeps invoke-rc.d and
  # deb-systemd-invoke from starting it; the unit it enables is disabled again afterwards.
  if ! dpkg-query -W -f='${Status}' prometheus 2>/dev/null | grep -q 'install ok installed'; then
    export DEBIAN_FRONTEND=noninteractive
    policy=/usr/sbin/policy-rc.d
    if [ ! -e "$policy" ]; then
      printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy"
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    [ ${#need[@]} -gt 0 ] || apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    if [ -d /run/systemd/system ]; then systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      rm -f /etc/systemd/system/multi-user.target.wants/prometheus.service
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  fi
else
  echo "setup: not root (or no apt-get): skipping system packages; the lab and e2e tests need root" >&2
fi

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  npm install -g "pnpm@$want" >/dev/null
fi
pnpm install --frozen-lockfile --reporter=silent

# The package test (test/unit/package/pack.test.ts) installs the packed tool with `npm i --offline`:
# one install from the registry here puts its runtime dependencies in npm's cache.
warm=$(mktemp -d)
npm pack --ignore-scripts --silent --pack-destination "$warm" >/dev/null
(cd "$warm" && echo '{"name":"warm","private":true}' >package.json &&
  npm i ./envoy-k8s-proxy-*.tgz --prefer-offline --no-audit --no-fund --silent >/dev/null)
rm -rf "$warm"
