"""Numbers, changes, months and dates as people read them, with their units; names in order.

English style: "12,345", "24.6 %", "3.5 FTE", "18.3", months "Jun 2024", dates "30 Jun 2024".
Finnish and Swedish as CLDR has them, through Babel (Finland's locales fi_FI and sv_FI):
"8 664" (a no-break space between thousands), "6,2 %", months "maalis 2024" / "mars 2024",
dates "1.3.2024". Every language rounds the same way (Python's, on the value), so a figure reads
the same in all three; Babel writes the rounded digits with the language's symbols. A number
and its unit are joined by a no-break space so they never wrap apart. A change keeps an ASCII
"-" so Streamlit's metric reads its sign; rates change in percentage points ("pp"). Month names
come from CLDR, not the catalogue. Names sort by the language's alphabet (`collation_key`).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from lib.engine.months import year_and_month
from lib.figures.i18n import N_, current_language, t

# The keys `t(f"unit.{unit}")` and `t(f"unit.axis.{unit}")` compute,
# written out for the catalogue's extraction.
_UNIT_KEYS = (
    N_("unit.persons"),
    N_("unit.%"),
    N_("unit.FTE"),
    N_("unit.clients per FTE"),
    N_("unit.contacts"),
    N_("unit.contacts per client"),
    N_("unit.EUR"),
    N_("unit.axis.%"),
    N_("unit.pp"),
    N_("unit.axis.pp"),
    N_("unit.per 1,000"),
    N_("unit.axis.per 1,000"),
)

NBSP = "\u00a0"
DASH = "–"  # shown for a suppressed or missing figure

# The Babel (CLDR) locale of each language: Finland's Finnish and Finland's Swedish (whose dates
# read 1.3.2024, as Finnish ones do, where Sweden's read 2024-03-01).
BABEL_LOCALES = {"en": "en", "fi": "fi_FI", "sv": "sv_FI"}

# Units whose values are whole numbers of something counted.
COUNT_UNITS = ("persons", "contacts", "EUR")  # whole numbers


def babel_locale(lang: str | None = None) -> str:
    """The CLDR locale Babel formats `lang` (default: the current language) in."""
    return BABEL_LOCALES.get(lang or current_language(), "en")


@functools.cache
def _pattern(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def format_number(value: float | None, decimals: int = 0, lang: str | None = None) -> str:
    """A number with thousands separators and a fixed number of decimals; None -> '–'.

    Rounded once, by Python, in every language; Babel then writes those digits in the
    language (fi/sv: '12 345,6' with a no-break space; en: '12,345.6')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    rounded = f"{value:.{max(decimals, 0)}f}"
    if rounded.startswith("-") and not rounded.strip("-0."):
        rounded = rounded[1:]  # -0.0 is 0.0
    return babel_numbers.format_decimal(
        Decimal(rounded), format=_pattern(decimals), locale=babel_locale(lang)
    )


def format_general(value: float, lang: str | None = None) -> str:
    """A setting's number with as many decimals as it has ('20', '22.5'; fi/sv '22,5'), as
    Python's 'g' writes it, in the language's symbols."""
    text = f"{value:g}"
    if "e" in text or "inf" in text or "nan" in text:
        return text
    decimals = len(text.split(".")[1]) if "." in text else 0
    return format_number(value, decimals, lang)


def number_symbols(lang: str | None = None) -> tuple[str, str]:
    """(thousands, decimal) of the language, from CLDR: ('\u00a0', ',') in fi and sv."""
    loc = babel_locale(lang)
    return babel_numbers.get_group_symbol(loc), babel_numbers.get_decimal_symbol(loc)


def decimals_for(unit: str) -> int:
    return 0 if unit in COUNT_UNITS else 1


def format_value(value: float | None, unit: str) -> str:
    """A value as shown in a metric: '12,345' persons, '24.6 %', '3.5 FTE', '18.3' per FTE."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    number = format_number(value, decimals_for(unit))
    if unit == "%":
        return f"{number}{NBSP}%"
    if unit == "FTE":
        return f"{number}{NBSP}{t('unit.FTE')}"
    return number


def signed_number(delta: float, decimals: int) -> str:
    """'+1.2', '-3', and a change that rounds to zero unsigned ('0.0', never '-0.0' or
    '+0.0'), in the current language's digits."""
    if float(f"{delta:.{max(decimals, 0)}f}") == 0:
        return format_number(0, decimals)
    return ("+" if delta > 0 else "-") + format_number(abs(delta), decimals)


def format_pp(delta: float | None, decimals: int = 2) -> str:
    """A signed difference of two rates in percentage points in the reader's language:
    '+0.72 pp', '+0,72 %-enh.'; None -> '–'."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return DASH
    return f"{signed_number(delta, decimals)}{NBSP}{t('unit.pp')}"


def table_value(value: float | None, unit: str | None) -> float | None:
    """A table cell's value for an English table, whose printf format would write a negative
    value that rounds to zero (-0.04, -0.0) as '-0.0': such a value becomes 0.0 (rounded as
    `table_text` rounds: the exact value, a tie away from zero); any other is kept as it is,
    so the column sorts and reads the same."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    decimals = table_decimals(unit)
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return 0.0 if rounded == 0 else float(value)


def change_unit(unit: str) -> str:
    """The unit of a change of a figure in `unit`: a rate changes in percentage points."""
    return "pp" if unit == "%" else unit


def format_change(delta: float | None, unit: str) -> str | None:
    """A signed change on a previous period: '+12', '-3', '+1.2 pp', '-0.5 FTE'; None if unknown."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    decimals = decimals_for(unit)
    number = signed_number(delta, decimals)
    sign = ""
    if unit == "%":
        return f"{sign}{number}{NBSP}{t('unit.pp')}"
    if unit == "FTE":
        return f"{sign}{number}{NBSP}{t('unit.FTE')}"
    return f"{sign}{number}"


def table_decimals(unit: str | None) -> int:
    """The decimals of a table's cell: none for counts of persons and contacts, one otherwise
    (the rule of the English tables' column formats, lib/web/render.py)."""
    return 0 if unit in ("persons", "contacts") else 1


def table_text(
    value: float | None,
    unit: str | None,
    *,
    signed: bool = False,
    percent: bool = False,
    lang: str | None = None,
) -> str:
    """A table cell's number as written in the language, with the decimals of `table_decimals`:
    fi/sv '12\u00a0345', '24,6'; `signed` puts '+' before a rise ('+1,5', '-2', '0');
    `percent` adds ' %' (a bar column's text); None -> '–'.

    Rounded as the English tables round (the browser's toFixed: the exact value, a tie away
    from zero, so 0.25 -> 0.3 where `format_number` gives 0.2), so a table cell is the same
    figure in every language."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    decimals = table_decimals(unit)
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)  # -0.0 is 0.0
    text = babel_numbers.format_decimal(
        rounded, format=_pattern(decimals), locale=babel_locale(lang)
    )
    if signed and rounded > 0:
        text = "+" + text
    return f"{text}{NBSP}%" if percent else text


def suppressed_footnote(min_count: int) -> str:
    return t("suppressed.footnote", n=min_count)


def unit_text(unit: str) -> str:
    """A unit in words, as written in a caption ('persons', '%', 'clients per FTE')."""
    return t(f"unit.{unit}")


def axis_title(unit: str) -> str:
    """A unit as a y-axis title."""
    if unit in ("%", "pp", "per 1,000"):
        return t(f"unit.axis.{unit}")
    return t(f"unit.{unit}")


# ---------------------------------------------------------------------------------------------
# Months and dates


@functools.cache
def _month_text(year: int, mon: int, with_year: bool, lang: str) -> str:
    """CLDR's abbreviated month, stand-alone ('Jun', 'kesä', 'juni'), with its year."""
    day = dt.date(year, mon, 1)
    skeleton = "yMMM" if with_year else "MMM"
    text = babel_dates.format_skeleton(skeleton, day, locale=babel_locale(lang))
    return text.replace(" ", NBSP)


def format_month(month: str | int | dt.date) -> str:
    """'2024-06' (or a month index, or a date) -> 'Jun 2024', 'kesä 2024', 'juni 2024'."""
    if isinstance(month, dt.date):
        year, mon = month.year, month.month
    else:
        year, mon = year_and_month(month)
    return _month_text(year, mon, True, current_language())


def month_name(mon: int) -> str:
    """A month's abbreviated name alone, from CLDR ('Mar', 'maalis', 'mars')."""
    return _month_text(2000, mon, False, current_language())


def format_period(first: str | int, last: str | int) -> str:
    """A range of months: 'Jan–Mar 2024', 'Nov 2023–Jan 2024', or one month."""
    y1, m1 = year_and_month(first)
    y2, m2 = year_and_month(last)
    if (y1, m1) == (y2, m2):
        return format_month(first)
    if y1 == y2:
        return t("period.range", start=month_name(m1), end=format_month(last))
    return t("period.range", start=format_month(first), end=format_month(last))


def format_date(day: dt.date | dt.datetime | None) -> str:
    """A date as '30 Jun 2024' in English, as CLDR's short date in Finnish and Swedish
    ('30.6.2024')."""
    if day is None:
        return DASH
    if isinstance(day, dt.datetime):
        day = day.date()
    lang = current_language()
    if lang == "en":
        return f"{day.day}{NBSP}{_month_text(day.year, day.month, False, lang)}{NBSP}{day.year}"
    return babel_dates.format_date(day, "short", locale=babel_locale(lang))


# ---------------------------------------------------------------------------------------------
# Names in order

# Finnish and Swedish put å, ä and ö after z (in that order), read æ as ä, ø as ö and ü as y;
# other accents sort with their letter (é with e). English sorts every accented letter with its
# base letter. Written out here rather than read from the OS's locales, which CI lacks.
# The three letters after z take the code points after z's ('{', '|', '}'), so "Zaandam" comes
# before "Åland".
_NORDIC = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def collation_key(name: str, lang: str | None = None) -> tuple[str, str]:
    """A sort key for a name in the language's alphabetical order (fi/sv: ... x, y, z, å, ä,
    ö; en: ä with a); case and accents only break ties."""
    lang = lang or current_language()
    text = unicodedata.normalize("NFC", name).casefold()
    if lang in ("fi", "sv"):
        primary = "".join(_NORDIC.get(c, None) or _strip_accents(c) for c in text)
    else:
        primary = _strip_accents(text)
    return primary, name


# ---------------------------------------------------------------------------------------------
# Charts


@functools.cache
def _vega_locale(lang: str) -> dict:
    loc = babel_locale(lang)
    thousands, decimal = number_symbols(lang)
    months = babel_dates.get_month_names("wide", "stand-alone", loc)
    short = babel_dates.get_month_names("abbreviated", "stand-alone", loc)
    days = babel_dates.get_day_names("wide", "stand-alone", loc)
    short_days = babel_dates.get_day_names("abbreviated", "stand-alone", loc)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # d3 counts days from Sunday, CLDR from Monday
    return {
        "number": {
            "decimal": decimal,
            "thousands": thousands,
            "grouping": [3],
            "currency": ["", f"{NBSP}€"],
            "minus": "-",
        },
        "time": {
            "dateTime": "%-d.%-m.%Y %H.%M.%S",
            "date": "%-d.%-m.%Y",
            "time": "%H.%M.%S",
            "periods": ["AM", "PM"],
            "days": [days[i] for i in sunday_first],
            "shortDays": [short_days[i] for i in sunday_first],
            "months": [months[m] for m in range(1, 13)],
            "shortMonths": [short[m] for m in range(1, 13)],
        },
    }


def vega_locale(lang: str | None = None) -> dict | None:
    """The Vega-Lite `config.locale` of the language: d3's number and time locale definitions
    made from CLDR, so the charts' axes ('%b %Y', ',.1~f') and tooltips read 'maalis 2024' and
    '6,2'. None in English: Vega's own default is English already."""
    lang = lang or current_language()
    return None if lang == "en" else _vega_locale(lang)


def localized_chart(spec: dict | None) -> dict | None:
    """A Vega-Lite spec with the current language's locale in its config (a copy of the top
    level and of the config; the rest is shared)."""
    locale = vega_locale()
    if not isinstance(spec, dict) or locale is None:
        return spec
    return {**spec, "config": {**spec.get("config", {}), "locale": locale}}


# ---------------------------------------------------------------------------------------------
# How wide a text is (an estimate, for boxes that cut what does not fit)

# Streamlit's sans-serif (Source Sans) at 14 px averages about 7 px a character over Finnish,
# Swedish and English words; 7.5 leaves room for capitals and wide letters (m, w, ä).
LABEL_PX_PER_CHAR = 7.5
HEADER_EXTRA_PX = 36  # a table header's padding, sort arrow and help icon
MIN_COLUMN_PX = 64


def text_px(text: str, per_char: float = LABEL_PX_PER_CHAR) -> int:
    """The estimated width in pixels of a one-line text."""
    return math.ceil(per_char * len(text))


def column_px(label: str) -> int:
    """A table column wide enough for its header: for columns whose values are shorter than
    their heading (numbers, months, flags), which the table would otherwise size to the
    values and cut the heading ('Clients / F')."""
    return max(MIN_COLUMN_PX, text_px(label) + HEADER_EXTRA_PX)


def texts(values: pl.Series, fn: Callable[[Any], str], name: str | None = None) -> pl.Series:
    """`fn` of every value as a String Series (null stays null), each distinct value once.

    Made here, on the session's thread, never by Polars' `map_elements` or `map_batches`: their
    callback runs on a Polars pool thread, which must take the GIL, and another session's
    thread may hold the GIL in a Polars call that waits for that pool. Ten sessions on one
    server deadlocked so (tests/test_architecture.py keeps Python callbacks out of queries)."""
    seen: dict[Any, str] = {}
    out = []
    for v in values.to_list():
        if v is None:
            out.append(None)
        else:
            if v not in seen:
                seen[v] = fn(v)
            out.append(seen[v])
    return pl.Series(name or values.name, out, dtype=pl.String)
