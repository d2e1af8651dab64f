"""Names vulture (tests/test_lint.py) would call unused, each kept for a reason given here.

Vulture reads the product's code, not the tests, so that a function only tests call counts as
unused. Whatever is listed below is used in a way vulture cannot see, or is kept on purpose as
a small public reading API that the tests (and an evaluator at a Python prompt) use to check
the product's figures from another side. Add a name only with its reason; this file is parsed,
never run.
"""

# SQLModel table columns: read and written by name through SQL, never as attributes in lib.
country  # unused variable
start_date  # unused variable
end_date  # unused variable
person_id  # unused variable
foreign_citizen  # unused variable
education  # unused variable
reduced_work_capacity  # unused variable
first_registered  # unused variable
person_id  # unused variable
start_date  # unused variable
organisation  # unused variable
end_date  # unused variable
person_id  # unused variable
start_date  # unused variable
end_date  # unused variable
provider_id  # unused variable
episode_id  # unused variable
person_id  # unused variable
provider_id  # unused variable
start_date  # unused variable
end_date  # unused variable
person_id  # unused variable
coaching_contacts  # unused variable
payment_id  # unused variable
provider_id  # unused variable
episode_id  # unused variable
amount  # unused variable
currency  # unused variable
paid_on  # unused variable
PublishedSeries  # unused class
area_code  # unused variable
source_paths  # unused variable
file_format  # unused variable

# Used by the frameworks: SQLAlchemy event listeners, a DB-API attribute, Streamlit's cache key
# (an argument that is hashed, never read), a Streamlit internal switched off on purpose.
_connect  # unused function (lib/register/store.py)
_.isolation_level  # unused attribute (lib/register/store.py)
_begin  # unused function (lib/register/store.py)
settings_key  # unused variable (lib/web/data.py)
_.uses_pages_directory  # unused attribute (lib/web/workarounds.py)

# Fields of value objects, read with getattr or written whole into an answer (asdict).
age_band  # unused variable (lib/figures/filters.py)
education  # unused variable (lib/figures/filters.py)
method_trial  # unused variable (lib/stats/effect.py)
method_comparison  # unused variable (lib/stats/effect.py)
share_covering_zero  # unused variable (lib/stats/effect.py)
DEFAULT_MIN_COUNT  # unused variable (lib/engine/disclosure.py: the contract's default, named)

# The hooks the sign-in and the demo visitor's role choice set the session's viewer with.
demo_viewer  # unused function (lib/engine/access.py)
set_viewer  # unused function (lib/web/data.py)

# The reading API the tests check the product with: a scalar Wilson interval beside the
# vectorised one, a download read back as a spreadsheet would, a Markdown string as a person
# reads it, a view's blocks, a PX file written from a frame (the PxWeb test server), a published
# file read alone, the store's row counts, a model's coefficients and rows, and a survival
# curve's readings.
wilson  # unused function (lib/engine/intervals.py)
noise_of  # unused function (lib/engine/disclosure.py: the scalar noise the vectorised table is checked against)
excel_names  # unused function (lib/figures/exports.py)
read_csv_export  # unused function (lib/figures/exports.py)
_.municipality  # unused method (lib/figures/filters.py)
as_read  # unused function (lib/figures/text.py)
blocks_of  # unused function (lib/figures/view.py)
write_px  # unused function (lib/published/px.py)
read_published_file  # unused function (lib/published/readers.py)
register_row_counts  # unused function (lib/register/store.py)
coefficients  # unused function (lib/stats/expected.py)
placement_rows  # unused function (lib/stats/expected.py)
fitted_model  # unused function (lib/stats/expected.py)
time_to_employment  # unused function (lib/stats/survival.py)
median_time  # unused function (lib/stats/survival.py)
survival_at  # unused function (lib/stats/survival.py)
follow_up_direct  # unused function (lib/stats/survival.py: the definition the kept follow-up is checked against, tests/stats/test_precomputed.py)
