"""Helpers for harvester tests: `manage.py` in a subprocess against the test database, a
private copy of the Apriles mock site (tests may change its pages), the real spider file
with its URLs moved to the local server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from django.db import connection

from .conftest import MOCK_APRILES, REPO, SHARED_DATA, LocalSite, _handler_for, _Server

#: No politeness delay against our own server (the real defaults stay in build_settings).
FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_TIMEOUT": 5}


def database_url() -> str:
    """The test database, as a URL a subprocess can use."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def manage_env(scrapy: dict | None = None) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "carrefour.settings.test",
        "HARVEST_SCRAPY_OVERRIDES": json.dumps({**FAST, **(scrapy or {})}),
        "PYTHONPATH": str(REPO),
    }


def manage_cmd(*args) -> list[str]:
    return [sys.executable, str(REPO / "manage.py"), *args]


def manage(*args, scrapy: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` in a subprocess on the test database."""
    connection.close()  # SQLite: no handle of ours in the way of the subprocess's writes
    return subprocess.run(
        manage_cmd(*args),
        cwd=REPO,
        env=manage_env(scrapy),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class CopiedSite(LocalSite):
    """A private copy of the Apriles mock served on 127.0.0.1: pages can be edited."""

    def edit(self, rel: str, old: str, new: str) -> None:
        path = self.root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def restore(self, rel: str) -> None:
        shutil.copyfile(MOCK_APRILES / rel, self.root / rel)


def start_copied_site(tmp_dir: Path):
    root = tmp_dir / "mock-apriles"
    shutil.copytree(MOCK_APRILES, root)
    site = CopiedSite(root)
    server = _Server(("127.0.0.1", 0), _handler_for(site))
    site.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return site, server


def spiders_file(tmp_dir: Path, start_url: str, names=("Apriles",)) -> Path:
    """openscraper-spiders.json with only `names`, their start URL moved to `start_url`."""
    data = json.loads((SHARED_DATA / "openscraper-spiders.json").read_text(encoding="utf-8"))
    data["spiders"] = [s for s in data["spiders"] if s["infos"]["name"] in names]
    for spider in data["spiders"]:
        spider["scraper_config"]["start_urls"] = [start_url]
    path = tmp_dir / "spiders.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def expected() -> dict:
    return json.loads((MOCK_APRILES / "EXPECTED.json").read_text(encoding="utf-8"))
