"""Fixtures of the report tests."""

from tests.reports.analysis_seed import acme_history  # noqa: F401  (shared fixture)
