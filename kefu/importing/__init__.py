"""Reading shop-data files (CSV, gzipped CSV, XLSX) into checked rows for the import actions.

Files are read and checked completely before anything is written, so a broken file
fails before the transaction starts; the actions then write the whole file in one
transaction."""
