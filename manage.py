#!/usr/bin/env python
"""Django's command-line utility for Carrefour."""

import os
import sys
from pathlib import Path

# The project configuration lives in the folder `site/`, which cannot be a
# package of that name: Python's standard library owns the module `site`.
# `site/` is therefore a source root holding the package `carrefour`
# (settings, urls, wsgi); it is put on the import path here, in wsgi/asgi
# entry points and in pytest's configuration.
sys.path.insert(0, str(Path(__file__).resolve().parent / "site"))


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carrefour.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
