"""Pure functions: no database, no HTTP, nothing else of Kefu's imported."""
