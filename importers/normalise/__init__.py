"""Normalisation of partner data into `catalogue.records.ProjectRecord` objects.

`clean` holds field cleaners; `csv_sources` reads the two real CSV exports; the data tables
(FFE and Apriles tags to CIS codes) live in `importers/data/`.
"""
