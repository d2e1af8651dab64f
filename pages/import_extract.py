"""Import (admin): upload a zip of an extract's folder; it is checked and loaded as `trialwatch
import` does."""

from lib.web import admin

admin.import_page()
