"""Unpacking an uploaded extract (lib/register/upload.py): what a browser sends is not trusted."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from lib.register.extract import write_extract
from lib.register.upload import MAX_ENTRIES, UploadError, unpack_extract
from tests.hand_fixture import hand_extract


def zipped(entries: dict[str, bytes], links: dict[str, str] | None = None) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    buf.seek(0)
    return buf


def extract_zip(tmp_path, top: str = "") -> io.BytesIO:
    folder = write_extract(hand_extract(), tmp_path / "extract")
    return zipped({f"{top}{p.name}": p.read_bytes() for p in sorted(folder.iterdir())})


@pytest.mark.parametrize("top", ["", "extract-2021-06/"])
def test_the_extract_folder_is_the_top_or_its_one_folder(tmp_path, top):
    dest = tmp_path / "dest"
    dest.mkdir()
    folder = unpack_extract(extract_zip(tmp_path, top), dest, limit_bytes=10 * 2**20)
    assert folder == dest / top.rstrip("/") if top else folder == dest
    assert (folder / "manifest.toml").is_file() and (folder / "job_seekers.csv").is_file()


@pytest.mark.parametrize(
    "name",
    ["../evil.csv", "extract/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "a\\..\\evil.csv"],
)
def test_a_name_outside_the_folder_is_refused_and_nothing_is_written(tmp_path, name):
    dest = tmp_path / "a" / "dest"
    dest.mkdir(parents=True)
    with pytest.raises(UploadError, match="outside the extract's folder"):
        unpack_extract(zipped({"manifest.toml": b"", name: b"x"}), dest, limit_bytes=2**20)
    # refused before anything was unpacked: nothing in the destination, nothing beside it
    assert list(dest.iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["dest"]


def test_a_symbolic_link_is_refused(tmp_path):
    with pytest.raises(UploadError, match="symbolic link"):
        unpack_extract(
            zipped({"manifest.toml": b""}, {"job_seekers.csv": "/etc/passwd"}),
            tmp_path,
            limit_bytes=2**20,
        )


def test_more_than_the_limit_unpacked_is_refused(tmp_path):
    # 3 MB of zeros zips to a few kB: the limit counts the bytes unpacked, not the upload's size
    bomb = zipped({"manifest.toml": b"", "job_seekers.csv": b"0" * (3 * 2**20)})
    assert len(bomb.getvalue()) < 2**20
    with pytest.raises(UploadError, match="more than 2 MB"):
        unpack_extract(bomb, tmp_path, limit_bytes=2 * 2**20)


def test_too_many_entries_no_manifest_and_not_a_zip_are_refused(tmp_path):
    many = zipped({f"f{i}.csv": b"" for i in range(MAX_ENTRIES + 1)})
    with pytest.raises(UploadError, match=f"more than {MAX_ENTRIES}"):
        unpack_extract(many, tmp_path / "1", limit_bytes=2**20)
    (tmp_path / "2").mkdir()
    with pytest.raises(UploadError, match="no manifest.toml"):
        unpack_extract(zipped({"a/b/manifest.toml": b""}), tmp_path / "2", limit_bytes=2**20)
    with pytest.raises(UploadError, match="not a zip file"):
        unpack_extract(io.BytesIO(b"PK not really"), tmp_path, limit_bytes=2**20)
