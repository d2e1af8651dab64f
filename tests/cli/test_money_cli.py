"""The money indicators from the command line: the contract's columns, and a clean refusal
(exit 2, one line naming the missing table) where the extract has no payments."""

from __future__ import annotations

import polars as pl
import pytest

from lib.cli.commands import main
from lib.register.contract import Extract
from lib.register.extract import write_extract
from tests.hand_fixture import hand_extract, money_extract


def load(tmp_path, db_url, extract: Extract) -> str:
    folder = tmp_path / "extract"
    write_extract(extract, folder)
    assert main(["--db", db_url, "import", str(folder)]) == 0
    return db_url


def test_payments_by_provider_as_csv(tmp_path, db_url):
    load(tmp_path, db_url, money_extract())
    out = tmp_path / "out.csv"
    args = ["--db", db_url, "indicators", "payments_amount", "--by", "provider_id"]
    assert main([*args, "--out", str(out)]) == 0
    df = pl.read_csv(out, schema_overrides={"provider_id": pl.String})
    assert df.columns == ["provider_id", "value", "suppressed"]
    # PR1 5700, PR2 1000, PR3 1000 (tests/engine/test_money.py works them out)
    assert df.rows() == [("PR1", 5700.0, False), ("PR2", 1000.0, False), ("PR3", 1000.0, False)]


def test_cost_per_participant_is_suppressed_under_the_threshold(tmp_path, db_url):
    load(tmp_path, db_url, money_extract())
    out = tmp_path / "out.csv"
    args = ["--db", db_url, "indicators", "cost_per_participant", "--by", "provider_id"]
    assert main([*args, "--out", str(out)]) == 0
    df = pl.read_csv(out)
    assert df.columns == ["provider_id", "value", "numerator", "denominator", "suppressed"]
    # 3 and 1 episodes behind PR1 and PR2: under the default threshold 5
    assert df["suppressed"].to_list() == [True, True] and df["value"].is_null().all()


@pytest.mark.parametrize(
    "indicator",
    ["payments_amount", "cost_per_participant", "cost_per_placement", "unsupported_payments"],
)
def test_refused_with_exit_2_without_payments(tmp_path, db_url, indicator, capsys):
    base = hand_extract()
    frames = {k: v for k, v in base.frames.items() if k != "payments"}
    load(tmp_path, db_url, Extract(frames=frames, as_of=base.as_of, source="t", description="t"))
    capsys.readouterr()
    assert main(["--db", db_url, "indicators", indicator, "--by", "month"]) == 2
    err = capsys.readouterr().err
    assert "needs the 'payments' table" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
