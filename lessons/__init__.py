"""The course and what runs it; never imports textual.

course/ (the lessons, their loader, the catalogs) < charts/ < demos/ < labs/ <
worker/: each imports only those before it (docs/ARCHITECTURE.md; enforced by
the import-linter contracts in pyproject.toml).
"""
