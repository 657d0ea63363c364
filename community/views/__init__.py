"""Community views, one module per area (accounts.py, spaces.py, comments.py; claims and
follows modules sit beside them). urls.py imports the modules directly."""
