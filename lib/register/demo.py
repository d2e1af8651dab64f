"""The synthetic demo register: a Finnish-style municipal employment trial with a known effect.

`generate(scale, seed)` simulates job seekers month by month (vectorised NumPy) over 2019-01 ..
2024-06, calibrated to published Finnish facts (the municipal stock of unemployed job seekers of
Statistics Finland's table 12r5, activation rate, coaching outcomes, staffing), and returns a
validated-shape `Extract`. Everything is synthetic; docs/demo_register.md documents every choice,
every calibration target and the built-in trial effect (EFFECT_AREAS, EFFECT_PP_*).

Pure: the only I/O is reading the shipped reference tables under data/reference/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import polars as pl

from lib.register.contract import SERVICE_TYPES, STATUSES, Extract, polars_schema
from lib.settings import REFERENCE_DIR

# --- The trial -------------------------------------------------------------------------------
TRIAL_ID = "FI-KUNTAKOKEILU"
TRIAL_NAME = "Municipal employment trials (synthetic demo)"
TRIAL_COUNTRY = "FI"
TRIAL_START = dt.date(2021, 3, 1)
TRIAL_END = dt.date(2024, 12, 31)
AS_OF = dt.date(2024, 6, 30)
DATA_START = dt.date(2019, 1, 1)  # the simulated months run 2019-01 .. AS_OF's month

# Trial areas: an approximation built around 25 host cities of the 2021 trials plus municipalities
# of the host's own sub-region (seutukunta). NOT the official list of trial municipalities.
# fmt: off
TRIAL_AREAS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("TA01", "Helsinki", ("Helsinki",)),
    ("TA02", "Espoo region", ("Espoo", "Kauniainen", "Kirkkonummi")),
    ("TA03", "Vantaa and Kerava", ("Vantaa", "Kerava")),
    ("TA04", "Tampere region", ("Tampere", "Hämeenkyrö", "Kangasala", "Kuhmoinen", "Lempäälä",
                                "Nokia", "Orivesi", "Pirkkala", "Pälkäne", "Vesilahti",
                                "Ylöjärvi")),
    ("TA05", "Turku region", ("Turku", "Kaarina", "Lieto", "Masku", "Mynämäki", "Naantali",
                              "Nousiainen", "Paimio", "Raisio", "Rusko", "Sauvo")),
    ("TA06", "Oulu region", ("Oulu", "Hailuoto", "Kempele", "Liminka", "Lumijoki", "Muhos",
                             "Tyrnävä")),
    ("TA07", "Jyväskylä region", ("Jyväskylä", "Hankasalmi", "Laukaa", "Muurame", "Petäjävesi",
                                  "Toivakka", "Uurainen")),
    ("TA08", "Kuopio region", ("Kuopio", "Siilinjärvi")),
    ("TA09", "Lahti region", ("Lahti", "Asikkala", "Hartola", "Heinola", "Hollola", "Iitti",
                              "Kärkölä", "Orimattila", "Padasjoki", "Sysmä")),
    ("TA10", "Pori region", ("Pori", "Harjavalta", "Huittinen", "Kokemäki", "Merikarvia",
                             "Nakkila", "Pomarkku", "Ulvila")),
    ("TA11", "Joensuu region", ("Joensuu", "Heinävesi", "Ilomantsi", "Juuka", "Kontiolahti",
                                "Liperi", "Outokumpu", "Polvijärvi")),
    ("TA12", "Vaasa region", ("Vaasa", "Korsnäs", "Laihia", "Maalahti", "Mustasaari", "Vöyri")),
    ("TA13", "Rovaniemi region", ("Rovaniemi", "Ranua")),
    ("TA14", "Kajaani region", ("Kajaani", "Paltamo", "Ristijärvi", "Sotkamo")),
    ("TA15", "Kouvola", ("Kouvola",)),
    ("TA16", "Lappeenranta region", ("Lappeenranta", "Lemi", "Luumäki", "Savitaipale",
                                     "Taipalsaari")),
    ("TA17", "Hämeenlinna region", ("Hämeenlinna", "Hattula", "Janakkala")),
    ("TA18", "Porvoo region", ("Porvoo", "Askola", "Myrskylä", "Pukkila")),
    ("TA19", "Mikkeli region", ("Mikkeli", "Hirvensalmi", "Kangasniemi", "Mäntyharju",
                                "Pertunmaa", "Puumala")),
    ("TA20", "Seinäjoki region", ("Seinäjoki", "Ilmajoki", "Isokyrö", "Kauhava", "Kurikka",
                                  "Lapua")),
    ("TA21", "Kokkola region", ("Kokkola", "Kannus")),
    ("TA22", "Salo region", ("Salo", "Somero")),
    ("TA23", "Raahe region", ("Raahe", "Pyhäjoki", "Siikajoki")),
    ("TA24", "Rauma region", ("Rauma", "Eura", "Eurajoki", "Säkylä")),
    ("TA25", "Kotka-Hamina region", ("Kotka", "Hamina", "Miehikkälä", "Pyhtää", "Virolahti")),
)
# fmt: on

# --- The known trial effect (what the evaluation views must find) -----------------------------
# From EFFECT_START on, in these 12 of the 25 trial areas (the even-numbered ones), the monthly
# probability that an unemployed person moves to open-market employment is raised by
# EFFECT_PP_LONG_TERM percentage points when the current unemployment spell has lasted >= 12
# months, and by EFFECT_PP_OTHER points otherwise, whoever serves the person. Nowhere else.
EFFECT_AREAS: tuple[str, ...] = tuple(f"TA{i:02d}" for i in range(2, 25, 2))
EFFECT_PP_LONG_TERM = 3.0
EFFECT_PP_OTHER = 1.0
EFFECT_START = TRIAL_START

# Staffing: clients per client-facing FTE sits in the 20-30 band except in these areas.
UNDERSTAFFED_AREAS: tuple[str, ...] = ("TA03", "TA09", "TA14", "TA19")  # clearly above 30
OVERSTAFFED_AREAS: tuple[str, ...] = ("TA21",)  # below 20

# Scale factor k: each municipality's simulated stock of unemployed at month end tracks
# k x its published stock (12r5). Chosen so that `demo` has about 60,000 distinct persons and
# `national` about 1,000,000; `test` (about 5,000) keeps the test suite fast.
SCALES: dict[str, float] = {"test": 0.0029, "demo": 0.0463, "national": 0.84}

# --- Calibration constants (docs/demo_register.md explains each) ----------------------------
_U, _E, _W, _S, _ED, _IN = (
    STATUSES.index(s)
    for s in (
        "unemployed",
        "employed",
        "subsidised_employment",
        "services",
        "education",
        "inactive",
    )
)
_CLIENT_STATES = (_U, _W, _S)
_COACHING, _TRAINING, _WAGE_SUBSIDY, _WORK_TRIAL, _REHAB, _OTHER_SERVICE = (
    SERVICE_TYPES.index(s) for s in SERVICE_TYPES
)

# Unemployment duration bands (days on the last day of the previous month): <3, 3-6, 6-12,
# 12-24 and 24+ months.
_BAND_EDGES = np.array([91, 182, 365, 730])
_H_EMPLOYED = np.array([0.082, 0.066, 0.050, 0.031, 0.022])  # before person/municipal/season
_H_SERVICES = np.array([0.085, 0.085, 0.075, 0.028, 0.022])
_H_SUBSIDISED = np.array([0.012, 0.015, 0.017, 0.008, 0.007])

_SEASON_E = np.array([0.85, 0.95, 1.10, 1.25, 1.25, 1.05, 0.80, 1.15, 1.05, 1.00, 0.90, 0.75])
_SEASON_S = np.array([1.25, 1.10, 1.05, 1.00, 0.85, 0.55, 0.45, 1.35, 1.20, 1.10, 1.00, 0.60])
_COVID_E = {
    "2020-03": 0.65,
    "2020-04": 0.50,
    "2020-05": 0.60,
    "2020-06": 0.70,
    "2020-07": 0.75,
    "2020-08": 0.85,
    "2020-09": 0.90,
}
_COVID_S = {"2020-03": 0.60, "2020-04": 0.50, "2020-05": 0.70}

# Services: type mix, duration in months (probabilities for 1..9), share delivered by external
# providers, probability of going straight to open-market employment at the end, payment range.
_SERVICE_MIX = {
    _COACHING: 0.35,
    _TRAINING: 0.25,
    _WORK_TRIAL: 0.15,
    _REHAB: 0.10,
    _OTHER_SERVICE: 0.15,
}
_SERVICE_MONTHS = {
    _COACHING: (0.10, 0.25, 0.30, 0.25, 0.10),
    _TRAINING: (0.0, 0.0, 0.15, 0.20, 0.25, 0.20, 0.10, 0.10),
    _WORK_TRIAL: (0.15, 0.30, 0.30, 0.15, 0.10),
    _REHAB: (0.0, 0.0, 0.15, 0.15, 0.15, 0.25, 0.10, 0.10, 0.10),
    _OTHER_SERVICE: (0.30, 0.30, 0.25, 0.15),
}
_SUBSIDY_MONTHS = (6, 14)  # uniform, inclusive
_EXTERNAL_SHARE = {
    _COACHING: 0.40,
    _TRAINING: 0.55,
    _WORK_TRIAL: 0.15,
    _REHAB: 0.20,
    _OTHER_SERVICE: 0.25,
}
_P_EMPLOYED_AFTER = {
    _COACHING: 0.255,
    _TRAINING: 0.22,
    _WORK_TRIAL: 0.18,
    _REHAB: 0.05,
    _OTHER_SERVICE: 0.12,
    _WAGE_SUBSIDY: 0.35,
}
# Payments (issue 19): external providers are paid for coaching only, a fixed fee per finished
# episode (each provider its own price, EUR, invoiced 25-35 days after the end) plus a result bonus
# where the person is employed 90 days after the end (a share of the fee, invoiced 20-40 days
# later). Seed 002's figures for Sweden (SEK 303.0 million for 40,000 coached in five months,
# about EUR 650 a person) and Finnish procured coaching put the fee at EUR 900-1,600.
_FEE_RANGE = (900, 1600)
_BONUS_SHARE = 0.6
_PAYMENT_STREAM = 19  # the payments' generator: default_rng([seed, _PAYMENT_STREAM])
# The planted unsupported payments (the contract's `unsupported_payments`): their ids and the one
# reason each is flagged for; the payments audit must find exactly these. PAY9000000n never
# collides with the running numbers of the regular payments (PAY00000001...).
#   no_episode: an invoice for coaching that no episode records (external provider, its fee);
#   starts_after_payment: an advance invoice 14 days before a supported episode starts;
#   no_coaching_contact: a finished episode's fee, with none of the contacts that support the
#   other paid episodes (its person has no coaching contact in any month it covers).
PLANTED_UNSUPPORTED: dict[str, str] = {
    "PAY90000001": "no_episode",
    "PAY90000002": "no_episode",
    "PAY90000003": "no_episode",
    "PAY90000004": "starts_after_payment",
    "PAY90000005": "starts_after_payment",
    "PAY90000006": "no_coaching_contact",
    "PAY90000007": "no_coaching_contact",
}
_N_EXTERNAL = 30

# Target group of the trial, transfers, moves.
_P_NOT_ENTITLED = 0.40  # of those 30+ and not foreign: no earnings-related benefit
_P_NOT_ENTITLED_LTU = 0.60  # the same among the long-term unemployed of the initial stock
_BENEFIT_DAYS = 400  # earnings-related benefit exhausted: transferred in
_P_DIRECT_MUNICIPAL = 0.70  # new target-group registrations starting as municipal clients
_P_MOVE = 0.003
_P_MOVE_SAME_REGION = 0.80
_P_SPLIT_SPELL = 0.03  # unemployment spells recorded as two back-to-back records


@dataclass(frozen=True)
class _Geo:
    """Municipalities, areas, providers and the monthly stock targets, as arrays."""

    munis: pl.DataFrame  # reference rows, sorted by code, with area columns
    region: np.ndarray  # municipality -> region index
    area: np.ndarray  # municipality -> trial area index, -1 = comparison
    effect: np.ndarray  # municipality -> in an effect area
    pop: np.ndarray
    p_sv: np.ndarray
    p_other: np.ndarray
    target: np.ndarray  # (months + 1, municipalities): published stock, from the month before
    regions: list[str]


# --- Calendar ---------------------------------------------------------------------------------
_EPOCH = dt.date(1970, 1, 1)


def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


MONTHS = _months(DATA_START, AS_OF)  # first days of the simulated months
_MONTH_KEYS = [m.strftime("%Y-%m") for m in MONTHS]
_MFIRST = np.array([_day(m) for m in MONTHS] + [_day(AS_OF) + 1], dtype=np.int32)
_MLEN = np.diff(_MFIRST)
_MLAST = _MFIRST[:-1] + _MLEN - 1
_T_START = _MONTH_KEYS.index(TRIAL_START.strftime("%Y-%m"))
_T_EFFECT = _MONTH_KEYS.index(EFFECT_START.strftime("%Y-%m"))
_D0 = _day(DATA_START)
_AS_OF_DAY = _day(AS_OF)


# --- Reference facts --------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _reference() -> tuple[pl.DataFrame, pl.DataFrame]:
    """The shipped municipality table and the published monthly stock (never mutated)."""
    for name in ("fi_municipalities.csv", "fi_unemployed_monthly.csv"):
        if not (REFERENCE_DIR / name).is_file():
            raise FileNotFoundError(
                f"Reference table {REFERENCE_DIR / name} is missing: it ships with the project; "
                "rebuild it with `python scripts/derive_reference.py`."
            )
    munis = pl.read_csv(
        REFERENCE_DIR / "fi_municipalities.csv",
        glob=False,  # the checkout's path is never a pattern
        schema_overrides={"municipality_code": pl.String, "population_2022": pl.Int64},
    ).sort("municipality_code")
    stock = pl.read_csv(
        REFERENCE_DIR / "fi_unemployed_monthly.csv",
        glob=False,  # the checkout's path is never a pattern
        schema_overrides={"municipality_code": pl.String, "unemployed_jobseekers": pl.Float64},
    )
    return munis, stock


def _stock_targets(munis: pl.DataFrame, stock: pl.DataFrame) -> np.ndarray:
    """Published stock per (month, municipality) for 2018-12 .. 2024-06.

    Months after the last published one repeat the same month a year earlier; an empty cell
    takes the municipality's own mean (or 1 when it has no published value at all).
    """
    wide = stock.pivot(on="month", index="municipality_code", values="unemployed_jobseekers")
    wide = munis.select("municipality_code").join(wide, on="municipality_code", how="left")
    published = [c for c in wide.columns if c != "municipality_code"]
    values = wide.select(published).to_numpy().astype(float)  # (municipalities, months)
    present = ~np.isnan(values)
    count = present.sum(axis=1)
    total = np.where(present, values, 0.0).sum(axis=1)
    means = np.where(count > 0, total / np.maximum(count, 1), 1.0)
    values = np.where(np.isnan(values), means[:, None], values)
    col = {m: i for i, m in enumerate(published)}
    keys = ["2018-12", *_MONTH_KEYS]
    out = np.empty((len(keys), values.shape[0]))
    for i, key in enumerate(keys):
        y, m = int(key[:4]), key[5:]
        while key not in col:
            y -= 1
            key = f"{y}-{m}"
        out[i] = values[:, col[key]]
    return out


def _geography() -> _Geo:
    munis, stock = _reference()
    name_to_code = dict(zip(munis["name"], munis["municipality_code"], strict=True))
    area_of: dict[str, str] = {}
    for area_id, _, members in TRIAL_AREAS:
        for name in members:
            area_of[name_to_code[name]] = area_id
    area_ids = [a for a, _, _ in TRIAL_AREAS]
    munis = munis.with_columns(
        trial_area_id=pl.col("municipality_code").replace_strict(area_of, default=None)
    )
    area = np.array([area_ids.index(a) if a else -1 for a in munis["trial_area_id"]])
    effect = np.isin(munis["trial_area_id"].fill_null("").to_numpy(), EFFECT_AREAS)
    regions = sorted(munis["region"].unique())
    region = np.array([regions.index(r) for r in munis["region"]])
    sv = {"fi": 0.006, "bilingual_fi": 0.085, "bilingual_sv": 0.50, "sv": 0.85}
    other = {"urban": 0.12, "semi_urban": 0.05, "rural": 0.035}
    p_sv = np.array([sv[s] for s in munis["language_status"]])
    p_other = np.array([other[c] for c in munis["urban_rural"]])
    capital = munis["name"].is_in(["Helsinki", "Espoo", "Vantaa"]).to_numpy()
    p_other = np.where(capital, 0.22, p_other)
    return _Geo(
        munis=munis,
        region=region,
        area=area,
        effect=effect,
        pop=munis["population_2022"].to_numpy().astype(float),
        p_sv=p_sv,
        p_other=p_other,
        target=_stock_targets(munis, stock),
        regions=regions,
    )


# --- Providers --------------------------------------------------------------------------------
_EXTERNAL_NAMES = (
    "Työpolku",
    "Uraverkko",
    "Taitoaskel",
    "Polku Töihin",
    "Valmennustalo Aalto",
    "Kipinä",
    "Nousu Valmennus",
    "Suunta",
    "Osaajapankki",
    "Työvoimala",
    "Ponnistus",
    "Rekrytalo Viiri",
    "Askel Eteenpäin",
    "Uusi Alku",
    "Silta Työelämään",
    "Taito ja Työ",
    "Ovi Auki",
    "Majakka",
    "Väylä",
    "Voimavara",
    "Tekijä",
    "Urapolku",
    "Kompassi",
    "Vire",
    "Lähde",
    "Ankkuri",
    "Tuuli",
    "Siltavalmennus",
    "Luotsi",
    "Kasvu",
)


@dataclass(frozen=True)
class _Providers:
    frame: pl.DataFrame  # provider_id, name, kind
    municipal: np.ndarray  # trial area -> provider index
    state: np.ndarray  # region -> provider index
    external_cum: np.ndarray  # (regions, externals) cumulative choice weights per region
    external_first: int
    outcome: np.ndarray  # provider -> multiplier of the direct-to-employment probability


def _providers(geo: _Geo, rng: np.random.Generator) -> _Providers:
    ids, names, kinds = [], [], []
    for area_id, area_name, _ in TRIAL_AREAS:
        ids.append(f"MUN-{area_id}")
        names.append(f"{area_name} employment services (municipal)")
        kinds.append("municipal")
    for i, region in enumerate(geo.regions):
        ids.append(f"TE-{i + 1:02d}")
        names.append(f"TE office {region} (state)")
        kinds.append("state")
    first_ext = len(ids)
    for i, base in enumerate(_EXTERNAL_NAMES[:_N_EXTERNAL]):
        ids.append(f"EXT-{i + 1:02d}")
        names.append(f"{base} Oy")
        kinds.append("external")
    n_reg = len(geo.regions)
    # Five national providers serve every region; the others 1-3 regions each.
    serves = np.zeros((n_reg, _N_EXTERNAL))
    size = rng.lognormal(0.0, 0.6, _N_EXTERNAL)
    for j in range(_N_EXTERNAL):
        if j < 5:
            serves[:, j] = 1.0
        else:
            serves[rng.choice(n_reg, size=rng.integers(1, 4), replace=False), j] = 1.0
    weights = serves * size[None, :]
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    outcome = np.concatenate(
        [
            rng.lognormal(0.0, 0.10, first_ext),  # own units: small differences
            rng.lognormal(0.0, 0.25, _N_EXTERNAL),  # external providers differ more
        ]
    )
    outcome /= np.exp(0.5 * np.array([0.10**2] * first_ext + [0.25**2] * _N_EXTERNAL))
    frame = pl.DataFrame({"provider_id": ids, "name": names, "kind": kinds})
    return _Providers(
        frame=frame,
        municipal=np.arange(len(TRIAL_AREAS)),
        state=np.arange(len(TRIAL_AREAS), first_ext),
        external_cum=cum,
        external_first=first_ext,
        outcome=outcome,
    )


# --- People -----------------------------------------------------------------------------------
_AGE_BANDS = np.array([16, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65])
_AGE_P = np.array([0.05, 0.13, 0.12, 0.11, 0.10, 0.09, 0.09, 0.10, 0.11, 0.10])
_EDU_P_NATIVE = np.array([0.30, 0.47, 0.185, 0.045])  # basic, upper_secondary, tertiary, unknown
_EDU_P_FOREIGN = np.array([0.30, 0.30, 0.15, 0.25])
_EDU_MULT = np.array([0.85, 1.0, 1.2, 0.8])

_FIELDS = {
    "muni": np.int16,
    "state": np.int8,
    "since": np.int32,
    "ustart": np.int32,
    "plan_end": np.int16,
    "svc": np.int8,
    "prov": np.int32,
    "org": np.int8,
    "from_w": np.bool_,
    "last_ev": np.int16,
    "birth_year": np.int16,
    "gender": np.int8,
    "lang": np.int8,
    "foreign": np.bool_,
    "edu": np.int8,
    "rwc": np.bool_,
    "first_reg": np.int32,
    "not_entitled": np.bool_,
    "mult": np.float32,
}


class _People:
    """Column arrays of all persons created so far, grown by doubling."""

    def __init__(self, capacity: int):
        self.n = 0
        self.a = {k: np.zeros(capacity, dtype=t) for k, t in _FIELDS.items()}

    def add(self, cols: dict[str, np.ndarray]) -> np.ndarray:
        k = len(next(iter(cols.values())))
        if self.n + k > len(self.a["muni"]):
            cap = max(2 * len(self.a["muni"]), self.n + k)
            for name, arr in self.a.items():
                grown = np.zeros(cap, dtype=arr.dtype)
                grown[: self.n] = arr[: self.n]
                self.a[name] = grown
        idx = np.arange(self.n, self.n + k)
        for name, values in cols.items():
            self.a[name][idx] = values
        self.n += k
        return idx

    def __getitem__(self, name: str) -> np.ndarray:
        return self.a[name][: self.n]


def _new_people(
    geo: _Geo,
    muni: np.ndarray,
    entry: np.ndarray,
    rng: np.random.Generator,
    long_term: np.ndarray | None = None,
    age_year: int | None = None,
) -> dict[str, np.ndarray]:
    """Attributes of persons registering for the first time in the simulation.

    Ages (16-64) are drawn for the entry year, or for `age_year` (the initial stock: its age
    on the data's first day), but never below 16 at entry.
    """
    n = len(muni)
    band = rng.choice(len(_AGE_P), size=n, p=_AGE_P / _AGE_P.sum())
    age = _AGE_BANDS[band] + (rng.random(n) * (_AGE_BANDS[band + 1] - _AGE_BANDS[band])).astype(int)
    entry_year = entry.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    birth_year = np.minimum((entry_year if age_year is None else age_year) - age, entry_year - 16)
    age = entry_year - birth_year
    u = rng.random(n)
    p_sv, p_other = geo.p_sv[muni], geo.p_other[muni]
    lang = np.where(u < p_sv, 1, np.where(u < p_sv + p_other, 2, 0)).astype(np.int8)
    foreign = np.where(lang == 2, rng.random(n) < 0.76, rng.random(n) < 0.012)
    edu = np.where(
        foreign,
        rng.choice(4, size=n, p=_EDU_P_FOREIGN),
        rng.choice(4, size=n, p=_EDU_P_NATIVE),
    ).astype(np.int8)
    g = rng.random(n)
    gender = np.where(g < 0.45, 0, np.where(g < 0.9997, 1, 2)).astype(np.int8)
    rwc = rng.random(n) < 0.08
    # First registration: for newly arrived foreign citizens (and many others) this entry;
    # otherwise some earlier year.
    first_now = rng.random(n) < np.where(foreign, 0.60, 0.40)
    earliest = np.maximum(_day(dt.date(2000, 1, 1)), entry - (age - 16) * 365)
    earlier = earliest + (rng.random(n) * np.maximum(entry - 365 - earliest, 1)).astype(np.int32)
    first_reg = np.where(first_now | (earlier >= entry), entry, earlier).astype(np.int32)
    lt = np.zeros(n, bool) if long_term is None else long_term
    not_entitled = rng.random(n) < np.where(lt, _P_NOT_ENTITLED_LTU, _P_NOT_ENTITLED)
    age_mult = np.select([age < 25, age < 55, age < 60], [1.15, 1.0, 0.7], 0.45)
    mult = _EDU_MULT[edu] * age_mult * np.where(rwc, 0.5, 1.0) * np.where(foreign, 0.85, 1.0)
    return {
        "muni": muni,
        "birth_year": birth_year,
        "gender": gender,
        "lang": lang,
        "foreign": foreign,
        "edu": edu,
        "rwc": rwc,
        "first_reg": first_reg,
        "not_entitled": not_entitled,
        "mult": mult,
    }


# --- Simulation -------------------------------------------------------------------------------
class _Log:
    """Append-only event columns, concatenated at the end."""

    def __init__(self, *names: str):
        self.cols: dict[str, list[np.ndarray]] = {n: [] for n in names}

    def add(self, **cols: np.ndarray) -> None:
        k = len(next(iter(cols.values())))
        for name in self.cols:
            v = cols.get(name, -1)
            self.cols[name].append(np.broadcast_to(np.asarray(v), (k,)).copy())

    def frame(self, dtypes: dict[str, type]) -> pl.DataFrame:
        return pl.DataFrame({n: np.concatenate(v).astype(dtypes[n]) for n, v in self.cols.items()})


@dataclass
class _SimResult:
    people: _People
    status: pl.DataFrame  # person, day, state, svc, prov
    resp: pl.DataFrame  # person, day, muni, org (-1: not a client from this day)
    caseload: np.ndarray  # (months, municipalities) municipal clients at month end
    contacts: pl.DataFrame  # person, t, muni: municipal clients at month end


def _draw_months(kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Planned duration in months of services (by type) or subsidised employment."""
    out = np.empty(len(kind), dtype=np.int16)
    for svc, p in _SERVICE_MONTHS.items():
        sel = kind == svc
        out[sel] = 1 + rng.choice(len(p), size=int(sel.sum()), p=np.array(p) / sum(p))
    sel = kind == _WAGE_SUBSIDY
    out[sel] = rng.integers(_SUBSIDY_MONTHS[0], _SUBSIDY_MONTHS[1] + 1, size=int(sel.sum()))
    return out


def _choose_service(n: int, rng: np.random.Generator) -> np.ndarray:
    types = np.array(list(_SERVICE_MIX))
    p = np.array(list(_SERVICE_MIX.values()))
    return types[rng.choice(len(types), size=n, p=p / p.sum())].astype(np.int8)


def _choose_provider(
    svc: np.ndarray,
    org: np.ndarray,
    muni: np.ndarray,
    geo: _Geo,
    prov: _Providers,
    rng: np.random.Generator,
) -> np.ndarray:
    """The serving organisation's own unit, or an external provider of the person's region."""
    region = geo.region[muni]
    share = np.zeros(len(svc))
    for s, x in _EXTERNAL_SHARE.items():
        share[svc == s] = x
    external = rng.random(len(svc)) < share
    cum = prov.external_cum[region]
    ext = prov.external_first + (cum < rng.random(len(svc))[:, None]).sum(axis=1)
    area = geo.area[muni]
    own = np.where(
        (org == 1) & (area >= 0), prov.municipal[np.maximum(area, 0)], prov.state[region]
    )
    return np.where(external, ext, own).astype(np.int32)


class _RegionChooser:
    """Population-weighted choice of a municipality within a region, vectorised."""

    def __init__(self, geo: _Geo):
        order = np.lexsort((np.arange(len(geo.region)), geo.region))
        self.order = order
        w = geo.pop[order]
        r = geo.region[order]
        cum = np.zeros(len(w))
        for reg in np.unique(r):
            sel = r == reg
            c = np.cumsum(w[sel])
            cum[sel] = reg + c / c[-1]
        self.cum = cum
        self.national = np.cumsum(geo.pop) / geo.pop.sum()

    def in_region(self, region: np.ndarray, u: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.cum, region + u, side="right")
        return self.order[np.minimum(pos, len(self.order) - 1)]

    def anywhere(self, u: np.ndarray) -> np.ndarray:
        return np.minimum(np.searchsorted(self.national, u, side="right"), len(self.national) - 1)


def _stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.floor(x + rng.random(x.shape)).astype(np.int64)


def _initial_stock(
    geo: _Geo,
    prov: _Providers,
    people: _People,
    status: _Log,
    resp: _Log,
    k: float,
    rng: np.random.Generator,
) -> None:
    """The stock on 2018-12-31: unemployed with realistic durations, in services, subsidised."""
    base = k * geo.target[0]
    n_u = _stochastic_round(base, rng)
    n_s = _stochastic_round(0.21 * base, rng)
    n_w = _stochastic_round(0.12 * base, rng)
    m_idx = np.arange(len(base))

    # Unemployed: about 72 % under 12 months, 18 % 12-24 months, 10 % longer (back to 2014).
    muni = np.repeat(m_idx, n_u)
    n = len(muni)
    kind = rng.choice(3, size=n, p=[0.72, 0.18, 0.10])
    dur = np.select(
        [kind == 0, kind == 1],
        [1 + (364 * rng.beta(1.0, 2.2, n)).astype(int), rng.integers(365, 730, n)],
        np.minimum(730 + rng.exponential(500, n).astype(int), _D0 - _day(dt.date(2014, 1, 1))),
    )
    start = (_D0 - dur).astype(np.int32)
    cols = _new_people(geo, muni, start, rng, long_term=dur >= 365, age_year=DATA_START.year)
    cols["first_reg"] = np.minimum(cols["first_reg"], start)
    cols.update(
        state=_U, since=start, ustart=start, org=0, last_ev=-1, plan_end=-1, svc=-1, prov=-1
    )
    idx = people.add(cols)
    status.add(p=idx, day=start, state=_U)
    resp.add(p=idx, day=start, muni=muni, org=0)

    # In services or subsidised employment, each after an earlier unemployment spell.
    for state, counts in ((_S, n_s), (_W, n_w)):
        muni = np.repeat(m_idx, counts)
        n = len(muni)
        if state == _S:
            svc = _choose_service(n, rng)
            elapsed = rng.integers(1, 91, n)
            u_before = rng.integers(30, 400, n)
        else:
            svc = np.full(n, _WAGE_SUBSIDY, dtype=np.int8)
            elapsed = rng.integers(1, 240, n)
            u_before = rng.integers(60, 700, n)
        since = (_D0 - elapsed).astype(np.int32)
        ustart = (since - u_before).astype(np.int32)
        total = _draw_months(svc, rng)
        plan_end = np.maximum(total - elapsed // 30, 1) - 1
        org = np.zeros(n, dtype=np.int8)
        provider = (
            _choose_provider(svc, org, muni, geo, prov, rng)
            if state == _S
            else prov.state[geo.region[muni]].astype(np.int32)
        )
        cols = _new_people(geo, muni, ustart, rng, age_year=DATA_START.year)
        cols["first_reg"] = np.minimum(cols["first_reg"], ustart)
        cols.update(
            state=state,
            since=since,
            ustart=-1,
            org=0,
            last_ev=-1,
            plan_end=plan_end,
            svc=svc,
            prov=provider,
        )
        idx = people.add(cols)
        status.add(p=idx, day=ustart, state=_U)
        status.add(p=idx, day=since, state=state, svc=svc, prov=provider)
        resp.add(p=idx, day=ustart, muni=muni, org=0)


def _simulate(
    geo: _Geo, prov: _Providers, k: float, rng: np.random.Generator, effect_scale: float = 1.0
) -> _SimResult:
    n_muni = len(geo.area)
    people = _People(capacity=int(3_000_000 * k) + 10_000)
    status = _Log("p", "day", "state", "svc", "prov")
    resp = _Log("p", "day", "muni", "org")
    contacts = _Log("p", "t", "muni")
    _initial_stock(geo, prov, people, status, resp, k, rng)

    in_trial = geo.area >= 0
    muni_effect = rng.lognormal(0.0, 0.12, n_muni)
    chooser = _RegionChooser(geo)
    n_months = len(MONTHS)
    caseload = np.zeros((n_months, n_muni), dtype=np.int64)

    def event_days(t: int, n: int) -> np.ndarray:
        """Random days of month t; the trial's first day is kept for the initial transfer."""
        lo = 1 if t == _T_START else 0
        return (_MFIRST[t] + rng.integers(lo, _MLEN[t], n)).astype(np.int32)

    def static_target(idx: np.ndarray, t: int) -> np.ndarray:
        age = MONTHS[t].year - people["birth_year"][idx]
        return (age < 30) | people["foreign"][idx] | people["not_entitled"][idx]

    def open_client(idx: np.ndarray, day: np.ndarray, t: int) -> None:
        """A new registration: responsibility starts; most of the target group goes municipal.

        The rest of the target group starts with the state and is transferred in a later month
        (step 4 below picks up every target-group state client of a trial municipality).
        """
        a = people.a
        m = a["muni"][idx]
        org = np.zeros(len(idx), dtype=np.int8)
        if t >= _T_START:
            target = in_trial[m] & static_target(idx, t)
            org[target & (rng.random(len(idx)) < _P_DIRECT_MUNICIPAL)] = 1
        a["org"][idx] = org
        resp.add(p=idx, day=day, muni=m, org=org)

    for t in range(n_months):
        a = people.a
        n = people.n
        cal = MONTHS[t].month - 1
        season_e = _SEASON_E[cal] * _COVID_E.get(_MONTH_KEYS[t], 1.0)
        season_s = _SEASON_S[cal] * _COVID_S.get(_MONTH_KEYS[t], 1.0)
        state = a["state"][:n]
        last_ev = a["last_ev"][:n]

        # 1. The initial transfer on the trial's first day.
        if t == _T_START:
            c = np.flatnonzero(np.isin(state, _CLIENT_STATES) & in_trial[a["muni"][:n]])
            ltu = (state[c] == _U) & (a["ustart"][c] + _BENEFIT_DAYS <= _MFIRST[t])
            c = c[static_target(c, t) | ltu]
            a["org"][c] = 1
            last_ev[c] = t
            resp.add(p=c, day=_MFIRST[t], muni=a["muni"][c], org=1)

        # 2. Status transitions of the unemployed.
        iu = np.flatnonzero(state == _U)
        dur = _MFIRST[t] - 1 - a["ustart"][iu]
        band = np.searchsorted(_BAND_EDGES, dur, side="right")
        m = a["muni"][iu]
        age = MONTHS[t].year - a["birth_year"][iu]
        h_e = _H_EMPLOYED[band] * a["mult"][iu] * muni_effect[m] * season_e
        if t >= _T_EFFECT:
            pp = np.where(dur >= 365, EFFECT_PP_LONG_TERM, EFFECT_PP_OTHER) / 100 * effect_scale
            h_e = h_e + np.where(geo.effect[m], pp, 0.0)
        h_s = _H_SERVICES[band] * season_s
        h_w = _H_SUBSIDISED[band]
        h_ed = np.where(age < 25, 0.02, 0.003)
        h_in = np.select([age >= 64, age >= 60], [0.12, 0.012], 0.004)
        cum = np.cumsum(np.stack([h_e, h_s, h_w, h_ed, h_in]), axis=0)
        u = rng.random(len(iu))
        choice = (u[None, :] >= cum).sum(axis=0)  # 0..4 = E, S, W, ED, IN; 5 = stays
        new_state = np.array([_E, _S, _W, _ED, _IN, -1])[choice]
        mv = new_state >= 0
        movers, new_state = iu[mv], new_state[mv].astype(np.int8)

        # Services and subsidised employment ending this month.
        ends = np.flatnonzero(np.isin(state, (_S, _W)) & (a["plan_end"][:n] <= t))
        svc_end = np.where(state[ends] == _W, _WAGE_SUBSIDY, a["svc"][ends])
        p_emp = np.zeros(len(ends))
        for s, x in _P_EMPLOYED_AFTER.items():
            p_emp[svc_end == s] = x
        p_emp = np.minimum(p_emp * prov.outcome[a["prov"][ends]], 0.9)
        u = rng.random(len(ends))
        after = np.select([u < p_emp, u < p_emp + 0.02, u < p_emp + 0.035], [_E, _ED, _IN], _U)
        a["from_w"][ends] = state[ends] == _W

        idx = np.concatenate([movers, ends])
        to = np.concatenate([new_state, after.astype(np.int8)])
        day = event_days(t, len(idx))
        was_client = np.isin(state[idx], _CLIENT_STATES)
        state[idx] = to
        a["since"][idx] = day
        last_ev[idx] = t
        to_u = to == _U
        a["ustart"][idx[to_u]] = day[to_u]
        # Entering services or subsidised employment: type, provider and planned end.
        to_sw = (to == _S) | (to == _W)
        j = idx[to_sw]
        svc = np.where(to[to_sw] == _W, _WAGE_SUBSIDY, _choose_service(len(j), rng)).astype(np.int8)
        org_j = a["org"][j]
        provider = _choose_provider(svc, org_j, a["muni"][j], geo, prov, rng)
        own = np.where(
            (org_j == 1) & in_trial[a["muni"][j]],
            prov.municipal[np.maximum(geo.area[a["muni"][j]], 0)],
            prov.state[geo.region[a["muni"][j]]],
        )
        provider = np.where(svc == _WAGE_SUBSIDY, own, provider).astype(np.int32)
        a["svc"][j] = svc
        a["prov"][j] = provider
        a["plan_end"][j] = t + _draw_months(svc, rng)
        full_svc = np.full(len(idx), -1, dtype=np.int8)
        full_prov = np.full(len(idx), -1, dtype=np.int32)
        full_svc[to_sw], full_prov[to_sw] = svc, provider
        status.add(p=idx, day=day, state=to, svc=full_svc, prov=full_prov)
        # Leaving the client states ends the responsibility spell.
        leaves = was_client & ~np.isin(to, _CLIENT_STATES)
        resp.add(p=idx[leaves], day=day[leaves], muni=a["muni"][idx[leaves]], org=-1)
        a["org"][idx[leaves]] = -1

        # 3. Top up each municipality's stock of unemployed to k x the published stock:
        #    re-entries of earlier persons first, then persons new to the register.
        n_u = np.bincount(a["muni"][:n][state == _U], minlength=n_muni)
        deficit = np.maximum(_stochastic_round(k * geo.target[t + 1] - n_u, rng), 0)
        out_idx = np.flatnonzero(np.isin(state, (_E, _ED, _IN)) & (last_ev != t))
        st = state[out_idx]
        recent = (_MFIRST[t] - a["since"][out_idx]) < 183
        p_back = np.select(
            [st == _E, st == _ED],
            [np.where(a["from_w"][out_idx], 0.06, np.where(recent, 0.035, 0.02)), 0.03],
            0.007,
        )
        cand = out_idx[rng.random(len(out_idx)) < p_back]
        cm = a["muni"][cand]
        order = np.lexsort((rng.random(len(cand)), cm))
        cand, cm = cand[order], cm[order]
        rank = np.arange(len(cm)) - np.searchsorted(cm, cm, side="left")
        back = cand[rank < deficit[cm]]
        n_new = np.maximum(deficit - np.bincount(a["muni"][back], minlength=n_muni), 0)
        day = event_days(t, len(back))
        state[back] = _U
        a["since"][back] = day
        a["ustart"][back] = day
        a["from_w"][back] = False
        last_ev[back] = t
        status.add(p=back, day=day, state=_U)
        open_client(back, day, t)

        new_muni = np.repeat(np.arange(n_muni), n_new).astype(np.int16)
        day = event_days(t, len(new_muni))
        cols = _new_people(geo, new_muni, day, rng)
        cols.update(state=_U, since=day, ustart=day, last_ev=t, plan_end=-1, svc=-1, prov=-1)
        new_idx = people.add(cols)
        a, n = people.a, people.n
        state, last_ev = a["state"][:n], a["last_ev"][:n]
        status.add(p=new_idx, day=day, state=_U)
        open_client(new_idx, day, t)

        client = np.isin(state, _CLIENT_STATES)
        # 4. Later transfers in: target-group clients who started with the state, and the
        #    others when the earnings-related benefit runs out (400 days of unemployment).
        if t >= _T_START:
            c = np.flatnonzero(
                client & (a["org"][:n] == 0) & in_trial[a["muni"][:n]] & (last_ev != t)
            )
            exhausted = (state[c] == _U) & (a["ustart"][c] + _BENEFIT_DAYS <= _MLAST[t])
            static = static_target(c, t)
            go = static | exhausted
            c, static = c[go], static[go]
            day = np.where(
                static,
                event_days(t, len(c)),
                np.maximum(a["ustart"][c] + _BENEFIT_DAYS, _MFIRST[t]),
            ).astype(np.int32)
            a["org"][c] = 1
            last_ev[c] = t
            resp.add(p=c, day=day, muni=a["muni"][c], org=1)

        # 5. Moves to another municipality (mostly within the region).
        c = np.flatnonzero(client & (last_ev != t))
        c = c[rng.random(len(c)) < _P_MOVE]
        old = a["muni"][c].astype(np.int64)
        dest = np.where(
            rng.random(len(c)) < _P_MOVE_SAME_REGION,
            chooser.in_region(geo.region[old], rng.random(len(c))),
            chooser.anywhere(rng.random(len(c))),
        )
        dest = np.where(dest == old, chooser.anywhere(rng.random(len(c))), dest)
        ok = dest != old
        c, dest = c[ok], dest[ok]
        if len(c):
            org = a["org"][c]
            trial_dest = in_trial[dest] & (t >= _T_START)
            new_org = np.where(trial_dest & ((org == 1) | static_target(c, t)), 1, 0).astype(
                np.int8
            )
            a["muni"][c] = dest
            a["org"][c] = new_org
            last_ev[c] = t
            resp.add(p=c, day=event_days(t, len(c)), muni=dest, org=new_org)

        # Month-end tallies: the municipal caseload (sizes the staff) and who may get contacts.
        muni_all = a["muni"][:n]
        active = np.flatnonzero(client & (a["org"][:n] == 1))
        caseload[t] = np.bincount(muni_all[active], minlength=n_muni)
        if t >= _T_START:
            contacts.add(p=active, t=t, muni=muni_all[active])

    return _SimResult(
        people=people,
        status=status.frame(
            {"p": np.int32, "day": np.int32, "state": np.int8, "svc": np.int8, "prov": np.int32}
        ),
        resp=resp.frame({"p": np.int32, "day": np.int32, "muni": np.int16, "org": np.int8}),
        caseload=caseload,
        contacts=contacts.frame({"p": np.int32, "t": np.int16, "muni": np.int16}),
    )


# --- From events to the contract's tables -----------------------------------------------------
def _spells(events: pl.DataFrame) -> pl.DataFrame:
    """Each event opens a spell that ends the day before the person's next event."""
    return events.sort("p", "day").with_columns(end=(pl.col("day").shift(-1).over("p") - 1))


def _split_back_to_back(spells: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Record a few unemployment spells as two back-to-back records (a register artefact)."""
    length = (spells["end"].fill_null(_AS_OF_DAY) - spells["day"]).to_numpy()
    u = rng.random(spells.height)
    split = (spells["state"] == _U).to_numpy() & (length >= 2) & (u < _P_SPLIT_SPELL)
    at = spells["day"].to_numpy() + 1 + (rng.random(spells.height) * (length - 1)).astype(int)
    first = spells.with_columns(
        end=pl.when(pl.Series(split)).then(pl.Series(at - 1, dtype=pl.Int32)).otherwise("end")
    )
    second = spells.filter(pl.Series(split)).with_columns(day=pl.Series(at[split], dtype=pl.Int32))
    return pl.concat([first, second]).sort("p", "day")


def _as_date(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.Int32).cast(pl.Date)


def _conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    schema = polars_schema(table)
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def _person_ids(n: int) -> pl.Series:
    """Opaque, unique pseudonyms: a bijective scramble of the running number, as hex."""
    x = (np.arange(n, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(97531)) % (1 << 32)
    x = x ^ np.uint64(0x5BD1E995)
    return pl.Series("person_id", [f"{v:08x}" for v in x.tolist()])


def _staff(
    geo: _Geo, caseload: np.ndarray, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray]:
    """Staff months and employer contacts of the trial municipalities; also each area's ratio."""
    n_area = len(TRIAL_AREAS)
    ratio = rng.uniform(22.0, 27.0, n_area)
    for i, (area_id, _, _) in enumerate(TRIAL_AREAS):
        if area_id in UNDERSTAFFED_AREAS:
            ratio[i] = rng.uniform(34.0, 40.0)
        elif area_id in OVERSTAFFED_AREAS:
            ratio[i] = rng.uniform(15.5, 17.5)
    roles = {
        "coach": 0.55,
        "advisor": 0.45,
        "employer_services": 0.12,
        "management": 0.06,
        "other": 0.08,
    }
    codes = geo.munis["municipality_code"].to_list()
    rows: dict[str, list] = {
        "municipality_code": [],
        "month": [],
        "role": [],
        "origin": [],
        "fte": [],
    }
    emp: dict[str, list] = {"municipality_code": [], "month": [], "employer_contacts": []}
    for a_i in range(n_area):
        members = np.flatnonzero(geo.area == a_i)
        area_load = caseload[:, members].sum(axis=1).astype(float)
        drift = 1.0 + np.clip(np.cumsum(rng.normal(0.0, 0.004, len(MONTHS))), -0.06, 0.06)
        transferred = municipal0 = None
        for t in range(_T_START, len(MONTHS)):
            # Staff follow the caseload with a lag (3-month mean), not month by month.
            smooth = area_load[max(_T_START, t - 2) : t + 1].mean()
            facing = smooth / (ratio[a_i] * drift[t])
            total = facing * sum(roles.values())
            # State staff move over at the start (about 80 %) and are never replaced: they only
            # leave. Municipal recruits grow by at least 1.2 % a month and fill the rest.
            if transferred is None:
                transferred, municipal0 = 0.8 * total, 0.2 * total
            recruited = municipal0 * 1.012 ** (t - _T_START)
            transferred = max(min(transferred * 0.997, total - recruited), 0.0)
            share_m = caseload[max(_T_START, t - 2) : t + 1, members].sum(axis=0).astype(float)
            if share_m.sum() == 0:
                continue
            share_m /= share_m.sum()
            for role, r_share in roles.items():
                role_total = total * r_share / sum(roles.values())
                for origin, part in (
                    ("transferred", transferred / total),
                    ("municipal", 1 - transferred / total),
                ):
                    fte = np.round(role_total * part * share_m, 1)
                    for j, f in zip(members, fte, strict=True):
                        if f > 0:
                            rows["municipality_code"].append(codes[j])
                            rows["month"].append(_MONTH_KEYS[t])
                            rows["role"].append(role)
                            rows["origin"].append(origin)
                            rows["fte"].append(float(f))
            es = total * roles["employer_services"] / sum(roles.values()) * share_m
            for j, f in zip(members, es, strict=True):
                emp["municipality_code"].append(codes[j])
                emp["month"].append(_MONTH_KEYS[t])
                emp["employer_contacts"].append(int(rng.poisson(14.0 * f + 0.5)))
    return pl.DataFrame(rows), pl.DataFrame(emp), ratio


def _client_contacts(
    contacts: pl.DataFrame, geo: _Geo, ratio: np.ndarray, rng: np.random.Generator
) -> pl.DataFrame:
    """Coaching contacts per active municipal client and month: fewer where understaffed."""
    area = geo.area[contacts["muni"].to_numpy()]
    r = ratio[area]
    mean = 3.5 * np.clip(25.0 / r, 0.45, 1.05) ** 1.6
    zero = np.clip(0.13 + 0.012 * (r - 25.0), 0.10, 0.25)
    lam = mean / (1 - zero) - 1
    n = len(area)
    count = np.where(rng.random(n) < zero, 0, 1 + rng.poisson(lam))
    return contacts.with_columns(coaching_contacts=pl.Series(count, dtype=pl.Int64)).filter(
        pl.col("coaching_contacts") > 0
    )


def _month_of_day(day: pl.Expr) -> pl.Expr:
    """The simulated month index (0 = DATA_START's month) of a day number."""
    date = day.cast(pl.Int32).cast(pl.Date)
    return ((date.dt.year() - DATA_START.year) * 12 + date.dt.month() - 1).cast(pl.Int32)


def _payments(
    episodes: pl.DataFrame,
    status: pl.DataFrame,
    resp: pl.DataFrame,
    contacts: pl.DataFrame,
    prov: _Providers,
    seed: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(payments, support): payments (payment_id, prov, episode_id, amount, paid_on) and the
    coaching contacts to add (p, t, coaching_contacts) so that every paid episode but the planted
    ones has a contact in a month it covers.

    Paid: finished coaching episodes of external providers. The municipal client contacts are
    drawn elsewhere; a paid episode without one gets a recorded provider contact in the first
    month it covers whose last day the person is not a municipal client (so the contact rates
    of the caseload do not change); an episode whose every month is a municipal-client month
    without a contact is not invoiced (the provider delivered nothing the register shows).
    Then PLANTED_UNSUPPORTED is added.
    """
    rng = np.random.default_rng([seed, _PAYMENT_STREAM])
    n_prov = prov.frame.height
    fee = np.round(rng.uniform(*_FEE_RANGE, n_prov), -1)
    bonus = np.round(fee * _BONUS_SHARE, -1)
    ep = (
        episodes.filter(
            (pl.col("svc") == _COACHING)
            & (pl.col("prov") >= prov.external_first)
            & pl.col("end").is_not_null()
        )
        .select("episode_id", "p", "prov", "day", "end")
        .with_columns(m0=_month_of_day(pl.col("day")), m1=_month_of_day(pl.col("end")))
        .sort("episode_id")
    )
    # the months each episode covers (contacts are recorded from DATA_START's month on)
    months = (
        ep.select("episode_id", "p", t=pl.int_ranges("m0", pl.col("m1") + 1, dtype=pl.Int32))
        .explode("t")
        .filter(pl.col("t") >= 0)
    )
    had = contacts.select("p", pl.col("t").cast(pl.Int32)).unique()
    supported = months.join(had, on=["p", "t"], how="semi").select("episode_id").unique()
    # each month's last day: a municipal client then (their contacts are drawn elsewhere)?
    month_end = months.with_columns(
        me=pl.col("t").map_batches(lambda t: pl.Series(_MLAST[t.to_numpy()]), return_dtype=pl.Int32)
    ).sort("me")
    spells = resp.select(
        "p", "org", start=pl.col("day").cast(pl.Int32), stop=pl.col("end").fill_null(_AS_OF_DAY)
    ).sort("start")
    month_end = month_end.join_asof(
        spells, left_on="me", right_on="start", by="p", check_sortedness=False
    ).with_columns(municipal=(pl.col("org") == 1) & (pl.col("stop") >= pl.col("me")))
    lacking = ep.join(supported, on="episode_id", how="anti")
    # planted no-contact episodes: persons with one paid episode, none of it supported
    single = ep.group_by("p").agg(n=pl.len()).filter(pl.col("n") == 1).select("p")
    pool = lacking.join(single, on="p", how="semi").filter(pl.col("end") + 35 <= _AS_OF_DAY)
    no_contact = pool[np.sort(rng.choice(pool.height, size=2, replace=False))]
    # the others get a provider contact in their first month outside the caseload, if any
    free = (
        month_end.filter(~pl.col("municipal"))
        .join(lacking, on="episode_id", how="semi")
        .join(no_contact, on="episode_id", how="anti")
        .sort("episode_id", "t")
        .unique("episode_id", keep="first")
    )
    support = (
        free.select("p", "t")
        .unique()
        .sort("p", "t")
        .with_columns(
            coaching_contacts=pl.Series(1 + rng.poisson(1.5, free.select("p", "t").unique().height))
        )
    )
    billed = pl.concat(
        [
            ep.join(supported, on="episode_id", how="semi"),
            ep.join(free, on="episode_id", how="semi"),
        ]
    ).sort("episode_id")

    # the fee, and the bonus where the person is employed on end + 90
    n = billed.height
    fees = billed.with_columns(
        amount=pl.Series(fee[billed["prov"].to_numpy()]),
        paid_on=(pl.col("end") + pl.Series(rng.integers(25, 36, n))).cast(pl.Int32),
    )
    at90 = (
        billed.with_columns(d90=(pl.col("end") + 90).cast(pl.Int32))
        .sort("d90")
        .join_asof(
            status.select("p", "state", s0=pl.col("day").cast(pl.Int32), s1=pl.col("end")).sort(
                "s0"
            ),
            left_on="d90",
            right_on="s0",
            by="p",
            check_sortedness=False,
        )
        .filter(
            (pl.col("state") == _E)
            & (pl.col("s1").is_null() | (pl.col("s1") >= pl.col("d90")))
            & (pl.col("d90") <= _AS_OF_DAY)
        )
        .sort("episode_id")
    )
    bonuses = at90.with_columns(
        amount=pl.Series(bonus[at90["prov"].to_numpy()]),
        paid_on=(pl.col("d90") + pl.Series(rng.integers(20, 41, at90.height))).cast(pl.Int32),
    )
    cols = ["prov", "episode_id", "amount", "paid_on"]
    regular = (
        pl.concat([fees.select(cols), bonuses.select(cols)])
        .filter(pl.col("paid_on") <= _AS_OF_DAY)
        .sort("paid_on", "episode_id")
        .with_row_index("n", offset=1)
        .select(
            pl.format("PAY{}", pl.col("n").cast(pl.String).str.zfill(8)).alias("payment_id"), *cols
        )
    )

    # PLANTED_UNSUPPORTED, in its order
    ext = rng.integers(prov.external_first, n_prov, 3)
    orphan = pl.DataFrame(
        {
            "prov": ext,
            "episode_id": [None] * 3,
            "amount": fee[ext],
            "paid_on": rng.integers(_day(dt.date(2022, 1, 1)), _AS_OF_DAY - 60, 3),
        },
        schema={
            "prov": pl.Int64,
            "episode_id": pl.String,
            "amount": pl.Float64,
            "paid_on": pl.Int32,
        },
    )
    ahead_pool = ep.join(supported, on="episode_id", how="semi").filter(
        pl.col("day") > _day(dt.date(2021, 6, 1))
    )
    ahead = ahead_pool[np.sort(rng.choice(ahead_pool.height, size=2, replace=False))]
    ahead = ahead.select(
        "prov",
        "episode_id",
        amount=pl.Series(fee[ahead["prov"].to_numpy()]),
        paid_on=(pl.col("day") - 14).cast(pl.Int32),
    )
    unsupported = no_contact.select(
        "prov",
        "episode_id",
        amount=pl.Series(fee[no_contact["prov"].to_numpy()]),
        paid_on=(pl.col("end") + 30).cast(pl.Int32),
    )
    planted = pl.concat(
        [f.with_columns(pl.col("prov").cast(pl.Int64)) for f in (orphan, ahead, unsupported)],
        how="vertical_relaxed",
    ).with_columns(payment_id=pl.Series(list(PLANTED_UNSUPPORTED)))
    payments = pl.concat(
        [regular.with_columns(pl.col("prov").cast(pl.Int64)), planted.select(regular.columns)],
        how="vertical_relaxed",
    )
    return payments, support


def generate(scale: str = "demo", seed: int = 0) -> Extract:
    """Build the synthetic demo register at a scale (`test`, `demo`, `national`) for a seed."""
    if scale not in SCALES:
        raise ValueError(f"Unknown demo scale {scale!r}: use one of {', '.join(SCALES)}.")
    return _generate(scale, seed)


def _generate(scale: str, seed: int, effect_scale: float = 1.0) -> Extract:
    rng = np.random.default_rng(seed)
    geo = _geography()
    prov = _providers(geo, rng)
    sim = _simulate(geo, prov, SCALES[scale], rng, effect_scale)
    people = sim.people
    ids = _person_ids(people.n)
    codes = geo.munis["municipality_code"]

    def pid(col: str = "p") -> pl.Expr:
        return pl.col(col).map_batches(lambda s: ids.gather(s), return_dtype=pl.String)

    frames: dict[str, pl.DataFrame] = {}
    frames["trials"] = pl.DataFrame(
        {
            "trial_id": [TRIAL_ID],
            "name": [TRIAL_NAME],
            "country": [TRIAL_COUNTRY],
            "start_date": [TRIAL_START],
            "end_date": [TRIAL_END],
        }
    )
    frames["trial_areas"] = pl.DataFrame(
        {
            "trial_area_id": [a for a, _, _ in TRIAL_AREAS],
            "trial_id": [TRIAL_ID] * len(TRIAL_AREAS),
            "name": [n for _, n, _ in TRIAL_AREAS],
        }
    )
    frames["municipalities"] = geo.munis.select(
        "municipality_code",
        "name",
        "name_sv",
        "region",
        "trial_area_id",
        pl.col("population_2022").alias("population"),
    )
    frames["job_seekers"] = pl.DataFrame(
        {
            "person_id": ids,
            "birth_year": people["birth_year"].astype(np.int64),
            "gender": np.array(["F", "M", "X"])[people["gender"]],
            "language": np.array(["fi", "sv", "other"])[people["lang"]],
            "foreign_citizen": people["foreign"],
            "education": np.array(["basic", "upper_secondary", "tertiary", "unknown"])[
                people["edu"]
            ],
            "reduced_work_capacity": people["rwc"],
            "first_registered": people["first_reg"],
        }
    ).with_columns(_as_date("first_registered"))

    status = _split_back_to_back(_spells(sim.status), rng)
    frames["status_spells"] = status.select(
        pid().alias("person_id"),
        pl.col("state")
        .map_batches(lambda s: pl.Series(np.array(STATUSES)[s.to_numpy()]), return_dtype=pl.String)
        .alias("status"),
        _as_date("day").alias("start_date"),
        _as_date("end").alias("end_date"),
    )

    resp = _spells(sim.resp).filter(pl.col("org") >= 0)
    frames["responsibility_spells"] = resp.select(
        pid().alias("person_id"),
        pl.col("muni")
        .map_batches(lambda s: codes.gather(s), return_dtype=pl.String)
        .alias("municipality_code"),
        pl.when(pl.col("org") == 1)
        .then(pl.lit("municipal"))
        .otherwise(pl.lit("state"))
        .alias("organisation"),
        _as_date("day").alias("start_date"),
        _as_date("end").alias("end_date"),
    )

    frames["providers"] = prov.frame
    episodes = (
        status.filter(pl.col("state").is_in([_S, _W]))
        .sort("day", "p")
        .with_row_index("n", offset=1)
        .with_columns(episode_id=pl.format("EP{}", pl.col("n").cast(pl.String).str.zfill(8)))
    )
    prov_ids = prov.frame["provider_id"]
    frames["service_episodes"] = episodes.select(
        "episode_id",
        pid().alias("person_id"),
        pl.col("svc")
        .map_batches(
            lambda s: pl.Series(np.array(SERVICE_TYPES)[s.to_numpy()]), return_dtype=pl.String
        )
        .alias("service_type"),
        pl.col("prov")
        .map_batches(lambda s: prov_ids.gather(s), return_dtype=pl.String)
        .alias("provider_id"),
        _as_date("day").alias("start_date"),
        _as_date("end").alias("end_date"),
    )

    # Payments draw from their own generator (_payments), so that adding or changing them changes
    # no other table. The main generator still takes the two draws the payments of earlier
    # versions took here, so that the staff and contact tables drawn after them stay the same.
    burned = episodes.filter(pl.col("prov") >= prov.external_first, pl.col("end").is_not_null())
    rng.random(burned.height)
    rng.integers(25, 36, burned.height)

    staff, employer, ratio = _staff(geo, sim.caseload, rng)
    frames["staff_months"] = staff
    frames["employer_contacts"] = employer
    contacts = _client_contacts(sim.contacts, geo, ratio, rng)
    frames["client_contacts"] = contacts.select(
        pid().alias("person_id"),
        pl.col("t")
        .map_batches(
            lambda s: pl.Series(np.array(_MONTH_KEYS)[s.to_numpy()]), return_dtype=pl.String
        )
        .alias("month"),
        "coaching_contacts",
    ).sort("month", "person_id")
    payments, support = _payments(episodes, status, resp, contacts, prov, seed)
    frames["payments"] = payments.select(
        "payment_id",
        pl.col("prov")
        .map_batches(lambda s: prov_ids.gather(s), return_dtype=pl.String)
        .alias("provider_id"),
        "episode_id",
        "amount",
        pl.lit("EUR").alias("currency"),
        _as_date("paid_on"),
    )
    if support.height:
        frames["client_contacts"] = pl.concat(
            [
                frames["client_contacts"],
                support.select(
                    pid().alias("person_id"),
                    pl.col("t")
                    .map_batches(
                        lambda s: pl.Series(np.array(_MONTH_KEYS)[s.to_numpy()]),
                        return_dtype=pl.String,
                    )
                    .alias("month"),
                    pl.col("coaching_contacts").cast(pl.Int64),
                ),
            ]
        ).sort("month", "person_id")

    frames = {name: _conform(name, f) for name, f in frames.items()}
    return Extract(
        frames=frames,
        as_of=AS_OF,
        period_start=DATA_START,
        source=f"Trialwatch synthetic demo register (seed {seed}, scale {scale})",
        description=(
            "SYNTHETIC data, not real persons: a simulated Finnish-style municipal employment "
            "trial calibrated to published Statistics Finland figures (12r5, CC BY 4.0). "
            f"Built-in trial effect from {EFFECT_START:%Y-%m}: +{EFFECT_PP_LONG_TERM} pp "
            f"(long-term unemployed) / +{EFFECT_PP_OTHER} pp (others) monthly exit to "
            f"employment in trial areas {', '.join(EFFECT_AREAS)}; none elsewhere."
        ),
    )
