#!/usr/bin/env bash
# Ensure a Pulumi CLI is available offline.
# Uses `pulumi` from PATH when it is >= the wanted version; otherwise builds v$PULUMI_VERSION from
# the Go module proxy into a per-machine cache (outside the repository), once.
# Prints the directory that holds the `pulumi` binary on its last line.
set -euo pipefail
PULUMI_VERSION="${PULUMI_VERSION:-3.259.0}"
CACHE="${PULUMI_OVS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-ovs}"
BIN_DIR="$CACHE/pulumi-v$PULUMI_VERSION/bin"

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

if command -v pulumi >/dev/null 2>&1; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && version_ge "$have" "$PULUMI_VERSION"; then
    dirname "$(command -v pulumi)"; exit 0
  fi
fi
if [ -x "$BIN_DIR/pulumi" ]; then echo "$BIN_DIR"; exit 0; fi

command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: no pulumi >= $PULUMI_VERSION on PATH and no Go toolchain to build it" >&2; exit 1; }
# One build at a time per machine: a second caller waits, then finds the binary.
mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/.build.lock"
flock 9
if [ -x "$BIN_DIR/pulumi" ]; then echo "$BIN_DIR"; exit 0; fi
echo "ensure-pulumi: building Pulumi CLI v$PULUMI_VERSION from the Go module proxy (first time only, several minutes)..." >&2
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$BIN_DIR"
cd "$work"
cat > go.mod <<MOD
module pulumi-ovs/pulumi-cli-build

go 1.24
MOD
cat > tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
export GOFLAGS=-mod=mod
go get "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" >&2
go get "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" >&2
go mod tidy >&2 || true
go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
  -o "$BIN_DIR/pulumi.tmp.$$" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$BIN_DIR/pulumi.tmp.$$" "$BIN_DIR/pulumi"
echo "$BIN_DIR"
