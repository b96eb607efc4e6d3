#!/usr/bin/env bash
# The README's test command (`npm test`): set up what is missing, then run every test tier
# (unit, integration against real ovsdb-server, e2e with sandbox hosts) and print a summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p test-results
set +e
npx jest --ci --json --outputFile=test-results/jest.json "$@"
rc=$?
set -e
if [ -f test-results/jest.json ]; then
  node -e '
    const r = require("./test-results/jest.json");
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  '
fi
exit $rc
