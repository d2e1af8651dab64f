"""The `trialwatch` command line: the interface other systems script against.

Exit status (../shared/DATA_CONTRACT.md): 0 done; 2 bad input (bad arguments, a refused
extract, an `--out` that cannot be written, a malformed `--db` URL, a store that cannot be
opened or reached), with a one-line message naming what to fix; 3 not permitted (access rules,
issue 13); 1 a failure that is not the input's (the message says so). No command prints a
Python traceback, and output into a closed pipe (`| head`) ends quietly.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path

from lib.cli.progress import TerminalProgress
from lib.engine import door
from lib.engine.access import (
    FULL_ACCESS,
    NoAccess,
    NoData,
    Reader,
    default_query,
    viewer_for_subject,
)
from lib.engine.cohort import Cohort
from lib.engine.door import safe_url
from lib.engine.errors import Refused
from lib.engine.indicators import (
    ALL_DIMS,
    DEFAULT_BY,
    GROUPS,
    INDICATORS,
    IndicatorError,
    validate_groups,
)
from lib.engine.intervals import with_wilson
from lib.figures.exports import neutralise_cell, neutralise_formulas
from lib.published import fetch, readers, storage
from lib.published.storage import load_demo_series
from lib.register import audit, users
from lib.register.demo import generate
from lib.register.extract import ExtractError, write_extract
from lib.register.users import ROLES
from lib.settings import get_settings

EXIT_FAILED = 1  # not the input's fault: a bug or a failure of the store during a load
EXIT_REFUSED = 2
EXIT_NOT_PERMITTED = 3  # access refusals (issue 13): an exception with exit_status = 3
READ_COMMANDS = ("indicators", "effect", "history")  # need a store that exists already


class UsageError(Exception):
    """Bad input the user can fix: the message names what to fix (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line message for a bad argument (exit 2), pointing to --help."""

    def error(self, message: str):
        self.exit(EXIT_REFUSED, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _db_option(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument(
        "--db",
        default=default,
        metavar="URL",
        help="SQLAlchemy URL of the store (default: $TRIALWATCH_DB or data/trialwatch.sqlite)",
    )


def _group_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--group",
        dest="groups",
        action="extend",
        nargs="+",
        default=[],
        metavar="G",
        help=f"restrict to persons in these groups: {', '.join(GROUPS)}",
    )
    parser.add_argument("--match", choices=["all", "any"], default="all")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="trialwatch",
        description="Monitor municipal employment-service trials: load register extracts, "
        "build the demo register, export indicators.",
    )
    _db_option(p, None)
    _as_option(p, None)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser("demo", help="build the synthetic demo store")
    _db_option(demo, argparse.SUPPRESS)
    demo.add_argument("--scale", choices=["demo", "national"], default="demo")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument(
        "--write-extract", metavar="FOLDER", help="also write the demo register as an extract"
    )

    imp = sub.add_parser("import", help="validate and load a register extract, atomically")
    _db_option(imp, argparse.SUPPRESS)
    imp.add_argument("folder", type=Path)

    ind = sub.add_parser("indicators", help="write an indicator table")
    _db_option(ind, argparse.SUPPRESS)
    ind.add_argument("indicator", help=f"one of: {', '.join(INDICATORS)}")
    ind.add_argument(
        "--by",
        default=",".join(DEFAULT_BY),
        help=f"comma-separated dimensions from: {', '.join(ALL_DIMS)} "
        f"(default {','.join(DEFAULT_BY)})",
    )
    _group_options(ind)
    ind.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    ind.add_argument("--to", dest="month_to", metavar="YYYY-MM")
    ind.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIM=V1,V2",
        help="keep only these values of a dimension (repeatable; an extension of the contract, "
        "used by the Explorer's reproduce command), e.g. --where trial_area_id=TA01,TA02 "
        "--where gender=F",
    )
    ind.add_argument(
        "--min-count", type=int, default=None, help="disclosure threshold (0 turns it off)"
    )
    ind.add_argument("--format", choices=["csv", "parquet", "json"], default="csv")
    ind.add_argument("--out", type=Path, help="file to write (default: standard output)")
    ind.add_argument(
        "--ci",
        action="store_true",
        help="for rates, add ci_low and ci_high: the 95 %% Wilson interval (after suppressed)",
    )

    eff = sub.add_parser(
        "effect", help="difference-in-differences of the exit rate, trial against comparison"
    )
    _db_option(eff, argparse.SUPPRESS)
    eff.add_argument("--by", choices=["trial_area_id"], default=None)
    _group_options(eff)
    eff.add_argument(
        "--min-count",
        type=int,
        default=None,
        help="disclosure threshold (0: exact person-months, for the operator only)",
    )
    eff.add_argument("--format", choices=["csv", "json"], default="csv")
    eff.add_argument("--out", type=Path, help="file to write (default: standard output)")

    hist = sub.add_parser("history", help="list the load history")
    _db_option(hist, argparse.SUPPRESS)

    pub = sub.add_parser(
        "published",
        help="published statistics (StatFin 12r5, 12u4, population) beside the register",
    )
    _db_option(pub, argparse.SUPPRESS)
    pub_sub = pub.add_subparsers(
        dest="published_command", required=True, metavar="ACTION", parser_class=_Parser
    )
    pub_imp = pub_sub.add_parser(
        "import",
        help="validate and load published tables (tidy CSV or PX files), atomically",
        description="Load published tables into the store: each table held by the files "
        "replaces that table's earlier load; every file is checked first, and all of them load "
        "in one transaction or none does.",
    )
    _db_option(pub_imp, argparse.SUPPRESS)
    pub_imp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    pub_list = pub_sub.add_parser("list", help="the published tables loaded and their months")
    _db_option(pub_list, argparse.SUPPRESS)
    pub_fetch = pub_sub.add_parser(
        "fetch",
        help="fetch a table (12r5 or 12u4) from Statistics Finland's PxWeb API and load it",
        description="Fetch a published table from Statistics Finland's PxWeb API (within the "
        "API's limits on cells and calls) and load it exactly as its downloaded file loads.",
    )
    _db_option(pub_fetch, argparse.SUPPRESS)
    pub_fetch.add_argument("table", metavar="TABLE", help="12r5 or 12u4")
    pub_fetch.add_argument("--from", dest="month_from", metavar="YYYY-MM")
    pub_fetch.add_argument(
        "--url", metavar="URL", help="the PxWeb API (default: $TRIALWATCH_PXWEB_URL or Statistics "
        "Finland's)",
    )  # fmt: skip

    for parser in (demo, imp, ind, eff, hist, pub, pub_imp, pub_list, pub_fetch):
        _as_option(parser, argparse.SUPPRESS)

    users = sub.add_parser("users", help="who may sign in: add, list or remove users")
    _db_option(users, argparse.SUPPRESS)
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    u_add = users_sub.add_parser(
        "add",
        help="add a user, or update an existing one",
        description="SUBJECT is the e-mail address the identity provider vouches for. A "
        "municipal user needs at least one area or municipality.",
    )
    u_add.add_argument("subject", metavar="SUBJECT")
    u_add.add_argument("--role", required=True, choices=ROLES)
    u_add.add_argument("--areas", default="", metavar="ID,...", help="own trial areas")
    u_add.add_argument(
        "--municipalities", default="", metavar="CODE,...", help="own municipalities"
    )
    u_add.add_argument("--name", metavar="TEXT")
    u_list = users_sub.add_parser("list", help="the users")
    u_list.add_argument("--format", choices=["csv", "json"], default="csv")
    u_remove = users_sub.add_parser("remove", help="remove a user")
    u_remove.add_argument("subject", metavar="SUBJECT")
    _as_option(users, argparse.SUPPRESS)
    for p_ in (u_add, u_list, u_remove):
        _db_option(p_, argparse.SUPPRESS)
        _as_option(p_, argparse.SUPPRESS)

    audit_p = sub.add_parser("audit", help="the audit trail: who did what, when")
    _db_option(audit_p, argparse.SUPPRESS)
    _as_option(audit_p, argparse.SUPPRESS)
    audit_p.add_argument("--since", metavar="YYYY-MM-DD", type=_day, help="from this day on")
    audit_p.add_argument("--user", metavar="SUBJECT", help="one user's events")
    audit_p.add_argument("--format", choices=["csv", "json"], default="csv")
    return p


def _as_option(parser: argparse.ArgumentParser, default) -> None:
    """--as SUBJECT: act with that user's rights (a sub-command's copy defaults to SUPPRESS, so
    it does not overwrite what was given before the sub-command, as with --db)."""
    parser.add_argument(
        "--as",
        dest="as_subject",
        default=default,
        metavar="SUBJECT",
        help="act as this user, with their role's rights",
    )


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day: give YYYY-MM-DD") from None


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help (0) or a bad argument (2, its message already printed)
        return e.code if isinstance(e.code, int) else EXIT_REFUSED
    handler = {
        "demo": _demo,
        "import": _import,
        "indicators": _indicators,
        "effect": _effect,
        "history": _history,
        "published": _published,
        "users": _users,
        "audit": _audit,
    }[args.command]
    try:
        _check_paths(args)
        return handler(args) or 0
    except BrokenPipeError:
        return _closed_pipe()
    except Refused as e:
        return _refused(args, e)
    except (IndicatorError, UsageError) as e:
        return _say(str(e), EXIT_REFUSED)
    except KeyboardInterrupt:
        return _say("interrupted; the store is unchanged.", 130)
    except Exception as e:  # noqa: BLE001 -- every failure becomes one line, never a traceback
        status = getattr(e, "exit_status", None)
        if status == EXIT_NOT_PERMITTED:
            return _say(str(e), EXIT_NOT_PERMITTED)
        if _is_closed_pipe(e):
            return _closed_pipe()
        explained = explain_failure(e, args)
        if explained is not None:
            return _say(explained, EXIT_REFUSED)
        return _say(
            f"{args.command} failed: {_first_line(e)} ({type(e).__name__}). This is not a "
            "problem with what you typed; the store is unchanged. Please report it.",
            EXIT_FAILED,
        )


def _say(message: str, status: int) -> int:
    """The message as one line on standard error."""
    line = " ".join(str(message).split())
    try:
        print(f"trialwatch: {line}", file=sys.stderr)
    except (BrokenPipeError, OSError):
        pass
    return status


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def _is_closed_pipe(e: BaseException) -> bool:
    """Polars and other writers report a closed pipe as their own error (os error 32)."""
    text = str(e)
    return (
        isinstance(e, OSError) and e.errno == 32 or "Broken pipe" in text or "os error 32" in text
    )


def _closed_pipe() -> int:
    """The reader went away (`| head`): stop quietly. Standard output is pointed at /dev/null so
    that Python's final flush does not complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


def _check_paths(args) -> None:
    """--out and a SQLite --db, checked before any work, with what to fix."""
    out = getattr(args, "out", None)
    if out is not None:
        out = Path(out)
        if out.is_dir():
            raise UsageError(f"--out {out}: is a directory: give a file name, e.g. {out}/table.csv")
        parent = out.parent if str(out.parent) else Path(".")
        if parent.exists() and not parent.is_dir():
            raise UsageError(
                f"--out {out}: {parent} is a file, not a directory: give a file in a directory"
            )
        if not parent.is_dir():
            raise UsageError(
                f"--out {out}: the directory {parent} does not exist: create it first or give "
                "a file in an existing directory"
            )
        if (out.exists() and not os.access(out, os.W_OK)) or (
            not out.exists() and not os.access(parent, os.W_OK)
        ):
            raise UsageError(
                f"--out {out}: cannot be written (no permission): give a file in a directory "
                "you can write"
            )

    url = get_settings(args.db).db_url
    path = _sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise UsageError(
            f"--db {safe_url(url)}: {path} is a directory, not a store file: give a file "
            f"name, e.g. {path / 'trialwatch.sqlite'}"
        )
    if args.command in READ_COMMANDS:  # (`published list` says "none loaded" for a new store)
        if not path.exists():
            raise UsageError(
                f"--db {safe_url(url)}: there is no store at {path}: check the path, or "
                "create the store with `trialwatch import FOLDER` or `trialwatch demo`"
            )
    elif not path.parent.is_dir() and (args.db or os.environ.get("TRIALWATCH_DB")):
        # A new store goes into an existing directory (only the default's data/ is made): a
        # mistyped path must not leave a stray store behind.
        what = "is a file" if path.parent.exists() else "does not exist"
        raise UsageError(
            f"--db {safe_url(url)}: the directory {path.parent} {what}: create the directory "
            "first, or give a path in an existing directory"
        )
    if path.exists() and not _is_sqlite_file(path):
        raise UsageError(
            f"--db {safe_url(url)}: {path} is not a database file: give the path of a "
            "Trialwatch store, or a new file name"
        )


def _sqlite_path(url: str) -> Path | None:
    """The file of a sqlite:/// URL (None: another backend, in memory, or not a URL)."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    rest = url[len(prefix) :].split("?", 1)[0]
    return Path(rest) if rest and rest != ":memory:" else None


def _is_sqlite_file(path: Path) -> bool:
    """An empty file (a new store) or one that starts with SQLite's header."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        raise UsageError(
            f"--db {path}: the store file cannot be read (no permission): give a store you can read"
        ) from None
    return head == b"" or head == b"SQLite format 3\x00"


def explain_failure(e: BaseException, args) -> str | None:
    """A one-line message naming what to fix for a failure caused by the input (a bad --db URL,
    a store that cannot be opened or reached, an --out that cannot be written); None for a
    failure that is not the input's."""
    from sqlalchemy import exc as sa_exc

    try:
        url = get_settings(args.db).db_url
    except Exception:  # noqa: BLE001
        url = str(args.db)
    db = f"--db {safe_url(url)}"
    example = "e.g. sqlite:///data/trialwatch.sqlite or postgresql+psycopg://USER:PASSWORD@HOST/DB"
    if isinstance(e, sa_exc.NoSuchModuleError):
        return f"{db}: unknown kind of database: use a sqlite:/// or postgresql+psycopg:// URL"
    if isinstance(e, sa_exc.ArgumentError) or (isinstance(e, ValueError) and "://" not in url):
        return f"{db}: not a database URL: {example}"
    if isinstance(e, sa_exc.DBAPIError):
        cause = _first_line(e.orig) if e.orig is not None else _first_line(e)
        if _sqlite_path(url) is not None:
            if "not a database" in cause:
                return f"{db}: the file is not a database: give the path of a Trialwatch store"
            if "readonly" in cause or "read-only" in cause:
                return f"{db}: the store cannot be written (read-only): give a store you can write"
            return f"{db}: the store cannot be opened ({cause}): give a file path you can write"
        if "password" in cause or "authentication" in cause:
            return f"{db}: the server refused the user or password: check them in the URL"
        if "does not exist" in cause:
            return f"{db}: {cause}: create the database or correct its name in the URL"
        if isinstance(e, (sa_exc.OperationalError, sa_exc.InterfaceError)):
            return (
                f"{db}: the database server cannot be reached ({cause}): check the host and "
                "port, and that the server is running"
            )
        return None
    if isinstance(e, ValueError) and _sqlite_path(url) is None and "://" in url:
        try:
            from sqlalchemy.engine import make_url

            make_url(url).port  # noqa: B018 -- a malformed port fails here
        except Exception:  # noqa: BLE001
            return f"{db}: not a database URL (its host or port cannot be read): {example}"
    if (
        isinstance(e, OSError)
        and getattr(args, "out", None) is not None
        and e.filename
        and (Path(e.filename) == Path(args.out))
    ):
        return f"--out {args.out}: cannot be written ({e.strerror}): give a file you can write"
    if isinstance(e, PermissionError) and e.filename:
        return f"{e.filename}: no permission ({e.strerror}): give a path you can write"
    return None


def _demo(args) -> int:
    viewer = _viewer(args)
    door.open_store(viewer, door.LOAD_REGISTER, args.db)  # refused before any work
    t0 = time.perf_counter()
    print(f"Building the synthetic {args.scale} register (seed {args.seed})...", file=sys.stderr)
    extract = generate(args.scale, args.seed)
    t1 = time.perf_counter()
    if args.write_extract:
        write_extract(extract, Path(args.write_extract))
    with TerminalProgress("Loading") as progress:
        loaded = door.load_register(
            viewer,
            extract,
            source_path=f"demo:{args.scale}:{args.seed}",
            db_url=args.db,
            progress=progress,
        )
    persons = extract.frames["job_seekers"].height

    store = door.open_store(viewer, door.LOAD_PUBLISHED, args.db)
    print(load_demo_series(store.engine), file=sys.stderr)
    print(
        f"Demo store ready: {persons:,} persons, as of {extract.as_of}, "
        f"batch {loaded.batch.batch_id} in {safe_url(loaded.url)} (generate {t1 - t0:.1f} s, "
        f"load {loaded.load_seconds:.1f} s, analytic snapshot {loaded.snapshot_seconds:.1f} s).",
        file=sys.stderr,
    )
    return 0


def _import(args) -> int:
    viewer = _viewer(args)
    door.open_store(viewer, door.LOAD_REGISTER, args.db)  # refused before any work
    t0 = time.perf_counter()
    try:
        with TerminalProgress("Loading") as progress:
            loaded = door.import_folder(viewer, args.folder, db_url=args.db, progress=progress)
    except ExtractError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    except door.LoadFailed as e:  # the transaction rolled back: say so, with the cause
        return _rolled_back(str(args.folder), e.cause)
    batch = loaded.batch
    same = f" (identical to batch {batch.same_as_batch})" if batch.same_as_batch else ""
    print(
        f"Imported {args.folder} as batch {batch.batch_id}{same}, as of {batch.as_of}, "
        f"in {time.perf_counter() - t0:.1f} s.",
        file=sys.stderr,
    )
    return 0


def _indicators(args) -> int:
    by = tuple(d.strip() for d in args.by.split(",") if d.strip()) if args.by else ()
    kw = dict(
        by=by,
        groups=tuple(args.groups),
        match=args.match,
        month_from=args.month_from,
        month_to=args.month_to,
        where=parse_where(args.where),
    )
    if args.min_count is not None:
        kw["min_count"] = args.min_count
    query = default_query(args.indicator, **kw)
    try:
        df = Reader(_viewer(args), args.db).indicator(query)
    except NoData as e:
        raise UsageError(str(e)) from None
    if args.ci:
        if INDICATORS[query.indicator].kind != "rate":
            raise IndicatorError(f"--ci applies to rates; {query.indicator} is not a rate.")
        df = with_wilson(df)
    write_table(df, args.format, args.out)
    _exported(args, df.height)
    return 0


def parse_where(items: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`--where DIM=V1,V2` options as a query's where clause. A dimension named twice keeps
    the values both allow."""
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        dim, sep, values = item.partition("=")
        dim = dim.strip()
        vals = tuple(v.strip() for v in values.split(",") if v.strip())
        if not sep or not dim or not vals:
            raise IndicatorError(f"--where {item!r}: write it as DIM=VALUE[,VALUE...].")
        if dim not in ALL_DIMS:
            raise IndicatorError(
                f"Unknown dimension '{dim}' in --where. Choose from: {', '.join(ALL_DIMS)}."
            )
        if dim in out:
            vals = tuple(v for v in out[dim] if v in set(vals))
        out[dim] = vals
    return tuple(out.items())


def _effect(args) -> int:
    validate_groups(tuple(args.groups), args.match)
    settings = get_settings(args.db)
    cohort = Cohort(tuple(args.groups), args.match, settings.youth_age)
    min_count = settings.min_count if args.min_count is None else args.min_count
    if min_count < 0:
        raise UsageError(f"--min-count {min_count}: the threshold is 0 or more.")
    try:
        df = Reader(_viewer(args), args.db).effect(cohort, args.by, min_count)
    except NoData as e:
        raise UsageError(str(e)) from None
    write_table(df, args.format, args.out)
    _exported(args, df.height)
    return 0


# ---------------------------------------------------------------------------------------------
# --as: whose rights a command runs with, and what the audit trail records of it


def _viewer(args):
    """The viewer a command reads as: the operator (full access) without --as, else the user
    the store holds for that subject (no user: no figures, refused with exit 3)."""
    subject = getattr(args, "as_subject", None)
    if subject is None:
        return FULL_ACCESS
    if not getattr(args, "_viewer", None):
        args._viewer = viewer_for_subject(subject, args.db)
    return args._viewer


def _target(args) -> str:
    sub = getattr(args, "published_command", None) or getattr(args, "users_command", None)
    return f"{args.command} {sub}" if sub else args.command


def _params(args) -> dict:
    """The command's parameters, for the audit trail (not the store URL, which may hold a
    password, nor --as, which is the row's subject)."""
    skip = {"db", "as_subject", "command", "_viewer", "published_command", "users_command"}
    out = {}
    for key, value in sorted(vars(args).items()):
        if key in skip or value is None or value == [] or value is False:
            continue
        out[key] = [str(v) for v in value] if isinstance(value, list | tuple) else (
            value if isinstance(value, int | float | str | bool) else str(value)
        )  # fmt: skip
    return out


def _exported(args, rows: int) -> None:
    """A table answered with --as or written with --out: an `export` row in the audit trail."""
    if getattr(args, "as_subject", None) is None and getattr(args, "out", None) is None:
        return
    door.record(_viewer(args), "export", _target(args), _params(args), rows, args.db)


def _refused(args, e: Refused) -> int:
    """A request beyond the user's rights: a `refused` row in the audit trail, the rule on
    standard error, exit 3."""
    viewer = _viewer(args)
    door.record(
        viewer, "refused", _target(args), {**_params(args), "reason": str(e)}, None, args.db
    )
    message = str(e)
    if isinstance(e, NoAccess) and viewer.subject:
        message = (
            f"{viewer.subject} is not a user (or was removed): an admin adds them with "
            "`trialwatch users add`"
        )
    return _say(f"not permitted: {message}", EXIT_NOT_PERMITTED)


def write_table(df, fmt: str, out: Path | None) -> None:
    """Write an indicator table as csv, parquet or json (a list of records). In CSV, a text cell
    beginning with a formula character gets a leading single quote (lib/figures/exports.py)."""
    # The table is made in memory and written by Python, which reports every failure of the
    # write (Polars' own file writers let a full disk pass silently).
    if fmt == "csv":
        data = neutralise_formulas(df).write_csv().encode("utf-8")
    elif fmt == "json":
        data = (df.write_json() + "\n").encode("utf-8")
    else:
        buf = io.BytesIO()
        df.write_parquet(buf)
        data = buf.getvalue()
    try:
        if out is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            with open(out, "wb") as f:
                f.write(data)
    except OSError as e:
        if out is None or _is_closed_pipe(e):
            raise
        raise UsageError(
            f"--out {out}: cannot be written ({_first_line(e)}): give a file in a directory "
            "you can write, on a disk with room"
        ) from None


def _history(args) -> int:
    for b in door.history(_viewer(args), args.db):
        same = f" same as {b.same_as_batch}" if b.same_as_batch else ""
        print(f"{b.batch_id}\t{b.loaded_at:%Y-%m-%d %H:%M}\tas of {b.as_of}\t{b.source_path}{same}")
    return 0


def _published(args) -> int:
    what = door.READ_PUBLISHED if args.published_command == "list" else door.LOAD_PUBLISHED
    store = door.open_store(_viewer(args), what, args.db)
    engine, url = store.engine, store.url
    if args.published_command == "list":
        loads = storage.current_loads(engine)
        if not loads:
            print("No published statistics loaded: run `trialwatch published import FILE...`.")
            return 0
        cov = storage.coverage(engine)
        for table_id, load in sorted(loads.items()):
            rows = cov.filter(cov["table_id"] == table_id)
            months = storage.period_text(table_id, load.first_month, load.last_month)
            print(
                f"{table_id}\t{months}\t{load.rows:,} cells\tload {load.load_id} "
                f"{load.loaded_at:%Y-%m-%d %H:%M}\t{', '.join(rows['measure'].to_list())}"
            )
        return 0
    t0 = time.perf_counter()
    try:
        if args.published_command == "fetch":
            client = fetch.PxWebClient(args.url or get_settings().pxweb_url)
            files = [fetch.fetch_table(client, args.table, month_from=args.month_from)]
        else:
            files = readers.read_published_files(args.files)
    except readers.PublishedError as e:
        print(str(e), file=sys.stderr)
        return EXIT_REFUSED
    except fetch.FetchError as e:
        print(f"trialwatch: {e}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        loads = storage.replace_published(engine, files)
    except Exception as e:  # the transaction rolled back: say so, with the cause
        return _rolled_back("the published files", e)
    for f in files:
        if f.ignored:
            print(f"{f.file}: not read (not a measure Trialwatch uses): {', '.join(f.ignored)}",
                  file=sys.stderr)  # fmt: skip
    for load in loads:
        same = f" (identical to load {load.same_as_load})" if load.same_as_load else ""
        print(
            f"Loaded published table {load.table_id}: {load.rows:,} cells, "
            f"{storage.period_text(load.table_id, load.first_month, load.last_month)}, "
            f"as load {load.load_id}{same}.",
            file=sys.stderr,
        )
    what = f"{args.table} from the PxWeb API" if args.published_command == "fetch" else (
        f"{len(files)} file(s)"
    )  # fmt: skip
    print(
        f"Imported {what} into {safe_url(url)} in {time.perf_counter() - t0:.1f} s.",
        file=sys.stderr,
    )
    return 0


def _rolled_back(what: str, cause: Exception) -> int:
    """A load that failed inside its transaction: the store is as it was; say so, with why."""
    print(
        f"trialwatch: loading {what} failed and was rolled back; the store is unchanged. "
        f"Cause: {cause}",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    raise SystemExit(main())


# ---------------------------------------------------------------------------------------------
# Users and the audit trail


def _admin_or_refuse(engine, args, target: str, detail: dict) -> str | None:
    """Who is asking: the operator (no --as) or an admin user; None (refused, recorded, said)
    when --as names someone who is not an admin."""
    subject = getattr(args, "as_subject", None)
    if subject is None:
        return audit.OPERATOR
    user = users.get_user(engine, subject)
    if user is not None and user.role == "admin":
        return user.subject
    who = subject.strip().lower()
    article = "an" if user is not None and user.role[0] in "aeiou" else "a"
    rule = "not a user" if user is None else f"{article} {user.role} user"
    audit.record(engine, subject=who, action="refused", target=target, detail=detail)
    print(
        f"trialwatch: not permitted: {target} is for admin users only; {who} is {rule}.",
        file=sys.stderr,
    )
    return None


def _users(args) -> int:
    engine = door.open_store(FULL_ACCESS, door.MANAGE_USERS, args.db).engine
    command = f"users {args.users_command}"
    detail = {k: v for k, v in vars(args).items() if k in ("subject", "role", "areas",
              "municipalities", "name", "format") and v not in (None, "")}  # fmt: skip
    who = _admin_or_refuse(engine, args, command, detail)
    if who is None:
        return EXIT_NOT_PERMITTED
    try:
        if args.users_command == "list":
            found = users.list_users(engine)
            _write_records([u.as_record() for u in found], args.format,
                           ("subject", "role", "areas", "municipalities", "name"))  # fmt: skip
            return 0
        if args.users_command == "add":
            areas, munis = users.register_places(engine)
            user, created = users.add_user(
                engine,
                args.subject,
                role=args.role,
                areas=tuple(args.areas.split(",")),
                municipalities=tuple(args.municipalities.split(",")),
                name=args.name,
                known_areas=areas,
                known_municipalities=munis,
            )
            done = "added" if created else "updated"
        else:
            user = users.remove_user(engine, args.subject)
            done = "removed"
    except users.UserError as e:
        print(f"trialwatch: {e}", file=sys.stderr)
        return EXIT_REFUSED
    audit.record(engine, subject=who, action="user_change", target=command,
                 detail={**detail, "subject": user.subject}, rows=1)  # fmt: skip
    print(f"User {user.subject} {done} ({user.role}).", file=sys.stderr)
    return 0


def _audit(args) -> int:
    engine = door.open_store(FULL_ACCESS, door.READ_AUDIT, args.db).engine
    detail = {k: str(v) for k, v in (("since", args.since), ("user", args.user)) if v}
    if _admin_or_refuse(engine, args, "audit", detail) is None:
        return EXIT_NOT_PERMITTED
    found = audit.events(engine, since=args.since, subject=args.user)
    _write_records([e.as_record() for e in found], args.format,
                   ("at", "subject", "action", "target", "detail", "rows"))  # fmt: skip
    return 0


def _write_records(records: list[dict], fmt: str, columns: tuple[str, ...]) -> None:
    """Records to standard output as CSV (header first, each cell by the exports' formula rule)
    or a JSON list."""
    if fmt == "json":
        sys.stdout.write(json.dumps(records, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: neutralise_cell(v) for k, v in r.items()} for r in records)
