"""The sidebar's selection as a value: `FilterState`, its URL form and the queries it makes.

Pure: no Streamlit. `FilterOptions` says what the loaded extract offers (trials, trial areas,
municipalities, months); `FilterState` is what the user picked, frozen and hashable. The state
turns into indicator queries (`to_query`), into URL parameters and back (`to_params`,
`from_params`: a bad or stale value is dropped with a notice, never an error), and into words
(`describe`) for captions and the metadata written into every download.

URL parameters (a parameter at its default is left out, so a plain link is the default view):

    trial=FI-KUNTAKOKEILU       the trial (default: the earliest)
    area=TA01,TA02              trial areas (default: all of the trial's)
    muni=091,049                municipalities (default: all of the chosen areas')
    from=2021-03  to=2024-06    the period (default: the trial's months up to as_of)
    group=youth,older match=any groups, and whether a person must be in all of them or any
    gender=F  age=<25,25-34  language=sv  edu=basic    person filters (default: everyone)
    comparison=0                hide the comparison municipalities (default: shown)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from lib.engine.access import Facts, default_query
from lib.engine.indicators import AGE_BANDS, GROUPS, INDICATORS, Query
from lib.engine.months import month_label_of_date, month_range
from lib.figures.format import collation_key, format_period
from lib.figures.i18n import N_, t
from lib.published.comparison import region_names_sv
from lib.register.contract import EDUCATIONS, GENDERS, LANGUAGES

# The keys this module computes: person filters, their values, groups, notices,
# written out for the catalogue's extraction.
_LABEL_KEYS = (
    N_("filter.gender"),
    N_("filter.age_band"),
    N_("filter.language"),
    N_("filter.education"),
    N_("group.long_term_unemployed"),
    N_("group.very_long_term_unemployed"),
    N_("group.repeatedly_unemployed"),
    N_("group.youth"),
    N_("group.older"),
    N_("group.foreign"),
    N_("group.reduced_work_capacity"),
    N_("group.newly_arrived"),
    N_("value.gender.F"),
    N_("value.gender.M"),
    N_("value.gender.X"),
    N_("value.age_band.<25"),
    N_("value.age_band.25-34"),
    N_("value.age_band.35-44"),
    N_("value.age_band.45-54"),
    N_("value.age_band.55+"),
    N_("value.language.fi"),
    N_("value.language.sv"),
    N_("value.language.other"),
    N_("value.education.basic"),
    N_("value.education.upper_secondary"),
    N_("value.education.tertiary"),
    N_("value.education.unknown"),
    N_("notice.param.trial"),
    N_("notice.param.area"),
    N_("notice.param.muni"),
    N_("notice.param.group"),
    N_("notice.param.gender"),
    N_("notice.param.age_band"),
    N_("notice.param.language"),
    N_("notice.param.education"),
    N_("notice.param.match"),
    N_("notice.param.comparison"),
    N_("notice.param.month"),
    N_("notice.param.month_outside"),
    N_("notice.param.period"),
    N_("notice.param.page"),
)

MONTH_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")

# URL parameter name of each FilterState field.
PARAMS = {
    "trial": "trial",
    "areas": "area",
    "municipalities": "muni",
    "month_from": "from",
    "month_to": "to",
    "groups": "group",
    "match": "match",
    "gender": "gender",
    "age_band": "age",
    "language": "language",
    "education": "edu",
    "comparison": "comparison",
}
PERSON_FIELDS = ("gender", "age_band", "language", "education")
PERSON_VALUES = {
    "gender": GENDERS,
    "age_band": AGE_BANDS,
    "language": LANGUAGES,
    "education": EDUCATIONS,
}
SELECTION = "selection"
COMPARISON = "comparison"
WHOLE_TRIAL = "trial"
NO_GEO = "none"


# ---------------------------------------------------------------------------------------------
# What the extract offers


@dataclass(frozen=True)
class TrialOption:
    id: str
    name: str
    start_month: str
    end_month: str | None


@dataclass(frozen=True)
class AreaOption:
    id: str
    trial_id: str
    name: str


@dataclass(frozen=True)
class MunicipalityOption:
    code: str
    name: str
    name_sv: str | None
    region: str
    area_id: str | None  # None: a comparison municipality
    population: int | None = None

    def label(self, lang: str = "en") -> str:
        """The name in the user's language (Swedish name where there is one)."""
        return (self.name_sv or self.name) if lang == "sv" else self.name

    def search_label(self, lang: str = "en") -> str:
        """The name with the other language's name beside it, so either can be typed."""
        first = self.label(lang)
        other = self.name if lang == "sv" else self.name_sv
        return f"{first} ({other})" if other and other != first else first

    def matches(self, query: str) -> bool:
        """Whether a typed search finds this municipality (`name_matches`, either name)."""
        return name_matches(query, self.name, self.name_sv or "")


def fold(text: str) -> str:
    """Text for matching: lower case, accents dropped (ä -> a, å -> a, é -> e)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_WORD_START = re.compile(r"(?:^|[\s\-(/.,])(\w)")


def name_matches(query: str, *names: str) -> bool:
    """A search that finds what a person means: the start of a name or of a word in it ("koski"
    finds Koski Tl and Mänttä-Vilppula's "vilp", "helsingf" finds Helsinki by its Swedish name),
    accent-insensitive ("hameen" finds Hämeenlinna). Not a loose in-order match: "Koko" does not
    find Kannonkoski. An empty query finds everything."""
    q = fold(query).strip()
    if not q:
        return True
    for name in names:
        folded = fold(name)
        starts = [m.start(1) for m in _WORD_START.finditer(folded)]
        if any(folded.startswith(q, i) for i in starts):
            return True
    return False


def period_presets(opts: FilterOptions, trial_id: str | None) -> dict[str, tuple[str, str]]:
    """The periods offered with one click, key -> (first month, last month): "trial" (the
    trial's months, the default period), "last12" (the twelve months up to the extract's last,
    fewer when it holds fewer) and each calendar year "YYYY" the extract has a month of (the
    year's months that it holds)."""
    months = opts.months
    if not months:
        return {}
    first, last = months[0], months[-1]
    out = {"trial": opts.default_period(trial_id), "last12": (months[-min(12, len(months))], last)}
    for year in sorted({m[:4] for m in months}):
        out[year] = (max(f"{year}-01", first), min(f"{year}-12", last))
    return out


@dataclass(frozen=True)
class FilterOptions:
    """What the loaded extract offers to filter by."""

    trials: tuple[TrialOption, ...]
    areas: tuple[AreaOption, ...]
    municipalities: tuple[MunicipalityOption, ...]
    first_month: str
    last_month: str

    @property
    def months(self) -> list[str]:
        return month_range(self.first_month, self.last_month)

    def trial(self, trial_id: str | None) -> TrialOption | None:
        return next((x for x in self.trials if x.id == trial_id), None)

    def areas_of(self, trial_id: str | None) -> list[AreaOption]:
        return [a for a in self.areas if a.trial_id == trial_id]

    def area_names(self) -> dict[str, str]:
        return {a.id: a.name for a in self.areas}

    def all_area_ids(self) -> list[str]:
        return sorted(a.id for a in self.areas)

    def municipality(self, code: str) -> MunicipalityOption | None:
        return self._by_code().get(code)

    def _by_code(self) -> dict[str, MunicipalityOption]:
        return {m.code: m for m in self.municipalities}

    def municipalities_of(
        self, trial_id: str | None, area_ids: tuple[str, ...] = ()
    ) -> list[MunicipalityOption]:
        """The trial's municipalities (of `area_ids` if any are given), sorted by name."""
        areas = set(area_ids) or {a.id for a in self.areas_of(trial_id)}
        return sorted(
            (m for m in self.municipalities if m.area_id in areas),
            key=lambda m: collation_key(m.name, "fi"),
        )

    def municipality_names(self, lang: str = "en") -> dict[str, str]:
        return {m.code: m.label(lang) for m in self.municipalities}

    def default_period(self, trial_id: str | None) -> tuple[str, str]:
        """The trial's months up to the last complete month of the extract."""
        trial = self.trial(trial_id)
        first, last = self.first_month, self.last_month
        if trial is not None:
            first = min(max(trial.start_month, first), last)
            if trial.end_month:
                last = max(min(trial.end_month, last), first)
        return first, last

    def default_state(self) -> FilterState:
        trial = self.trials[0].id if self.trials else None
        month_from, month_to = self.default_period(trial)
        return FilterState(trial=trial, month_from=month_from, month_to=month_to)


def options_from_facts(facts: Facts) -> FilterOptions:
    """The FilterOptions of the loaded extract's reference facts (a Reader's `facts()`)."""
    trials = []
    for row in facts.trials.sort("start_date", "trial_id").iter_rows(named=True):
        start, end = row["start_date"], row.get("end_date")
        trials.append(
            TrialOption(
                id=row["trial_id"],
                name=row["name"],
                start_month=month_label_of_date(start),
                end_month=month_label_of_date(end) if end else None,
            )
        )
    areas = tuple(
        AreaOption(r["trial_area_id"], r["trial_id"], r["name"])
        for r in facts.trial_areas.sort("trial_area_id").iter_rows(named=True)
    )
    munis = tuple(
        MunicipalityOption(
            code=r["municipality_code"],
            name=r["name"],
            name_sv=r.get("name_sv"),
            region=r["region"],
            area_id=r.get("trial_area_id"),
            population=r.get("population"),
        )
        for r in facts.municipalities.sort("municipality_code").iter_rows(named=True)
    )
    return FilterOptions(
        trials=tuple(trials),
        areas=areas,
        municipalities=munis,
        first_month=facts.first_month,
        last_month=facts.last_month,
    )


# ---------------------------------------------------------------------------------------------
# The selection


@dataclass(frozen=True)
class FilterState:
    """What the user picked in the sidebar. Empty tuples mean 'all'."""

    trial: str | None = None
    areas: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    month_from: str | None = None
    month_to: str | None = None
    groups: tuple[str, ...] = ()
    match: str = "all"
    gender: tuple[str, ...] = ()
    age_band: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    education: tuple[str, ...] = ()
    comparison: bool = True

    # --- geography -----------------------------------------------------------------------

    def geo_where(self, opts: FilterOptions, side: str = SELECTION) -> tuple:
        """The geographic `where` of a query: the selection, the whole trial, or the
        comparison municipalities."""
        if side == COMPARISON:
            return (("trial_or_comparison", ("comparison",)),)
        if side == SELECTION and self.municipalities:
            return (("municipality_code", tuple(self.municipalities)),)
        if side == SELECTION and self.areas:
            return (("trial_area_id", tuple(self.areas)),)
        trial_areas = [a.id for a in opts.areas_of(self.trial)]
        if len(trial_areas) == len(opts.areas):
            return (("trial_or_comparison", ("trial",)),)
        return (("trial_area_id", tuple(trial_areas)),)

    def selected_area_ids(self, opts: FilterOptions) -> list[str]:
        """The trial areas in view: those picked, those of the picked municipalities, or all."""
        if self.municipalities:
            ids = {m.area_id for m in opts.municipalities if m.code in self.municipalities}
            return sorted(a for a in ids if a)
        return list(self.areas) or [a.id for a in opts.areas_of(self.trial)]

    def selected_municipalities(self, opts: FilterOptions) -> list[MunicipalityOption]:
        if self.municipalities:
            return [m for m in opts.municipalities_of(self.trial) if m.code in self.municipalities]
        return opts.municipalities_of(self.trial, self.areas)

    @property
    def whole_trial(self) -> bool:
        return not self.areas and not self.municipalities

    # --- persons -------------------------------------------------------------------------

    def person_where(self) -> tuple:
        return tuple((f, tuple(getattr(self, f))) for f in PERSON_FIELDS if getattr(self, f))

    # --- queries -------------------------------------------------------------------------

    def to_query(
        self,
        opts: FilterOptions,
        indicator: str,
        by: tuple[str, ...] = ("month",),
        *,
        side: str = SELECTION,
        where: tuple = (),
        period: tuple[str | None, str | None] | None = None,
        persons: bool = True,
        groups: tuple[str, ...] | None = None,
        match: str | None = None,
        base: Callable[..., Query] | None = None,
    ) -> Query:
        """The indicator query for this selection.

        side: SELECTION (the sidebar's areas and municipalities), WHOLE_TRIAL, COMPARISON, or
        NO_GEO (only `where` says where). where: extra (dimension, values) filters. period:
        (from, to) instead of the sidebar's. Groups and person filters are applied only where
        the indicator counts persons (and `persons` is true); `groups`/`match` replace the
        sidebar's groups. `not_applied` says which filters were left out.
        """
        base = base or default_query
        month_from, month_to = period if period is not None else (self.month_from, self.month_to)
        person_level = INDICATORS[indicator].per_person
        kw: dict = {}
        geo = () if side == NO_GEO else self.geo_where(opts, side)
        extra = tuple(where)
        if person_level and persons:
            extra = self.person_where() + extra
            chosen = self.groups if groups is None else tuple(groups)
            if chosen:
                kw.update(groups=tuple(chosen), match=match or self.match)
        return base(
            indicator,
            by=tuple(by),
            where=_merge_where(geo, extra),
            month_from=month_from,
            month_to=month_to,
            **kw,
        )

    def not_applied(self, indicator: str) -> list[str]:
        """The filters in force that do not apply to `indicator` (staff, employer contacts)."""
        if INDICATORS[indicator].per_person:
            return []
        out = []
        if self.groups:
            out.append(t("filter.groups"))
        for f in PERSON_FIELDS:
            if getattr(self, f):
                out.append(t(f"filter.{f}"))
        return out

    # --- URL -----------------------------------------------------------------------------

    def to_params(self, opts: FilterOptions) -> dict[str, str]:
        """The URL parameters of this state: only those that differ from the default."""
        default = opts.default_state()
        trial_default = replace(default, trial=self.trial)
        period_from, period_to = opts.default_period(self.trial)
        out: dict[str, str] = {}
        if self.trial != default.trial and self.trial is not None:
            out[PARAMS["trial"]] = self.trial
        for name in ("areas", "municipalities", "groups", *PERSON_FIELDS):
            values = getattr(self, name)
            if values:
                out[PARAMS[name]] = ",".join(values)
        if self.month_from and self.month_from != period_from:
            out[PARAMS["month_from"]] = self.month_from
        if self.month_to and self.month_to != period_to:
            out[PARAMS["month_to"]] = self.month_to
        if self.groups and self.match != trial_default.match:
            out[PARAMS["match"]] = self.match
        if not self.comparison:
            out[PARAMS["comparison"]] = "0"
        return out

    @classmethod
    def from_params(
        cls, params: Mapping[str, str | list[str]], opts: FilterOptions
    ) -> tuple[FilterState, list[str]]:
        """The state a URL describes, and a notice for every value that had to be dropped.

        Unknown parameter names are ignored (other pages have their own)."""
        notices: list[str] = []
        state = opts.default_state()

        def value(name: str) -> str | None:
            raw = params.get(PARAMS[name])
            if isinstance(raw, list | tuple):
                raw = ",".join(str(r) for r in raw)
            return None if raw is None else str(raw).strip()

        raw = value("trial")
        if raw:
            if opts.trial(raw) is None:
                notices.append(t("notice.param.trial", value=raw))
            else:
                period = opts.default_period(raw)
                state = replace(state, trial=raw, month_from=period[0], month_to=period[1])

        def pick(name: str, allowed, label_key: str) -> tuple[str, ...]:
            raw = value(name)
            if not raw:
                return ()
            items = [v.strip() for v in raw.split(",") if v.strip()]
            allowed = list(allowed)
            kept = tuple(dict.fromkeys(v for v in items if v in allowed))
            dropped = [v for v in items if v not in allowed]
            if dropped:
                notices.append(t(label_key, values=", ".join(dropped)))
            return kept

        area_ids = [a.id for a in opts.areas_of(state.trial)]
        areas = pick("areas", area_ids, "notice.param.area")
        muni_codes = [m.code for m in opts.municipalities_of(state.trial, areas)]
        munis = pick("municipalities", muni_codes, "notice.param.muni")
        groups = pick("groups", GROUPS, "notice.param.group")
        person = {f: pick(f, PERSON_VALUES[f], f"notice.param.{f}") for f in PERSON_FIELDS}
        state = replace(state, areas=areas, municipalities=munis, groups=groups, **person)

        raw = value("match")
        if raw:
            if raw in ("all", "any"):
                state = replace(state, match=raw)
            else:
                notices.append(t("notice.param.match", value=raw))

        raw = value("comparison")
        if raw:
            if raw in ("0", "1"):
                state = replace(state, comparison=raw == "1")
            else:
                notices.append(t("notice.param.comparison", value=raw))

        month_from, month_to = state.month_from, state.month_to
        for name in ("month_from", "month_to"):
            raw = value(name)
            if not raw:
                continue
            if not MONTH_RE.fullmatch(raw):
                notices.append(t("notice.param.month", value=raw))
                continue
            clamped = min(max(raw, opts.first_month), opts.last_month)
            if clamped != raw:
                notices.append(t("notice.param.month_outside", value=raw, month=clamped))
            if name == "month_from":
                month_from = clamped
            else:
                month_to = clamped
        if month_from and month_to and month_from > month_to:
            notices.append(t("notice.param.period", start=month_from, end=month_to))
            month_from, month_to = opts.default_period(state.trial)
        state = replace(state, month_from=month_from, month_to=month_to)
        return state, notices

    def sanitized(self, opts: FilterOptions) -> FilterState:
        """The state with every value the extract no longer offers dropped (e.g. after a new
        import), and the period inside the extract's months."""
        params = self.to_params(opts)
        # a state's own values round-trip; what the extract lacks is dropped
        state, _ = FilterState.from_params(params, opts)
        return state

    # --- words ---------------------------------------------------------------------------

    def describe(self, opts: FilterOptions, lang: str = "en") -> list[tuple[str, str]]:
        """The selection in words, one (label, value) pair per filter, for captions and
        the metadata of downloads."""
        trial = opts.trial(self.trial)
        names = opts.area_names()
        munis = opts.municipality_names(lang)
        everyone = t("filter.all")
        out = [
            (t("filter.trial"), trial.name if trial else everyone),
            (
                t("filter.areas"),
                ", ".join(names.get(a, a) for a in self.areas) if self.areas else everyone,
            ),
            (
                t("filter.municipalities"),
                ", ".join(munis.get(m, m) for m in self.municipalities)
                if self.municipalities
                else everyone,
            ),
            (
                t("filter.period"),
                format_period(self.month_from, self.month_to)
                if self.month_from and self.month_to
                else everyone,
            ),
            (t("filter.groups"), group_text(self.groups, self.match) if self.groups else everyone),
        ]
        for f in PERSON_FIELDS:
            values = getattr(self, f)
            out.append((t(f"filter.{f}"), ", ".join(value_label(f, v) for v in values) or everyone))
        out.append(
            (t("filter.comparison"), t("filter.shown") if self.comparison else t("filter.hidden"))
        )
        return out

    def summary(self, opts: FilterOptions, lang: str = "en") -> str:
        """A one-line summary of the filters that differ from 'all' (for captions)."""
        everyone = t("filter.all")
        skip = {t("filter.trial"), t("filter.comparison")}
        parts = [
            f"{k}: {v}" for k, v in self.describe(opts, lang) if v != everyone and k not in skip
        ]
        return " · ".join(parts)


def group_text(groups: tuple[str, ...], match: str) -> str:
    names = [t(f"group.{g}") for g in groups]
    if len(names) == 1:
        return names[0]
    joiner = t("filter.match.all_join") if match == "all" else t("filter.match.any_join")
    return joiner.join(names)


def region_label(name: str, lang: str = "en") -> str:
    """A region (maakunta) in the reader's language: the store keys regions by their Finnish
    name; Swedish readers get the landskap's name from Statistics Finland's keys (Uusimaa ->
    Nyland), and a name the keys do not know stays as it is."""
    if lang != "sv" or not name:
        return name
    return region_names_sv().get(name, name)


def value_label(field_name: str, value: str) -> str:
    """A person-filter value in words ('F' -> 'women', 'upper_secondary' -> 'upper secondary')."""
    return t(f"value.{field_name}.{value}")


def _merge_where(*parts: tuple) -> tuple:
    """Where clauses combined; a dimension named twice keeps the values both allow."""
    merged: dict[str, tuple[str, ...]] = {}
    for part in parts:
        for dim, values in part:
            values = tuple(values)
            if dim in merged:
                keep = set(values)
                values = tuple(v for v in merged[dim] if v in keep)
            merged[dim] = values
    return tuple(merged.items())


@dataclass(frozen=True)
class Selection:
    """A FilterState with the options it was checked against: what pages pass around."""

    state: FilterState
    options: FilterOptions = field(repr=False)
    lang: str = "en"

    def query(self, indicator: str, by: tuple[str, ...] = ("month",), **kw) -> Query:
        return self.state.to_query(self.options, indicator, by, **kw)
