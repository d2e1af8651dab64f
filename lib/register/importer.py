"""`trialwatch import FOLDER`: validate an extract, then replace the register with it atomically."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from lib.register.extract import read_extract
from lib.register.schema import LoadBatch
from lib.register.store import Progress, replace_register


def import_extract(
    folder: Path | str,
    engine: Engine,
    *,
    progress: Progress | None = None,
    source_path: str | None = None,
) -> LoadBatch:
    """Read and validate `folder`, then load it as the new register; returns the LoadBatch.
    source_path: what the load history names as its origin (default: the folder's path).

    Raises lib.register.extract.ExtractError (listing every problem) before touching the store
    when the extract breaks the contract; a database failure rolls the whole load back.
    """
    folder = Path(folder)
    extract = read_extract(folder)
    return replace_register(
        engine, extract, source_path=source_path or str(folder.resolve()), progress=progress
    )
