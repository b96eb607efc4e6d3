#!/usr/bin/env bash
# The README's demo command (`npm run demo`): install what is missing, start the local sandbox
# (two simulated hosts with OVS and ovn-controller, plus an OVN central), deploy the whole field
# report to the `dev` stack with the real Pulumi engine, and print a connectivity matrix.
#   npm run demo              set up and deploy (again: re-deploys, reusing the sandbox)
#   npm run demo -- preview   preview the program against what is deployed
#   npm run demo -- down      destroy the stack and remove the sandbox
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "[demo] needs root: it creates network namespaces and runs OVS daemons (try: sudo npm run demo)" >&2
  exit 1
fi
bash scripts/setup.sh
exec node dist/demo/run.js "$@"
