"""The admin pages (lib/web/admin.py) in AppTest: the audit trail and the Import page, for a
signed-in admin (st.user seeded, as tests/web/test_signin.py does); refused for anyone else.

The Import page runs exactly `trialwatch import`'s path (door.import_folder): a good zip loads
as a new batch, a bad one lists the problems the command prints and leaves the store as it was,
and an unsafe zip is refused before anything is unpacked. Each writes an `import` audit row.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from lib.engine import access, door
from lib.figures.text import as_read
from lib.register.extract import ExtractError, read_extract, write_extract
from lib.register.store import get_engine, latest_batch
from lib.register.users import add_user
from lib.web import data
from tests.hand_fixture import hand_extract
from tests.web.test_pages import DASHBOARD
from tests.web.test_signin import AUTH, claims, register_extract, trail
from tests.web.test_signin import env as env  # noqa: F401 -- the fixture

ADMIN = "admin@tem.fi"


@pytest.fixture
def store(env):  # noqa: F811
    url = env(register_extract())
    engine = get_engine(url)
    add_user(engine, ADMIN, role="admin")
    add_user(engine, "lead@kunta.fi", role="municipal", areas=("A1",))
    return url


def open_page(page: str, email: str = ADMIN) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = claims(email)
    at.run()
    at.switch_page(page)
    return at.run()


def zipped(folder, bad_name: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.iterdir()):
            z.write(p, f"extract/{p.name}")
        if bad_name:
            z.writestr(bad_name, b"x")
    return buf.getvalue()


def upload(at: AppTest, name: str, body: bytes) -> AppTest:
    at.get("file_uploader")[0].set_value((name, body, "application/zip"))
    at.run()
    return at.button(key="import_go").click().run()


# --- the audit trail -----------------------------------------------------------------------------


def test_the_audit_trail_lists_and_filters_the_events(store):
    # a saved view whose name is Markdown: it is listed as text, inside a table cell only
    lead = access.viewer_for_subject("lead@kunta.fi", store)
    door.save_view(lead, "explorer", "**bold** [x](http://evil.example)", {"ind": "unemployed"},
                   store)  # fmt: skip
    at = open_page("pages/audit.py")
    assert not at.exception and not at.error
    assert at.title[0].value == "Audit trail"
    table = at.dataframe[0].value
    # newest first: this sign-in, then the saved view; all of them written so far
    assert table["action"].to_list()[:2] == ["sign_in", "saved_view"]
    assert len(table) == len(trail(store))
    assert '"name": "**bold** [x](http://evil.example)"' in table["detail"][1]
    assert not any("evil.example" in as_read(m.value) for m in at.markdown)
    at.text_input(key="audit_user").set_value("lead@kunta.fi").run()
    assert set(at.dataframe[0].value["subject"]) == {"lead@kunta.fi"}
    at.text_input(key="audit_user").set_value("").run()
    at.selectbox(key="audit_action").set_value("sign_in").run()
    assert at.dataframe[0].value["subject"].to_list() == [ADMIN]
    # the action filter names each action in words (lib/web/admin.py ACTION_LABELS)
    assert at.selectbox(key="audit_action").options[:3] == ["All", "Sign-in", "Sign-out"]


def test_the_admin_pages_refuse_anyone_else(store):
    for page in ("pages/audit.py", "pages/import_extract.py"):
        at = open_page(page, "lead@kunta.fi")
        assert not at.exception and not at.error
        assert not at.dataframe and not at.get("file_uploader")
        assert any("Only an admin may" in i.value for i in at.info)
    refusals = [e.detail["page"] for e in trail(store, "refused")]
    assert refusals == [door.READ_AUDIT, door.LOAD_REGISTER]


def test_the_demo_visitor_as_admin_cannot_import(env):  # noqa: F811
    env()  # the synthetic hand store, no [auth]
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    at.session_state[data.VIEWER_KEY] = access.demo_viewer("admin")
    at.run()
    at.switch_page("pages/import_extract.py")
    at.run()
    assert not at.exception and not at.get("file_uploader")
    assert any("needs a signed-in admin" in i.value for i in at.info)


# --- importing through the browser ---------------------------------------------------------------


def test_a_good_zip_loads_as_trialwatch_import_does(store, tmp_path):
    before = latest_batch(get_engine(store)).batch_id
    folder = write_extract(hand_extract(), tmp_path / "good")
    at = upload(open_page("pages/import_extract.py"), "good.zip", zipped(folder))
    assert not at.exception and not at.error, [e.value for e in at.error]
    batch = latest_batch(get_engine(store))
    assert batch.batch_id == before + 1 and batch.source_path == "upload good.zip"
    (done,) = at.success
    assert f"Imported good.zip as batch {batch.batch_id}" in as_read(done.value)
    (row,) = trail(store, "import")
    assert (row.subject, row.target, row.detail["result"]) == (ADMIN, "import page", "loaded")
    # the rows loaded: every table's rows (the batch's own count)
    assert row.rows == sum(__import__("json").loads(batch.row_counts).values())


def test_a_bad_zip_lists_the_problems_and_leaves_the_store(store, tmp_path):
    before = latest_batch(get_engine(store)).batch_id
    bad = write_extract(hand_extract(), tmp_path / "bad")
    lines = (bad / "status_spells.csv").read_text().splitlines()
    lines[2] = lines[2].replace("2020-11-30", "2020-11-31")  # line 3: not a date
    (bad / "status_spells.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ExtractError) as refused:  # what `trialwatch import` prints
        read_extract(bad)
    at = upload(open_page("pages/import_extract.py"), "bad.zip", zipped(bad))
    assert not at.exception
    assert "The store is unchanged" in at.error[0].value
    shown = at.code[0].value
    assert "status_spells.csv" in shown and "line 3" in shown and "end_date" in shown
    # the same list as the command's, but for the folder's name (a temporary one here)
    assert shown.splitlines()[1:] == str(refused.value).splitlines()[1:]
    assert latest_batch(get_engine(store)).batch_id == before
    (row,) = trail(store, "import")
    assert row.detail["result"] == "refused" and row.detail["problems"] == refused.value.total


def test_a_zip_that_climbs_out_is_refused_before_unpacking(store, tmp_path):
    before = latest_batch(get_engine(store)).batch_id
    folder = write_extract(hand_extract(), tmp_path / "good")
    body = zipped(folder, bad_name="extract/../../../../tmp/trialwatch-evil.csv")
    at = upload(open_page("pages/import_extract.py"), "evil.zip", body)
    assert not at.exception
    assert "outside the extract's folder" in as_read(at.error[0].value)
    assert latest_batch(get_engine(store)).batch_id == before
    (row,) = trail(store, "import")
    assert row.detail["result"] == "refused" and "outside" in row.detail["reason"]


def test_an_admin_loads_the_first_extract_into_an_empty_store(monkeypatch, tmp_path):
    monkeypatch.setenv("TRIALWATCH_MIN_COUNT", "0")
    monkeypatch.setenv("TRIALWATCH_CACHE_DIR", str(tmp_path / "cache"))
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    monkeypatch.setenv("TRIALWATCH_DB", url)
    add_user(get_engine(url), ADMIN, role="admin")
    at = open_page("pages/import_extract.py")
    assert not at.exception and not at.error
    folder = write_extract(register_extract(), tmp_path / "first")
    at = upload(at, "first.zip", zipped(folder))
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert latest_batch(get_engine(url)).batch_id == 1
    # the figures open at once (the store's state is read again, not after its cache's seconds)
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception
    assert [m.value for m in at.metric if as_read(m.label) == "Active caseload"] == ["3"]
