"""User-facing text: `t(key_or_text, **fmt)` looks the text up for the current language.

The texts are gettext catalogues, `locale/<lang>/LC_MESSAGES/trialwatch.po` (en, fi, sv; the
template `locale/trialwatch.pot`, `python -m lib.figures.catalog extract|check`). A msgid is
exactly the string passed to `t()`: a dotted key (`"notice.synthetic"`) or the English text
itself (`"Month"`); en.po's msgstr is the English. Lookup: the current language, then English,
then the key itself; `{name}` placeholders are filled from `fmt`. A key that is computed
(`t(f"unit.{unit}")`) has each of its values written out in its module as `N_("unit.persons")`,
so that the extraction finds them.

The compiled .mo files are made by scripts/setup.sh and are not in git; a .mo that is missing or
older than its .po is compiled here from the .po (written beside it, or kept in memory where the
folder cannot be written), so a fresh checkout and the tests always read the current text. No
Streamlit here: lib/web/frame.py sets the language per session.
"""

from __future__ import annotations

import contextvars
import gettext
import io
import os
import tempfile
import threading
import time
from contextvars import ContextVar
from pathlib import Path

LANGUAGES = ("en", "fi", "sv")
DEFAULT_LANGUAGE = "en"
DOMAIN = "trialwatch"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_LANGUAGE: ContextVar[str] = ContextVar("trialwatch_language", default=DEFAULT_LANGUAGE)

# How often the .po files' modification times are looked at again (seconds): an edited
# catalogue shows on the next run of a page without a restart.
_RECHECK = 1.0
_LOCK = threading.Lock()
_LOADED: dict[Path, tuple[int | None, gettext.NullTranslations]] = {}
_CHECKED: dict[Path, float] = {}


def N_(key: str) -> str:
    """Marks a key for the extraction without translating it (a computed key's values)."""
    return key


def po_path(lang: str, locale_dir: Path | None = None) -> Path:
    return (locale_dir or LOCALE_DIR) / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalogue(po: Path) -> bytes:
    """The .mo of a .po (untranslated and fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        cat = read_po(f)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def write_mo(po: Path) -> bytes:
    """Compile `po` to the .mo beside it (dated as the .po, so it reads as current); its bytes."""
    data = compile_catalogue(po)
    stamp = po.stat().st_mtime_ns
    try:  # written atomically, so a parallel reader never sees half a file
        fd, tmp = tempfile.mkstemp(dir=po.parent, prefix=".trialwatch-", suffix=".mo")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.utime(tmp, ns=(stamp, stamp))
        os.replace(tmp, po.with_suffix(".mo"))
    except OSError:
        pass  # a read-only checkout: the catalogue is used from memory
    return data


def _mo_bytes(po: Path) -> bytes:
    mo = po.with_suffix(".mo")
    try:
        if mo.stat().st_mtime_ns >= po.stat().st_mtime_ns:
            return mo.read_bytes()
    except FileNotFoundError:
        pass
    return write_mo(po)


def _catalogue(lang: str) -> gettext.NullTranslations:
    """A language's compiled catalogue (an empty one if it has none), kept current."""
    po = po_path(lang)
    now = time.monotonic()
    loaded = _LOADED.get(po)
    if loaded is not None and now - _CHECKED.get(po, 0.0) < _RECHECK:
        return loaded[1]
    with _LOCK:
        try:
            mtime: int | None = po.stat().st_mtime_ns
        except FileNotFoundError:
            mtime = None
        loaded = _LOADED.get(po)
        if loaded is None or loaded[0] != mtime:
            tr = gettext.NullTranslations()
            if mtime is not None:
                tr = gettext.GNUTranslations(io.BytesIO(_mo_bytes(po)))
            loaded = (mtime, tr)
            _LOADED[po] = loaded
        _CHECKED[po] = now
        return loaded[1]


def set_language(lang: str) -> None:
    """Use `lang` for this thread / session (unknown languages fall back to English)."""
    _LANGUAGE.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


def current_language() -> str:
    return _LANGUAGE.get()


def in_language(fn, lang: str | None = None):
    """`fn` to be called later, on any thread, in `lang` (default: the current language).

    A download's file is written when its button is clicked, by Streamlit's server on a thread
    of its own, where the session's language is not set: this carries it there. Each call runs
    in a context of its own, so the caller's language is left as it was."""
    lang = lang or current_language()

    def run(*args, **kwargs):
        def inner():
            set_language(lang)
            return fn(*args, **kwargs)

        return contextvars.copy_context().run(inner)

    return run


def t(key_or_text: str, /, **fmt) -> str:
    """The text for the current language, with `{name}` placeholders filled from `fmt`."""
    lang = _LANGUAGE.get()
    text = key_or_text
    if lang != DEFAULT_LANGUAGE:  # gettext returns the msgid itself when it has no text
        text = _catalogue(lang).gettext(key_or_text)
    if text == key_or_text:
        text = _catalogue(DEFAULT_LANGUAGE).gettext(key_or_text)
    return text.format(**fmt) if fmt else text
