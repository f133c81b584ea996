"""Reporting (PRODUCT P8; docs/kpis.md): facts recorded by actions, folded into hourly
rollups by the worker, read back as totals that the KPIs are computed from."""
