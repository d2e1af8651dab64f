"""The gettext catalogues: `python -m lib.figures.catalog extract|check|compile`.

`extract` reads every `t()` and `N_()` call with a literal first argument in lib/figures,
lib/web, pages and dashboard.py (an AST pass, so calls inside f-strings and both branches of
`t("a" if x else "b")` are found on every Python), rewrites lib/figures/locale/trialwatch.pot
and updates each language's .po that exists (en always): new msgids are added at the end with
an empty msgstr (en: the msgid itself where the msgid is the English text), obsolete ones are
removed, the rest is kept as it is (text, order, comments). `check` lists, per language, the
missing (absent, empty or fuzzy) and the stale (in the .po, not in the code) entries and exits
1 if there are any; `compile` writes the .mo files (scripts/setup.sh). The .po files carry no
line numbers, so that moving code does not rewrite every catalogue.

The same extraction is `pybabel extract -F lib/figures/locale/babel.cfg -k t -k N_ ...`
(babel.cfg names the extractor below); this module adds the update and the check.
"""

from __future__ import annotations

import ast
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from lib.figures.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, po_path, write_mo

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("lib/figures", "lib/web", "pages", "dashboard.py")
KEYWORDS = ("t", "N_")
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
METHOD = "lib.figures.catalog.extract_ast"
_WIDTH = 100  # the project's line length; the translators' files are written so too

# A dotted key ("overview.title", "unit.clients per FTE") rather than English text used as its
# own key ("Month"): en.po must be given the English of a key; text is its own English.
_KEY = re.compile(r"^[a-z][a-z0-9_]*\.\S")


def is_key(msgid: str) -> bool:
    return bool(_KEY.match(msgid))


def _literals(node: ast.expr) -> Iterator[str]:
    """The strings a first argument can be: a literal, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def extract_ast(fileobj, keywords, comment_tags, options):
    """A Babel extraction method: (lineno, funcname, message, comments) per literal key."""
    del comment_tags, options  # Babel's signature; no translator comments are read
    tree = ast.parse(fileobj.read())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) in keywords]
    for call in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
        if call.args:
            for text in _literals(call.args[0]):
                yield call.lineno, _name(call.func), text, []


HEADER = """\
# Trialwatch's user-facing text ({what}).
# Written by `python -m lib.figures.catalog extract`
# from the code's t() and N_() calls; translators
# edit the msgstr lines only. The glossary is beside
# the catalogues.
#"""


def template() -> Catalog:
    """The .pot as the code has it: every literal key, in the order of the files."""
    cat = Catalog(
        domain=DOMAIN,
        project="Trialwatch",
        fuzzy=False,
        header_comment=HEADER.format(what="template"),
    )
    for src in SOURCES:
        p = ROOT / src
        if p.is_dir():
            found = (
                (f"{src}/{fn}", line, msg)
                for fn, line, msg, _c, _x in extract_from_dir(
                    p, method_map=[("**.py", METHOD)], keywords=dict.fromkeys(KEYWORDS)
                )
            )
        else:
            with p.open("rb") as f:
                found = [(src, line, msg) for line, msg, _c, _x in _extract_file(f)]
        for fn, _line, msg in found:
            cat.add(msg, locations=[(fn, None)])
    return cat


def _extract_file(fileobj):
    for line, _func, msg, comments in extract_ast(fileobj, KEYWORDS, (), {}):
        yield line, msg, comments, None


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _write(cat: Catalog, path: Path) -> None:
    buf = io.BytesIO()
    write_po(buf, cat, width=_WIDTH, ignore_obsolete=True, include_lineno=False, sort_output=False)
    data = buf.getvalue()
    if not path.exists() or path.read_bytes() != data:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _update(cat: Catalog, pot: Catalog) -> None:
    """The template's msgids into `cat`, in place: obsolete entries removed, new ones added at
    the end with an empty msgstr; every kept entry keeps its text, place and comments, so that a
    translator's file changes only where the code did (Babel's own update re-sorts the file)."""
    wanted = {m.id for m in pot if m.id}
    for msg in list(cat):
        if msg.id and msg.id not in wanted:
            del cat[msg.id]
    for msg in pot:
        if msg.id and msg.id not in cat:
            cat.add(msg.id, "", locations=msg.locations, flags=msg.flags)
    cat.obsolete.clear()


def extract() -> list[Path]:
    """Rewrite the .pot and update the catalogues that exist (en always); the files written."""
    pot = template()
    if TEMPLATE.exists():  # the same messages keep their date, so a run changes nothing
        old = _read(TEMPLATE)
        if [(m.id, sorted(m.locations)) for m in old] == [(m.id, sorted(m.locations)) for m in pot]:
            pot.creation_date = old.creation_date
    _write(pot, TEMPLATE)
    written = [TEMPLATE]
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.exists() and lang != "en":
            continue  # the translators create fi.po and sv.po
        cat = (
            _read(path)
            if path.exists()
            else Catalog(
                locale=lang,
                domain=DOMAIN,
                project="Trialwatch",
                fuzzy=False,
                header_comment=HEADER.format(what="English: the source text"),
            )
        )
        _update(cat, pot)
        if lang == "en":
            for msg in cat:
                if msg.id and not msg.string and not is_key(msg.id):
                    msg.string = msg.id
        _write(cat, path)
        written.append(path)
    return written


def check() -> dict[str, dict[str, list[str]]]:
    """Per language: the keys missing a text and the stale entries (an absent .po: all missing)."""
    wanted = [m.id for m in template() if m.id]
    wanted_set = set(wanted)
    out = {}
    for lang in LANGUAGES:
        path = po_path(lang)
        cat = _read(path) if path.exists() else Catalog(locale=lang)
        have = {m.id: m for m in cat if m.id}
        missing = [k for k in wanted if k not in have or not have[k].string or have[k].fuzzy]
        stale = [k for k in have if k not in wanted_set]
        out[lang] = {"missing": missing, "stale": stale}
    return out


def compile_all() -> list[Path]:
    """Write the .mo of every .po that exists (scripts/setup.sh runs this)."""
    written = []
    for lang in LANGUAGES:
        po = po_path(lang)
        if po.exists():
            write_mo(po)
            written.append(po.with_suffix(".mo"))
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["compile"]:
        for path in compile_all():
            print(path.relative_to(ROOT))
        return 0
    if args == ["extract"]:
        for path in extract():
            print(path.relative_to(ROOT))
        return 0
    if args == ["check"]:
        bad = False
        for lang, found in check().items():
            path = po_path(lang).relative_to(ROOT)
            if not po_path(lang).exists():
                print(f"{lang}: {path} does not exist ({len(found['missing'])} keys to translate)")
                bad = True
                continue
            for kind in ("missing", "stale"):
                for key in found[kind]:
                    print(f"{lang}: {kind}: {key!r}")
            n_miss, n_stale = len(found["missing"]), len(found["stale"])
            print(f"{lang}: {n_miss} missing, {n_stale} stale ({path})")
            bad = bad or n_miss > 0 or n_stale > 0
        return 1 if bad else 0
    print("usage: python -m lib.figures.catalog extract|check|compile", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
