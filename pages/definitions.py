"""Data and definitions: the loaded extract, its load history, every indicator's and group's
definition, how the contract is read, and the disclosure rule."""

from lib.figures import about
from lib.settings import get_settings
from lib.web import data, render

render.view(about.build(data.current_info(), data.load_history(), get_settings()))
