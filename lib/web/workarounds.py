"""Work-arounds on Streamlit's, Altair's and Python's internals, each with its reason.

Imported by lib/web/data.py, so that they are in force before any chart is built."""

from __future__ import annotations

import gc
import threading

from altair.utils import schemapi as alt_schemapi

# Charts are built per rerun; Altair validating every piece as it is built costs more than the
# data. The finished spec is still valid: tests/figures/test_charts.py validates each
# builder's output.
alt_schemapi.disable_debug_mode()


_frozen = threading.Event()


def freeze_gc_once() -> None:
    """After the first page of the server process: collect once, then move every object alive
    (the imported libraries, the snapshot) out of the garbage collector's view. Otherwise a full
    collection walks them all (about 190,000 objects, 0.15-0.2 s) on a random later rerun."""
    if not _frozen.is_set():
        _frozen.set()
        gc.collect()
        gc.freeze()


def navigation_only() -> None:
    """Streamlit runs a server process's very first script run the pre-`st.navigation` way when
    a `pages/` folder exists: a deep link (say /caseload, from a shared link) then runs the page
    file alone, without the frame's sidebar and filters. Switch that off (the caller reruns)."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
