"""Audit trail (admin): every download, saved-view change, import, user change, sign-in, sign-out
and refused request, filtered by user, action and day."""

from lib.web import admin

admin.audit_page()
