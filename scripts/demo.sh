#!/usr/bin/env bash
# The README's demo command (`npm run demo`): install what is missing, start the local sandbox
# (two simulated hosts with OVS and ovn-controller, plus an OVN central), and print its hosts and
# remotes. Tear it down with `npm run sandbox -- down --name demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
PULUMI_OVS_SKIP_PULUMI="${PULUMI_OVS_SKIP_PULUMI:-1}" bash scripts/setup.sh

name="${DEMO_SANDBOX:-demo}"
echo "[demo] starting sandbox \"$name\" (2 hosts, OVN)..." >&2
if ! node dist/sandbox/cli.js up --name "$name" --hosts 2 --ovn; then
  echo "[demo] sandbox failed to start; clean up with: npm run sandbox -- down --name $name" >&2
  exit 1
fi
cat >&2 <<EOF

[demo] the sandbox is up. Look around:
  npm run sandbox -- status --name $name
  ovs-vsctl --db=unix:<host runDir>/db.sock show        (runDir is in the JSON above)
  ovn-nbctl --db=<nb unix remote above> show
[demo] tear down:
  npm run sandbox -- down --name $name
EOF
