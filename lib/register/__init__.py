"""The register and its store: the extract contract, SQLModel tables, loading, validation, the demo
register, saved views.
"""
