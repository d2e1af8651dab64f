"""Start the dashboard with its shared data warmed at start-up (issue 18).

    python -m lib.web.serve [streamlit run options...]      # scripts/start.sh does this

The same as `streamlit run dashboard.py [options]`, in one process with the warm-up thread of
lib/web/warmup.py, which loads the store's analytic snapshot and the default pages' figures
while the server starts, so that the first visitor does not wait for them. The sessions of the
server share what it made (one copy per process). The server's log says when the warm-up is
done and what each step took ("warm-up of batch N: ...").
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from streamlit.web import cli

from lib.web import warmup

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard.py"


def main(argv: list[str] | None = None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("trialwatch")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    warmup.warm_in_background()
    sys.argv = ["streamlit", "run", str(DASHBOARD), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
