"""The synthetic demo register: deterministic, contract-valid, and calibrated as documented.

Contract rules are checked here directly with Polars, not through the importer's validation.
Calibration checks use the `demo` scale (built once, a few seconds); determinism uses `test`.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from lib.register import demo
from lib.register.contract import TABLES, TABLES_BY_NAME, polars_schema
from lib.settings import REFERENCE_DIR

ALL_TABLES = [t.name for t in TABLES]


@pytest.fixture(scope="module")
def extract():
    return demo.generate("demo", seed=0)


@pytest.fixture(scope="module")
def frames(extract):
    return extract.frames


@pytest.fixture(scope="module")
def small():
    return demo.generate("test", seed=0)


def month_end(month: str) -> dt.date:
    y, m = int(month[:4]), int(month[5:])
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def covering(spells: pl.DataFrame, day: dt.date, as_of: dt.date) -> pl.DataFrame:
    return spells.filter(pl.col("start_date") <= day, pl.col("end_date").fill_null(as_of) >= day)


# --- Determinism --------------------------------------------------------------------------------
def test_same_seed_gives_identical_frames(small):
    again = demo.generate("test", seed=0)
    assert again.frames.keys() == small.frames.keys()
    for name, frame in small.frames.items():
        assert_frame_equal(again.frames[name], frame)
    assert (again.as_of, again.source, again.description) == (
        small.as_of,
        small.source,
        small.description,
    )


def test_different_seeds_give_different_registers(small):
    other = demo.generate("test", seed=1)
    assert not other.frames["status_spells"].equals(small.frames["status_spells"])
    assert not other.frames["job_seekers"].equals(small.frames["job_seekers"])
    # The reference facts do not depend on the seed.
    assert other.frames["municipalities"].equals(small.frames["municipalities"])


def test_unknown_scale_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="use one of test, demo, national"):
        demo.generate("huge")


def test_manifest_says_synthetic_with_seed_and_scale(small):
    assert small.as_of == dt.date(2024, 6, 30)
    assert small.source == "Trialwatch synthetic demo register (seed 0, scale test)"
    assert "synthetic" in small.description.lower()


# --- The contract ---------------------------------------------------------------------------
def test_every_table_is_present_in_the_contract_schema(frames):
    assert sorted(frames) == sorted(ALL_TABLES)
    for name in ALL_TABLES:
        assert frames[name].schema == pl.Schema(polars_schema(name)), name


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("trials", ["trial_id"]),
        ("trial_areas", ["trial_area_id"]),
        ("municipalities", ["municipality_code"]),
        ("job_seekers", ["person_id"]),
        ("responsibility_spells", ["person_id", "start_date"]),
        ("status_spells", ["person_id", "start_date"]),
        ("service_episodes", ["episode_id"]),
        ("providers", ["provider_id"]),
        ("staff_months", ["municipality_code", "month", "role", "origin"]),
        ("client_contacts", ["person_id", "month"]),
        ("employer_contacts", ["municipality_code", "month"]),
        ("payments", ["payment_id"]),
    ],
)
def test_keys_are_unique(frames, table, key):
    assert frames[table].select(key).is_duplicated().sum() == 0


@pytest.mark.parametrize(
    ("table", "column", "target", "target_column"),
    [
        ("trial_areas", "trial_id", "trials", "trial_id"),
        ("municipalities", "trial_area_id", "trial_areas", "trial_area_id"),
        ("responsibility_spells", "person_id", "job_seekers", "person_id"),
        ("responsibility_spells", "municipality_code", "municipalities", "municipality_code"),
        ("status_spells", "person_id", "job_seekers", "person_id"),
        ("service_episodes", "person_id", "job_seekers", "person_id"),
        ("service_episodes", "provider_id", "providers", "provider_id"),
        ("staff_months", "municipality_code", "municipalities", "municipality_code"),
        ("client_contacts", "person_id", "job_seekers", "person_id"),
        ("employer_contacts", "municipality_code", "municipalities", "municipality_code"),
        ("payments", "provider_id", "providers", "provider_id"),
        ("payments", "episode_id", "service_episodes", "episode_id"),
    ],
)
def test_references_resolve(frames, table, column, target, target_column):
    values = frames[table].select(pl.col(column).drop_nulls().unique())
    missing = values.join(
        frames[target].select(pl.col(target_column).alias(column)), on=column, how="anti"
    )
    assert missing.height == 0, missing.head()


@pytest.mark.parametrize(
    "table", ["trials", "responsibility_spells", "status_spells", "service_episodes"]
)
def test_spells_end_on_or_after_start(frames, table):
    assert frames[table].filter(pl.col("end_date") < pl.col("start_date")).height == 0


@pytest.mark.parametrize("table", ["responsibility_spells", "status_spells"])
def test_spells_of_one_person_do_not_overlap(frames, table):
    ordered = (
        frames[table]
        .sort("person_id", "start_date")
        .with_columns(
            prev_end=pl.col("end_date").shift(1).over("person_id"),
            prev_open=pl.col("end_date").is_null().shift(1).over("person_id"),
        )
    )
    overlaps = ordered.filter(pl.col("prev_open") | (pl.col("prev_end") >= pl.col("start_date")))
    assert overlaps.height == 0, overlaps.head()


def test_required_columns_are_filled_and_codes_allowed(frames):
    for name, frame in frames.items():
        for column in TABLES_BY_NAME[name].columns:
            if column.required:
                assert frame[column.name].null_count() == 0, (name, column.name)
            if column.values:
                bad = frame.filter(~pl.col(column.name).is_in(list(column.values)))
                assert bad.height == 0, (name, column.name, bad.head())


def test_nothing_is_dated_after_as_of(extract):
    f = extract.frames
    for name in ("responsibility_spells", "status_spells", "service_episodes"):
        assert f[name]["start_date"].max() <= extract.as_of
        assert f[name]["end_date"].max() < extract.as_of
    assert f["payments"]["paid_on"].max() <= extract.as_of
    assert f["client_contacts"]["month"].max() == "2024-06"


def test_payments_are_a_fee_per_finished_external_coaching_episode_plus_a_bonus(frames):
    regular = frames["payments"].filter(~pl.col("payment_id").is_in(list(demo.PLANTED_UNSUPPORTED)))
    paid = regular.join(frames["service_episodes"], on=["episode_id", "provider_id"]).join(
        frames["providers"], on="provider_id"
    )
    assert paid.height == regular.height > 1000
    assert (paid["kind"] == "external").all() and (paid["service_type"] == "coaching").all()
    assert (paid["paid_on"] > paid["end_date"]).all()
    assert (frames["payments"]["currency"] == "EUR").all()
    # one fee per episode, the provider's own price (EUR 900-1,600); a bonus of 60 % of it
    per_episode = (
        paid.sort("paid_on")
        .group_by("episode_id", maintain_order=True)
        .agg(pl.col("amount"), pl.col("provider_id").first())
    )
    fees = per_episode.select("provider_id", fee=pl.col("amount").list.first())
    assert fees["fee"].min() >= 900 and fees["fee"].max() <= 1600
    assert (fees.group_by("provider_id").agg(pl.col("fee").n_unique())["fee"] == 1).all()
    with_bonus = per_episode.filter(pl.col("amount").list.len() == 2)
    assert per_episode["amount"].list.len().max() == 2
    assert 0.15 < with_bonus.height / per_episode.height < 0.45  # placed at 90 days
    ratio = with_bonus["amount"].list.last() / with_bonus["amount"].list.first()
    assert ratio.min() > 0.55 and ratio.max() < 0.65


@pytest.mark.parametrize("seed", [0, 1])
def test_the_audit_finds_exactly_the_planted_unsupported_payments(seed):
    from lib.engine.money import flagged_payments
    from lib.engine.snapshot import UNSUPPORTED_REASONS, build_snapshot

    snap = build_snapshot(demo.generate("test", seed=seed))
    flags = snap.payments.filter(pl.col("unsupported"))
    reasons = {
        r["payment_id"]: [k for k in UNSUPPORTED_REASONS if r[k]]
        for r in flags.iter_rows(named=True)
    }
    assert reasons == {pid: [why] for pid, why in demo.PLANTED_UNSUPPORTED.items()}
    assert set(flagged_payments(snap)["payment_id"]) == set(demo.PLANTED_UNSUPPORTED)
    # every reason of the contract is planted at least once
    assert set(demo.PLANTED_UNSUPPORTED.values()) == set(UNSUPPORTED_REASONS)


def test_payments_leave_every_other_table_as_it_was(small):
    # The payments draw from their own generator: these are the test scale's frames before
    # payments were reworked (issue 19); only payments and client_contacts (provider contacts
    # added outside the municipal caseload) differ.
    before = {
        "job_seekers": (5294, 4641104018548477023),
        "responsibility_spells": (8030, 8869156388174260904),
        "service_episodes": (4981, 4209537987324969842),
        "staff_months": (4710, 11853095116301710818),
        "status_spells": (20690, 12860727659141535537),
        "employer_contacts": (4920, 2085168023253937505),
    }
    got = {k: (small.frames[k].height, small.frames[k].hash_rows().sum()) for k in before}
    assert got == before


# --- Geography and the trial ----------------------------------------------------------------
def test_municipalities_are_the_real_309_with_leading_zeros(frames):
    munis = frames["municipalities"]
    assert munis.height == 309
    assert munis["municipality_code"].str.contains(r"^[0-9]{3}$").all()
    row = munis.filter(pl.col("municipality_code") == "005").row(0, named=True)
    assert (row["name"], row["name_sv"], row["region"]) == (
        "Alajärvi",
        "Alajärvi",
        "Etelä-Pohjanmaa",
    )
    helsinki = munis.filter(pl.col("municipality_code") == "091").row(0, named=True)
    assert (helsinki["name_sv"], helsinki["population"]) == ("Helsingfors", 664028)
    assert munis.filter(pl.col("name") == "Maarianhamina")["trial_area_id"].item() is None


def test_about_25_trial_areas_hold_about_120_municipalities(frames):
    munis = frames["municipalities"]
    trial = munis.filter(pl.col("trial_area_id").is_not_null())
    assert frames["trial_areas"].height == 25
    assert 110 <= trial.height <= 130
    assert trial["trial_area_id"].n_unique() == 25
    assert frames["trials"].row(0, named=True) == {
        "trial_id": "FI-KUNTAKOKEILU",
        "name": "Municipal employment trials (synthetic demo)",
        "country": "FI",
        "start_date": dt.date(2021, 3, 1),
        "end_date": dt.date(2024, 12, 31),
    }


def test_each_trial_area_lies_in_one_sub_region():
    reference = pl.read_csv(REFERENCE_DIR / "fi_municipalities.csv", infer_schema_length=0)
    subregion = dict(zip(reference["name"], reference["subregion"], strict=True))
    for area_id, _, members in demo.TRIAL_AREAS:
        assert len({subregion[m] for m in members}) == 1, area_id


def test_effect_areas_are_documented_constants():
    area_ids = {a for a, _, _ in demo.TRIAL_AREAS}
    assert len(demo.EFFECT_AREAS) == 12 and set(demo.EFFECT_AREAS) <= area_ids
    assert (demo.EFFECT_PP_LONG_TERM, demo.EFFECT_PP_OTHER) == (3.0, 1.0)
    assert demo.EFFECT_START == dt.date(2021, 3, 1)


def test_initial_transfer_happens_on_the_trial_start(frames):
    spells = (
        frames["responsibility_spells"]
        .sort("person_id", "start_date")
        .with_columns(
            prev_org=pl.col("organisation").shift(1).over("person_id"),
            prev_end=pl.col("end_date").shift(1).over("person_id"),
        )
    )
    transfers_in = spells.filter(
        pl.col("organisation") == "municipal",
        pl.col("prev_org") == "state",
        pl.col("prev_end") == pl.col("start_date") - pl.duration(days=1),
    )
    initial = transfers_in.filter(pl.col("start_date") == dt.date(2021, 3, 1))
    later = transfers_in.filter(pl.col("start_date") > dt.date(2021, 3, 1))
    assert initial.height > 5_000
    assert later.height > 1_000
    # Only state before the trial; municipal spells only in trial municipalities.
    assert spells.filter(pl.col("organisation") == "municipal")["start_date"].min() == dt.date(
        2021, 3, 1
    )
    municipal_codes = spells.filter(pl.col("organisation") == "municipal").join(
        frames["municipalities"], on="municipality_code"
    )
    assert municipal_codes["trial_area_id"].null_count() == 0


# --- Calibration ------------------------------------------------------------------------------
def test_about_60000_distinct_persons(frames):
    assert 54_000 <= frames["job_seekers"].height <= 66_000


def test_person_mix(extract):
    js = extract.frames["job_seekers"]
    share = {k: v for k, v in js["language"].value_counts(normalize=True).iter_rows()}
    assert 0.78 <= share["fi"] <= 0.88 and 0.03 <= share["sv"] <= 0.08
    assert 0.08 <= js["foreign_citizen"].mean() <= 0.13
    assert 0.06 <= js["reduced_work_capacity"].mean() <= 0.10
    assert 0.42 <= (js["gender"] == "F").mean() <= 0.48
    assert 0 < (js["gender"] == "X").sum() < 100
    newly_arrived = js.filter(
        pl.col("foreign_citizen"),
        pl.col("first_registered") > extract.as_of - dt.timedelta(days=1095),
    )
    assert newly_arrived.height > 100


def test_helsinki_stock_tracks_k_times_the_published_series(extract):
    f = extract.frames
    published = pl.read_csv(
        REFERENCE_DIR / "fi_unemployed_monthly.csv",
        schema_overrides={"municipality_code": pl.String},
    ).filter(pl.col("municipality_code") == "091", pl.col("month") >= "2019-01")
    k = demo.SCALES["demo"]
    unemployed = f["status_spells"].filter(pl.col("status") == "unemployed")
    resp = f["responsibility_spells"].filter(pl.col("municipality_code") == "091")
    for month, real in published.select("month", "unemployed_jobseekers").iter_rows():
        day = month_end(month)
        persons = covering(unemployed, day, extract.as_of).join(
            covering(resp, day, extract.as_of), on="person_id"
        )
        assert persons.height == pytest.approx(k * real, rel=0.05), month


def test_back_to_back_unemployment_spells_exist(frames):
    u = (
        frames["status_spells"]
        .filter(pl.col("status") == "unemployed")
        .sort("person_id", "start_date")
    )
    pairs = u.with_columns(prev_end=pl.col("end_date").shift(1).over("person_id")).filter(
        pl.col("prev_end") == pl.col("start_date") - pl.duration(days=1)
    )
    assert 0.015 <= pairs.height / u.height <= 0.05


def test_coaching_placement_at_14_and_90_days(extract):
    f = extract.frames
    employed = f["status_spells"].filter(pl.col("status") == "employed")
    coaching = f["service_episodes"].filter(
        pl.col("service_type") == "coaching", pl.col("end_date").is_not_null()
    )

    def rate(days: int) -> float:
        ended = coaching.with_columns(day=pl.col("end_date") + pl.duration(days=days)).filter(
            pl.col("day") <= extract.as_of
        )
        placed = ended.join(employed, on="person_id", suffix="_e").filter(
            pl.col("start_date_e") <= pl.col("day"),
            pl.col("end_date_e").fill_null(extract.as_of) >= pl.col("day"),
        )
        return 100 * placed["episode_id"].n_unique() / ended.height

    assert 20 <= rate(14) <= 30  # about a quarter
    assert 29 <= rate(90) <= 39  # about a third


def test_activation_rate_and_long_term_share_at_month_ends(extract):
    status = extract.frames["status_spells"]
    unemployed = status.filter(pl.col("status") == "unemployed").sort("person_id", "start_date")
    # Back-to-back unemployment records count as one spell.
    unemployed = unemployed.with_columns(
        new=(
            pl.col("end_date").shift(1).over("person_id")
            != pl.col("start_date") - pl.duration(days=1)
        ).fill_null(True)
    ).with_columns(spell=pl.col("new").cum_sum().over("person_id"))
    unemployed = unemployed.with_columns(
        spell_start=pl.col("start_date").min().over("person_id", "spell")
    )
    activation, long_term = [], []
    for month in ("2019-06", "2020-10", "2021-10", "2022-10", "2023-10", "2024-03"):
        day = month_end(month)
        counts = covering(status, day, extract.as_of)["status"].value_counts()
        n = dict(counts.iter_rows())
        active = n["services"] + n["subsidised_employment"]
        activation.append(100 * active / (active + n["unemployed"]))
        u = covering(unemployed, day, extract.as_of)
        long_term.append(100 * ((day - u["spell_start"]).dt.total_days() >= 365).mean())
    assert 24 <= sum(activation) / len(activation) <= 31
    assert 20 <= sum(long_term) / len(long_term) <= 32


def test_clients_per_client_facing_fte_by_area(extract):
    f = extract.frames
    areas = f["municipalities"].select("municipality_code", "trial_area_id")
    municipal = f["responsibility_spells"].filter(pl.col("organisation") == "municipal")
    ratios = {}
    for month in ("2021-06", "2022-06", "2023-06", "2024-06"):
        caseload = (
            covering(municipal, month_end(month), extract.as_of)
            .join(areas, on="municipality_code")
            .group_by("trial_area_id")
            .len()
        )
        fte = (
            f["staff_months"]
            .filter(pl.col("month") == month, pl.col("role").is_in(["coach", "advisor"]))
            .join(areas, on="municipality_code")
            .group_by("trial_area_id")
            .agg(pl.col("fte").sum())
        )
        for area, ratio in (
            caseload.join(fte, on="trial_area_id")
            .select("trial_area_id", pl.col("len") / pl.col("fte"))
            .iter_rows()
        ):
            ratios.setdefault(area, []).append(ratio)
    mean = {a: sum(v) / len(v) for a, v in ratios.items()}
    assert len(mean) == 25
    assert {a for a, r in mean.items() if r > 30} == set(demo.UNDERSTAFFED_AREAS)
    assert {a for a, r in mean.items() if r < 20} == set(demo.OVERSTAFFED_AREAS)
    assert all(r > 32 for a, r in mean.items() if a in demo.UNDERSTAFFED_AREAS)


def test_staff_origins_transferred_decline_and_municipal_grow(frames):
    by_origin = (
        frames["staff_months"]
        .group_by("month", "origin")
        .agg(pl.col("fte").sum())
        .pivot(on="origin", index="month", values="fte")
        .sort("month")
    )
    first, last = by_origin.row(0, named=True), by_origin.row(-1, named=True)
    assert first["month"] == "2021-03" and last["month"] == "2024-06"
    assert first["transferred"] > 3 * first["municipal"]
    assert last["transferred"] < first["transferred"]
    assert last["municipal"] > 1.3 * first["municipal"]


def test_contacts_only_for_active_municipal_clients_and_lower_where_understaffed(extract):
    f = extract.frames
    month = "2023-06"
    areas = f["municipalities"].select("municipality_code", "trial_area_id")
    active = (
        covering(
            f["responsibility_spells"].filter(pl.col("organisation") == "municipal"),
            month_end(month),
            extract.as_of,
        )
        .join(areas, on="municipality_code")
        .select("person_id", "trial_area_id")
    )
    contacts = f["client_contacts"].filter(pl.col("month") == month)
    # Outside the municipal caseload, only the contacts recorded with a paid external coaching
    # episode running that month (issue 19: every paid episode has a contact behind it).
    outside = contacts.join(active, on="person_id", how="anti")
    running = (
        f["service_episodes"]
        .join(f["payments"], on="episode_id", how="semi")
        .filter(
            pl.col("start_date") <= month_end(month),
            pl.col("end_date") >= dt.date.fromisoformat(f"{month}-01"),
        )
    )
    assert outside.join(running, on="person_id", how="anti").height == 0
    assert outside.height < 0.01 * contacts.height
    assert (f["client_contacts"]["coaching_contacts"] > 0).all()
    joined = active.join(contacts, on="person_id", how="left").with_columns(
        c=pl.col("coaching_contacts").fill_null(0),
        understaffed=pl.col("trial_area_id").is_in(list(demo.UNDERSTAFFED_AREAS)),
    )
    rates = dict(joined.group_by("understaffed").agg((pl.col("c") >= 1).mean() * 100).iter_rows())
    means = dict(joined.group_by("understaffed").agg(pl.col("c").mean()).iter_rows())
    assert 80 <= rates[False] <= 92 and 68 <= rates[True] <= 82
    assert 3.0 <= means[False] <= 4.0 and 1.4 <= means[True] <= 2.4
