"""Numbers, changes, months and dates as people read them, with their units.

English style: "12,345", "24.6 %", "3.5 FTE", "18.3", months "Jun 2024", dates "30 Jun 2024".
Finnish and Swedish use a narrow no-break space for thousands and a decimal comma. A number and
its unit are joined by a no-break space so they never wrap apart. A change keeps an ASCII "-"
so Streamlit's metric reads its sign; rates change in percentage points ("pp").
"""

from __future__ import annotations

import datetime as dt
import math

from lib.engine.months import year_and_month
from lib.figures.i18n import current_language, t

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: the Finnish/Swedish thousands separator
DASH = "–"  # shown for a suppressed or missing figure

# Units whose values are whole numbers of something counted.
COUNT_UNITS = ("persons", "contacts", "EUR")  # whole numbers


def _separators() -> tuple[str, str]:
    """(thousands, decimal) for the current language."""
    return (",", ".") if current_language() == "en" else (NNBSP, ",")


def format_number(value: float | None, decimals: int = 0) -> str:
    """A number with thousands separators and a fixed number of decimals; None -> '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    text = f"{value:,.{decimals}f}"
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    thousands, decimal = _separators()
    if (thousands, decimal) != (",", "."):
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)
    return text


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


def format_change(delta: float | None, unit: str) -> str | None:
    """A signed change on a previous period: '+12', '-3', '+1.2 pp', '-0.5 FTE'; None if unknown."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return None
    decimals = decimals_for(unit)
    if round(delta, decimals) == 0:
        number = format_number(0, decimals)
        sign = ""
    else:
        number = format_number(abs(delta), decimals)
        sign = "+" if delta > 0 else "-"
    if unit == "%":
        return f"{sign}{number}{NBSP}{t('unit.pp')}"
    if unit == "FTE":
        return f"{sign}{number}{NBSP}{t('unit.FTE')}"
    return f"{sign}{number}"


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


def format_month(month: str | int | dt.date) -> str:
    """'2024-06' (or a month index, or a date) -> 'Jun 2024'."""
    if isinstance(month, dt.date):
        year, mon = month.year, month.month
    else:
        year, mon = year_and_month(month)
    return f"{t(f'month.{mon}')}{NBSP}{year}"


def format_period(first: str | int, last: str | int) -> str:
    """A range of months: 'Jan–Mar 2024', 'Nov 2023–Jan 2024', or one month."""
    y1, m1 = year_and_month(first)
    y2, m2 = year_and_month(last)
    if (y1, m1) == (y2, m2):
        return format_month(first)
    if y1 == y2:
        return t("period.range", start=t(f"month.{m1}"), end=format_month(last))
    return t("period.range", start=format_month(first), end=format_month(last))


def format_date(day: dt.date | dt.datetime | None) -> str:
    """A date as '30 Jun 2024'."""
    if day is None:
        return DASH
    return f"{day.day}{NBSP}{t(f'month.{day.month}')}{NBSP}{day.year}"
