"""Explorer: any indicator by up to three dimensions (rows, columns, colour) for the sidebar's
selection; the pivot, a chart that fits, the downloads (CSV, Excel, Parquet), the command and
Polars snippet that reproduce it, and saved views."""

from lib.figures.i18n import t
from lib.web import data, explorer_ui, frame, render

frame.page_header("explorer.title", t("explorer.subtitle"))
ctx = data.page_context()
explorer_ui.flash()
spec = explorer_ui.controls(ctx)
explorer_ui.saved_views(ctx, spec)
view = explorer_ui.compute(ctx, spec)
render.view(view)
