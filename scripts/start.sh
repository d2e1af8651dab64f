#!/usr/bin/env bash
# Start the dashboard: set up .venv, build the demo store on first run, run Streamlit.
# Extra arguments go to `streamlit run dashboard.py` (e.g. --server.port 8502).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

if [ ! -e data/trialwatch.sqlite ]; then
    echo "start.sh: building the demo store (data/trialwatch.sqlite)" >&2
    .venv/bin/trialwatch demo
fi

# Headless: no browser is opened and Streamlit's first-run e-mail prompt is skipped.
# lib.web.serve is `streamlit run dashboard.py` with the shared data (the analytic snapshot and the
# default pages' figures) warmed at start-up, so that the first visitor does not wait for them.
exec .venv/bin/python -m lib.web.serve \
    --server.headless true \
    --browser.gatherUsageStats false \
    "$@"
