"""A partner's server that stops mid-run: the run is partial, the run and the source are
flagged for attention (shown in the admin), and `harvest` exits non-zero."""

from __future__ import annotations

import threading
import time

import pytest

from catalogue import services
from importers.models import HarvestRun, Source

from .harvesting import manage, spiders_file, start_copied_site

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_server_stopping_mid_run_flags_the_source_and_fails_the_command(tmp_path):
    services.ensure_site_tree()
    site, server = start_copied_site(tmp_path)
    proc = manage("import_sources", str(spiders_file(tmp_path, site.url("index.html"))))
    assert proc.returncode == 0, proc.stderr

    def stop_after(requests):
        while sum(site.hits.values()) < requests:
            time.sleep(0.01)
        server.shutdown()
        server.server_close()  # the port now refuses connections

    threading.Thread(target=stop_after, args=(40,), daemon=True).start()
    proc = manage("harvest", "Apriles", "--no-progress", scrapy={"RETRY_TIMES": 0})
    assert proc.returncode == 3, proc.stdout + proc.stderr
    run = HarvestRun.objects.latest("pk")
    assert run.status == HarvestRun.Status.PARTIAL and not run.complete
    assert 0 < run.seen < 180
    assert run.needs_attention
    assert any("cessé de répondre" in reason for reason in run.attention_reasons)
    source = Source.objects.get(name="Apriles")
    assert source.needs_attention and "cessé de répondre" in source.attention_reason
    assert "cessé de répondre" in proc.stdout
