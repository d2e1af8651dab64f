"""A reader for PC-Axis PX files, the format statistics offices' databases (PxWeb) serve.

A PX file is text: `KEYWORD[lang]("subkey")=value,...;` statements, then `DATA=` and every
cell of the table. STUB and HEADING name the variables (dimensions); VALUES and CODES list each
variable's categories; the DATA cells run in row-major order over the STUB variables and then the
HEADING variables (the last variable varies fastest). Rules followed (PX file format 2013):

- CODEPAGE names the text encoding (iso-8859-15 at Statistics Finland, utf-8 in newer files);
  without it the file is read as UTF-8 when it is valid UTF-8, else as Windows-1252.
- A value is quoted text or one bare word; lists are comma-separated; a long text continues on
  the next line as another quoted string, which is joined to it (no comma between).
- Keywords with a language (`VALUES[sv]("Alue")=`) are translations: the default language's
  statements (no brackets) are the ones read.
- DATA cells are separated by spaces, tabs, commas, semicolons or line ends. One to six dots
  ("." ".." "..." ...) mark a missing cell (not applicable, not available, confidential) and
  are read as null; a dash "-" is the nil symbol, a true zero ("magnitude nil"), read as 0.
- Files written with KEYS (sparse rows) are refused with a message saying how to download
  the table instead.

`read_px(path)` returns a `PxTable`; anything wrong raises `PxError` whose problems carry the file,
the line and what to do (lib.register.extract.Problem, so they print like every other refusal).
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from lib.register.extract import Problem

MISSING_SYMBOLS = (".", "..", "...", "....", ".....", "......")
NIL_SYMBOL = "-"
LINE = "__line"  # the DATA line each cell was read from
_NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_CODEPAGE_RE = re.compile(rb'CODEPAGE\s*=\s*"([^"\r\n]*)"\s*;')
_DATA_RE = re.compile(rb"(^|[;\s])DATA\s*=", re.MULTILINE)
_KEYWORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_DATA_TOKEN_RE = re.compile(r'"[^"]*"|[^\s,;"]+|"[^"]*$')


class PxError(Exception):
    """The file is not a PX file this reader can use; `problems` say where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


@dataclass(frozen=True)
class Statement:
    keyword: str  # upper case
    language: str | None
    subkeys: tuple[str, ...]
    values: tuple[str, ...]
    line: int  # where the statement starts


@dataclass(frozen=True)
class Variable:
    name: str
    codes: tuple[str, ...]  # CODES, or VALUES when the file has no CODES for it
    values: tuple[str, ...]  # the category texts
    time: bool  # named by a TIMEVAL statement
    line: int  # line of its CODES (or VALUES) statement


@dataclass
class PxTable:
    """A PX file's metadata and cells (still in the file's row-major order)."""

    file: str
    statements: list[Statement]
    stub: tuple[str, ...]
    heading: tuple[str, ...]
    variables: dict[str, Variable]  # stub then heading order
    cells: pl.DataFrame  # columns: token (text as written), __line
    encoding: str
    meta: dict[str, str] = field(default_factory=dict)  # single-valued keywords, e.g. MATRIX

    @property
    def order(self) -> tuple[str, ...]:
        return self.stub + self.heading

    def keyword(self, name: str, subkey: str | None = None) -> Statement | None:
        """The default-language statement `name` (with this subkey), or None."""
        for s in self.statements:
            if s.keyword == name and s.language is None:
                if subkey is None or (s.subkeys and s.subkeys[0] == subkey):
                    return s
        return None

    def to_frame(self) -> pl.DataFrame:
        """One row per cell: a column of codes per variable, `value` (Float64; null for the
        missing-value dots, 0 for the nil dash), `symbol` (the dots or dash, else null) and
        the DATA line of the cell."""
        n = self.cells.height
        index = pl.int_range(n, dtype=pl.Int64, eager=True)
        columns = []
        stride = 1
        for name in reversed(self.order):
            codes = pl.Series(name, self.variables[name].codes, dtype=pl.String)
            columns.append(codes.gather((index // stride) % codes.len()))
            stride *= codes.len()
        token = pl.col("token")
        value = (
            pl.when(token.is_in(MISSING_SYMBOLS))
            .then(None)
            .when(token == NIL_SYMBOL)
            .then(0.0)
            .otherwise(token.cast(pl.Float64, strict=False))
        )
        symbol = pl.when(token.is_in([*MISSING_SYMBOLS, NIL_SYMBOL])).then(token)
        return self.cells.with_columns(*reversed(columns)).select(
            *self.order, value.alias("value"), symbol.alias("symbol"), pl.col(LINE)
        )


# ---------------------------------------------------------------------------------------------
# Reading


def read_px(path: Path | str, *, file: str | None = None) -> PxTable:
    """Read and check the PX file at `path`; raise PxError listing what is wrong."""
    path = Path(path)
    file = file or path.name
    raw = path.read_bytes()
    text, encoding = _decode(raw, file)
    statements, data_text, data_line = _scan(text, file)
    return _build(file, statements, data_text, data_line, encoding)


def _fail(file: str, line: int | None, kind: str, message: str) -> PxError:
    where = f"{file} line {line}" if line is not None else file
    return PxError([Problem(file, line, None, kind, f"{where}: {message}")])


def _decode(raw: bytes, file: str) -> tuple[str, str]:
    if raw.startswith(codecs.BOM_UTF8):
        return _decode_as(raw[3:], "utf-8", file, offset_lines=0), "utf-8"
    header_end = _DATA_RE.search(raw)
    header = raw[: header_end.start() if header_end else len(raw)]
    m = _CODEPAGE_RE.search(header)
    if m:
        name = m.group(1).decode("ascii", "replace").strip()
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            line = raw.count(b"\n", 0, m.start()) + 1
            raise _fail(
                file, line, "bad_codepage",
                f"CODEPAGE {name!r} is not a known text encoding: use e.g. \"iso-8859-15\" or "
                "\"utf-8\", or save the file again from the database service",
            ) from None  # fmt: skip
        return _decode_as(raw, encoding, file), encoding
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _decode_as(raw: bytes, encoding: str, file: str, offset_lines: int = 0) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1 + offset_lines
        raise _fail(
            file, line, "bad_encoding",
            f"not valid {encoding} text (CODEPAGE says {encoding}): save the file again with the "
            "encoding its CODEPAGE names",
        ) from None  # fmt: skip


def _scan(text: str, file: str) -> tuple[list[Statement], str, int]:
    """The statements before DATA, the text after `DATA=` and the line DATA is on."""
    statements: list[Statement] = []
    i, n, line = 0, len(text), 1

    def skip_space() -> None:
        nonlocal i, line
        while i < n and text[i] in " \t\r\n\f\ufeff":
            if text[i] == "\n":
                line += 1
            i += 1

    def quoted(start_line: int, what: str) -> str:
        nonlocal i
        end = i + 1
        while end < n and text[end] not in '"\n':
            end += 1
        if end >= n or text[end] != '"':
            raise _fail(
                file, start_line, "unterminated_text",
                f"the quoted text of {what} is not closed on its line: end it with a double "
                'quote (a long text continues on the next line as a new "..." string)',
            )  # fmt: skip
        value = text[i + 1 : end]
        i = end + 1
        return value

    while True:
        skip_space()
        if i >= n:
            raise _fail(
                file, None, "no_data",
                "no DATA= keyword: the file ends before the table's cells; download the whole "
                "file again (PX files end with DATA=...;)",
            )  # fmt: skip
        start = line
        m = _KEYWORD_RE.match(text, i)
        if not m:
            found = text[i : i + 20].split("\n")[0]
            raise _fail(
                file, line, "bad_syntax",
                f"expected a keyword such as VALUES(\"...\")=, found {found!r}: is this a PX "
                "file? Each statement is KEYWORD=value; and ends with a semicolon",
            )  # fmt: skip
        keyword = m.group(0).upper()
        i = m.end()
        language = None
        if i < n and text[i] == "[":
            close = text.find("]", i)
            if close < 0 or "\n" in text[i:close]:
                raise _fail(file, line, "bad_syntax", f"{keyword}[ has no closing ]")
            language = text[i + 1 : close].strip()
            i = close + 1
        subkeys: list[str] = []
        if i < n and text[i] == "(":
            i += 1
            while True:
                skip_space()
                if i < n and text[i] == '"':
                    subkeys.append(quoted(line, keyword))
                elif i < n and text[i] not in "),;=":
                    j = i
                    while j < n and text[j] not in '),;="\n':
                        j += 1
                    subkeys.append(text[i:j].strip())
                    i = j
                skip_space()
                if i < n and text[i] == ",":
                    i += 1
                    continue
                if i < n and text[i] == ")":
                    i += 1
                    break
                raise _fail(
                    file, line, "bad_syntax",
                    f"{keyword}(...) is not closed with ')': write it as "
                    f'{keyword}("variable")=...;',
                )  # fmt: skip
        skip_space()
        if i >= n or text[i] != "=":
            raise _fail(
                file, line, "bad_syntax",
                f"{keyword} is not followed by '=': each statement is KEYWORD=value;",
            )  # fmt: skip
        i += 1
        if keyword == "DATA":
            return statements, text[i:], start
        values: list[str] = []
        joinable = False  # the last item was quoted text with no comma after it yet
        while True:
            skip_space()
            if i >= n:
                raise _fail(
                    file, start, "bad_syntax",
                    f"{keyword} (starting on this line) has no closing ';' before the end of "
                    "the file",
                )  # fmt: skip
            ch = text[i]
            if ch == ";":
                i += 1
                break
            if ch == ",":
                i += 1
                joinable = False
                continue
            if ch == '"':
                piece = quoted(line, keyword)
                if joinable:
                    values[-1] += piece  # a long text continued on the next line
                else:
                    values.append(piece)
                joinable = True
                continue
            # A bare word, e.g. 0, YES or TLIST(M1,"2006M01"-"2023M10"): to , or ; outside ().
            j, depth = i, 0
            while j < n:
                c = text[j]
                if c == '"':
                    if depth <= 0:
                        break  # a quoted value follows a bare word: read it on its own
                    close = text.find('"', j + 1)
                    if close < 0 or "\n" in text[j:close]:
                        break
                    j = close + 1
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                elif depth <= 0 and c in ",;\n":
                    break
                j += 1
            word = text[i:j].strip()
            line += text.count("\n", i, j)
            i = j
            values.append(word)
            joinable = False
        statements.append(Statement(keyword, language, tuple(subkeys), tuple(values), start))


def _build(
    file: str, statements: list[Statement], data_text: str, data_line: int, encoding: str
) -> PxTable:
    problems: list[Problem] = []

    def problem(line: int | None, kind: str, message: str) -> None:
        where = f"{file} line {line}" if line is not None else file
        problems.append(Problem(file, line, None, kind, f"{where}: {message}"))

    def default(keyword: str, subkey: str | None = None) -> Statement | None:
        for s in statements:
            if s.keyword == keyword and s.language is None:
                if subkey is None or (s.subkeys and s.subkeys[0] == subkey):
                    return s
        return None

    stub_s, heading_s = default("STUB"), default("HEADING")
    stub = stub_s.values if stub_s else ()
    heading = heading_s.values if heading_s else ()
    if not stub and not heading:
        problem(
            None, "missing_keyword",
            "neither STUB nor HEADING names a variable: a PX file needs at least one of them, "
            'e.g. STUB="Alue","Kuukausi";',
        )  # fmt: skip
    order = stub + heading
    seen = set()
    for name in order:
        if name in seen:
            problem(
                (stub_s or heading_s).line, "bad_variable",
                f"variable {name!r} is named twice in STUB and HEADING",
            )  # fmt: skip
        seen.add(name)
    time_vars = {s.subkeys[0] for s in statements if s.keyword == "TIMEVAL" and s.subkeys}
    for s in statements:
        if s.keyword == "KEYS" and s.language is None:
            problem(
                s.line, "unsupported_keys",
                "the file is written with KEYS (sparse rows), which Trialwatch does not read: "
                "download the table again as a plain PX file (without KEYS)",
            )  # fmt: skip
    variables: dict[str, Variable] = {}
    for name in order:
        values_s = default("VALUES", name)
        codes_s = default("CODES", name)
        if values_s is None:
            problem(
                (stub_s or heading_s).line if (stub_s or heading_s) else None,
                "missing_keyword",
                f'variable {name!r} has no VALUES("{name}")=...; statement listing its '
                "categories",
            )  # fmt: skip
            continue
        if not values_s.values:
            problem(values_s.line, "bad_variable", f"VALUES({name!r}) lists no categories")
            continue
        codes = codes_s.values if codes_s else values_s.values
        if codes_s and len(codes_s.values) != len(values_s.values):
            problem(
                codes_s.line, "bad_variable",
                f"CODES({name!r}) lists {len(codes_s.values)} codes but VALUES({name!r}) lists "
                f"{len(values_s.values)} categories: they must pair up one to one",
            )  # fmt: skip
            continue
        if len(set(codes)) != len(codes):
            dup = next(c for c in codes if codes.count(c) > 1)
            problem(
                (codes_s or values_s).line, "bad_variable",
                f"variable {name!r} lists the category {dup!r} twice",
            )  # fmt: skip
            continue
        variables[name] = Variable(
            name, tuple(codes), values_s.values, name in time_vars, (codes_s or values_s).line
        )
    if problems:
        raise PxError(problems)

    cells = _data_cells(data_text, data_line)
    expected = math.prod(len(v.codes) for v in variables.values())
    if cells.height != expected:
        sizes = " x ".join(f"{len(variables[v].codes)} {v}" for v in order)
        problem(
            data_line, "bad_cell_count",
            f"DATA holds {cells.height:,} cells but the variables make {expected:,} "
            f"({sizes}): the file is cut short or a VALUES list is incomplete; download it again",
        )  # fmt: skip
    bad = cells.filter(
        ~pl.col("token").is_in([*MISSING_SYMBOLS, NIL_SYMBOL])
        & ~pl.col("token").str.contains(_NUMBER_RE)
    )
    for token, line in bad.head(20).iter_rows():
        problem(
            line, "bad_cell",
            f"DATA cell {token[:40]!r} is not a number: cells are numbers, one to six dots "
            '(missing, e.g. "..") or "-" (nil)',
        )  # fmt: skip
    if bad.height > 20:
        problems.append(
            Problem(
                file, None, None, "bad_cell",
                f"{file}: ... and {bad.height - 20} more DATA cells that are not numbers",
            )
        )  # fmt: skip
    if problems:
        raise PxError(problems)
    meta = {
        s.keyword: s.values[0]
        for s in statements
        if s.language is None and not s.subkeys and len(s.values) == 1
    }
    return PxTable(
        file=file,
        statements=statements,
        stub=tuple(stub),
        heading=tuple(heading),
        variables=variables,
        cells=cells,
        encoding=encoding,
        meta=meta,
    )


def _data_cells(data_text: str, data_line: int) -> pl.DataFrame:
    """Every DATA token (quotes removed) with its line number."""
    tokens: list[str] = []
    lines: list[int] = []
    for offset, row in enumerate(data_text.split("\n")):
        found = _DATA_TOKEN_RE.findall(row)
        if not found:
            continue
        tokens.extend(found)
        lines.extend([data_line + offset] * len(found))
    frame = pl.DataFrame(
        {"token": tokens, LINE: lines}, schema={"token": pl.String, LINE: pl.Int64}
    )
    return frame.with_columns(pl.col("token").str.strip_chars('"'))


# ---------------------------------------------------------------------------------------------
# Writing (for tests and for turning a tidy table into the format users download)


def write_px(
    path: Path | str,
    frame: pl.DataFrame,
    *,
    stub: list[str],
    heading: list[str],
    value: str = "value",
    labels: dict[str, dict[str, str]] | None = None,
    time: str | None = None,
    meta: dict[str, str] | None = None,
    encoding: str = "iso-8859-15",
    decimals: int = 0,
) -> Path:
    """Write `frame` (one row per cell, a code column per variable) as a PX file; nulls become
    "..". `labels` maps a variable's codes to texts (VALUES); without it the codes are the texts."""
    path = Path(path)
    order = [*stub, *heading]
    codes = {v: frame[v].unique(maintain_order=True).to_list() for v in order}
    grid = pl.DataFrame({order[0]: codes[order[0]]})
    for v in order[1:]:
        grid = grid.join(pl.DataFrame({v: codes[v]}), how="cross")
    cells = grid.join(frame.select(*order, value), on=order, how="left", maintain_order="left")

    def q(items) -> str:
        return ",".join(f'"{x}"' for x in items)

    out = ['CHARSET="ANSI";', f'CODEPAGE="{encoding}";', 'AXIS-VERSION="2013";']
    out += [f'{k}="{v}";' for k, v in (meta or {}).items()]
    out += [f"DECIMALS={decimals};", f"STUB={q(stub)};", f"HEADING={q(heading)};"]
    for v in order:
        texts = [(labels or {}).get(v, {}).get(c, c) for c in codes[v]]
        out.append(f'VALUES("{v}")={q(texts)};')
    if time:
        out.append(f'TIMEVAL("{time}")=TLIST(M1),{q(codes[time])};')
    for v in order:
        out.append(f'CODES("{v}")={q(codes[v])};')
    width = math.prod(len(codes[v]) for v in heading) if heading else 1
    fmt = f"{{:.{decimals}f}}"
    values = [".." if x is None else fmt.format(x) for x in cells[value].to_list()]
    out.append("DATA=")
    for start in range(0, len(values), width):
        out.append(" ".join(values[start : start + width]) + " ")
    out[-1] = out[-1].rstrip() + ";"
    path.write_bytes(("\r\n".join(out) + "\r\n").encode(encoding))
    return path
