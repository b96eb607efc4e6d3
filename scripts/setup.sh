#!/usr/bin/env bash
# Install what pulumi-ovs needs on this machine, and nothing twice:
#   Debian packages (OVS, OVN, tools), npm dependencies, the TypeScript build, the Pulumi CLI.
# Fast when everything is already there. Safe to run on a fresh clone of a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------
PKGS=(openvswitch-switch ovn-central ovn-host ethtool iproute2 iputils-ping procps openssl tcpdump iperf3
  isc-dhcp-client bind9-dnsutils)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "need root to install: ${missing[*]}"; exit 1; }
    SUDO="sudo"
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- npm dependencies ------------------------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  # npm ci is exact, but some npm versions write lock files without the other platforms'
  # optional packages and then refuse them in ci; npm install honours the same lock file.
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    say "npm ci refused the lock file; falling back to npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
fi

# --- build -----------------------------------------------------------------------------------------
say "building TypeScript"
npx tsc -p tsconfig.build.json

# --- Pulumi CLI ------------------------------------------------------------------------------------
if [ "${PULUMI_OVS_SKIP_PULUMI:-}" != "1" ]; then
  PULUMI_BIN_DIR="$(bash scripts/ensure-pulumi.sh | tail -n1)"
  say "pulumi CLI: $PULUMI_BIN_DIR/pulumi ($("$PULUMI_BIN_DIR/pulumi" version))"
fi
