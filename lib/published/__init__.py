"""Published statistics beside the register: read, validate, store and compare them.

Officials read the trial's register figures against the official ones. This package loads the
statistics office's published tables into their own store tables (lib/register/schema.py
`PublishedSeries`, `PublishedLoad`), never touching the register:

- `12r5` (Statistics Finland, StatFin): unemployed job seekers at month end, the labour force
  (annual, repeated each month) and open vacancies, for the whole country, regions, sub-regions,
  ELY centres and municipalities;
- `12u4` (StatFin): the national stock in each employment service and the activation rate;
- `population` (THL Sotkanet): population by municipality at year end.

One job a module:

- `specs.py`: the measures, tables, area levels and codes, the canonical long form;
- `readers.py`: reading and validating CSV and PX files (`px.py` parses PX): every problem
  listed with its file, line and column (lib.register.extract.Problem), as for a register
  extract, nothing returned unless everything is valid;
- `storage.py`: an import replaces the tables its files hold in one transaction; the loads,
  the cells and their coverage read back; the demo store's files;
- `comparison.py`: the 12r5 table wide with the unemployment rate (100 x unemployed / labour
  force, only where both are known), published totals against the sums over their
  municipalities (the difference shown, not hidden), the areas to compare and the comparison
  with the register; the national activation rate.

Areas keep their level and the source's own code; municipal codes are mapped to the register's
municipality codes (KU091 -> '091'). No Streamlit and no page texts here: the page's view and
charts are lib/figures/published.py and published_charts.py; lib/cli/commands.py prints.
"""
