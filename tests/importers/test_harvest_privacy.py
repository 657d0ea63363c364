"""Harvest logs under production settings name items by URL and title, never their contents
(partners' pages hold e-mail addresses and phone numbers)."""

from __future__ import annotations

import re
import subprocess

import pytest
from scrapy.http import HtmlResponse

from catalogue import services
from importers.crawl.logformat import PrivateLogFormatter

from .harvesting import manage_cmd, manage_env, spiders_file
from .test_harvest import apriles_site  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAIL = "963d0adf@safed24.fr"  # as on the mock's fiches, which all hold contacts
EMAILS = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}")
PHONES = re.compile(r"\b0[1-9](?:\W?\d\d){4}\b")


def test_production_harvest_logs_hold_no_contact(apriles_site, tmp_path):  # noqa: F811
    services.ensure_site_tree()
    env = {
        **manage_env({"LOG_LEVEL": "DEBUG"}),
        "DJANGO_SETTINGS_MODULE": "carrefour.settings.production",
        "SECRET_KEY": "x" * 60,
        "LOG_LEVEL": "DEBUG",
    }
    config = spiders_file(tmp_path, apriles_site.url("index.html"))
    # The production cache is the database table `migrate` makes (not the test settings').
    steps = [
        ("createcachetable",),
        ("import_sources", str(config)),
        ("harvest", "Apriles", "--no-progress", "--limit", "3"),
    ]
    outputs = []
    for args in steps:
        proc = subprocess.run(
            manage_cmd(*args), env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outputs.append(proc.stdout + proc.stderr)
    log = outputs[-1]
    assert "Scraped from" in log  # Scrapy logged the item (at DEBUG) ...
    assert not EMAILS.search(log) and not PHONES.search(log), log  # ... without its contents


def test_scrapy_item_lines_name_the_item_only():
    item = {
        "url": "https://partenaire.example/fiche/1",
        "fields": {"title": ["Accorderie"], "email": [EMAIL], "phone": ["05 53 05 17 80"]},
    }
    response = HtmlResponse(url=item["url"], body=b"<html></html>", encoding="utf-8")
    entry = PrivateLogFormatter().scraped(item, response, None)
    line = entry["msg"] % entry["args"]
    assert "https://partenaire.example/fiche/1 « Accorderie »" in line
    assert EMAIL not in line and "05 53" not in line
