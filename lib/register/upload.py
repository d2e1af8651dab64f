"""An extract uploaded as a zip of its folder, unpacked safely for `trialwatch import`'s checks.

The zip comes from a browser, so nothing in it is trusted: an entry whose name is absolute,
climbs out with `..`, names a drive or holds a backslash or a control character is refused, and
so is a symbolic link, an encrypted entry, more than MAX_ENTRIES entries, or more than the limit
of bytes unpacked (counted as they are written, not taken from the zip's own sizes). Nothing is
written outside the destination folder. The folder to import is the one holding
`manifest.toml`: the zip's top level or its one top folder. No Streamlit here.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

MAX_ENTRIES = 1000
MANIFEST = "manifest.toml"
_CHUNK = 1 << 20


class UploadError(ValueError):
    """The upload is refused before anything is imported; the message says why and what to do."""


def unpack_extract(source: BinaryIO | Path | str, dest: Path, *, limit_bytes: int) -> Path:
    """Unpack the zip `source` into the empty folder `dest` and return the extract's folder
    (the one holding manifest.toml). UploadError when the zip is unsafe, too large or not an
    extract folder."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise UploadError(f"The upload is not a zip file ({e}): zip the extract's folder.") from e
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise UploadError(
                f"The zip holds {len(entries)} entries, more than {MAX_ENTRIES}: an extract is a "
                "folder of a few tables and a manifest."
            )
        names = [_safe_name(e) for e in entries]
        written = 0
        for entry, name in zip(entries, names):
            target = dest.joinpath(*name.parts)
            if entry.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry) as src, open(target, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > limit_bytes:
                            raise UploadError(
                                f"The extract unpacks to more than {limit_bytes // 2**20} MB, the "
                                "upload limit (TRIALWATCH_UPLOAD_MB): import it with `trialwatch "
                                "import FOLDER` on the server instead."
                            )
                        out.write(chunk)
            except (OSError, zipfile.BadZipFile, RuntimeError) as e:  # a name twice, bad data
                raise UploadError(
                    f"The zip entry {entry.filename!r} cannot be unpacked: {e}"
                ) from e
    return _extract_folder(dest)


def _safe_name(entry: zipfile.ZipInfo) -> PurePosixPath:
    name = entry.filename
    mode = entry.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise UploadError(f"The zip holds a symbolic link ({name!r}): zip the files themselves.")
    if entry.flag_bits & 0x1:
        raise UploadError(f"The zip entry {name!r} is encrypted: upload an unencrypted zip.")
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or any(ord(c) < 32 for c in name)
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
    ):
        raise UploadError(
            f"The zip entry {name!r} would be written outside the extract's folder: zip the "
            "folder itself, with plain relative names."
        )
    return path


def _extract_folder(dest: Path) -> Path:
    if (dest / MANIFEST).is_file():
        return dest
    tops = [p for p in dest.iterdir() if not p.name.startswith(("__MACOSX", "."))]
    if len(tops) == 1 and (tops[0] / MANIFEST).is_file():
        return tops[0]
    raise UploadError(
        f"The zip holds no {MANIFEST} at its top or in its one top folder: zip the extract's "
        "folder (its manifest and tables) as it is."
    )
