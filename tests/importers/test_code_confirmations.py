"""Confirming suggested codes in bulk runs in the background (django-q2): queued by dotted
path, its progress shown on the admin screen, resumed after a worker's death, idempotent; and
the codes suggested from records' title and description are listed and confirmable."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_q.models import OrmQ

from catalogue import services
from catalogue.models import ProjectPage, SuggestedCode
from importers import code_confirmations
from importers.harvest import run_source
from importers.models import CodeConfirmation, UnknownTag
from tests.hostile import PAYLOADS

from .test_code_suggestions_admin import URL, staff
from .test_code_suggestions_harvest import unseen_source


@pytest.fixture
def queued(monkeypatch):
    """Tasks queued for a worker, as in production (tests run them at once otherwise)."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", False)


@pytest.fixture
def editor(db):
    return staff("add_tagmapping", "change_tagmapping")


@pytest.fixture
def harvested(db, tmp_path):
    services.ensure_site_tree()
    source = unseen_source(tmp_path)
    run_source(source)
    return source


def codes_of(title):
    return {c.code for c in ProjectPage.objects.get(title=title).codes.all()}


def keyword_post(tag, codes=("EMP",)):
    return {"rows": "1", "row-0-tag": tag.pk, "row-0-codes": list(codes), "row-0-confirm": "1"}


def text_post(code="INS", extra=""):
    return {
        "rows": "0",
        "text-rows": "1",
        "text-0-source": "Annuaire inconnu",
        "text-0-code": code,
        "text-0-codes": [code],
        "text-0-extra": extra,
        "text-0-confirm": "1",
    }


def test_the_post_queues_a_task_by_dotted_path_and_the_screen_shows_it_waiting(
    client, editor, harvested, queued
):
    client.force_login(editor)
    tiers = UnknownTag.objects.get(tag_key="tiers lieux a dominante coworking")
    response = client.post(reverse(URL), keyword_post(tiers), follow=True)
    job = CodeConfirmation.objects.get()
    assert (job.status, job.pages_total, job.pages_done, job.user) == ("queued", 2, 0, editor)
    [task] = OrmQ.objects.all()
    assert task.func() == code_confirmations.TASK and task.args() == (job.pk,)
    assert job.task_id == task.task_id()
    html = response.content.decode()
    assert "En attente" in html and "0 fiche(s) sur 2" in html
    assert codes_of("La Ruche") == set()  # nothing coded during the request
    # The rule is written at once: the keyword has left the list.
    assert "Tiers lieux à dominante coworking" not in html.split("<tbody>")[1]

    result = code_confirmations.run_confirmation(job.pk)  # what the worker runs
    job.refresh_from_db()
    assert (job.status, job.pages_done, job.counts["coded"], result["coded"]) == ("done", 2, 2, 2)
    assert codes_of("La Ruche") == {"EMP"} == codes_of("Le Garage")
    html = client.get(reverse(URL)).content.decode()
    assert "Terminée" in html and "2 fiche(s) sur 2" in html
    # Run again (a duplicate delivery): nothing more happens.
    code_confirmations.run_confirmation(job.pk)
    job.refresh_from_db()
    assert job.counts == {"coded": 2, "unchanged": 0, "curated": 0}


def test_posting_twice_queues_once(client, editor, harvested, queued):
    client.force_login(editor)
    tiers = UnknownTag.objects.get(tag_key="tiers lieux a dominante coworking")
    client.post(reverse(URL), {**keyword_post(tiers), **text_post()})
    second = client.post(reverse(URL), {**keyword_post(tiers), **text_post()}, follow=True)
    assert CodeConfirmation.objects.count() == 1 and OrmQ.objects.count() == 1
    assert "déjà en cours de codage" in second.content.decode()


def test_a_retried_task_resumes_after_what_was_done(harvested, queued):
    pages = sorted(
        ProjectPage.objects.filter(title__in=["La Ruche", "Le Garage"]).values_list("pk", flat=True)
    )
    row = {
        "label": "x",
        "source_key": "Annuaire inconnu",
        "keyword_key": "tiers lieux a dominante coworking",
        "codes": ["EMP"],
        "pages": pages,
    }
    job, created = code_confirmations.queue([row, dict(row, codes=["ECO"])])
    assert created
    # Its first worker died after the first row and one page of the second.
    CodeConfirmation.objects.filter(pk=job.pk).update(
        status="running",
        rows_done=1,
        pages_done=3,
        counts={"coded": 2, "unchanged": 0, "curated": 0},
    )
    code_confirmations.run_confirmation(job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.pages_done) == ("done", 2, 4)
    assert job.counts["coded"] == 3  # only the page left was coded now
    assert codes_of("Le Garage") == {"ECO"}  # the first row "ran" before: not redone here
    assert job.percent == 100


def test_a_failing_task_says_so_on_the_screen(client, editor, harvested, queued, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("base indisponible")

    client.force_login(editor)
    tiers = UnknownTag.objects.get(tag_key="tiers lieux a dominante coworking")
    client.post(reverse(URL), keyword_post(tiers))
    job = CodeConfirmation.objects.get()
    monkeypatch.setattr("catalogue.services.confirm_codes", broken)
    with pytest.raises(RuntimeError):  # raised to django-q2, which retries it once
        code_confirmations.run_confirmation(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "base indisponible" in job.error
    html = client.get(reverse(URL)).content.decode()
    assert "Échouée" in html and "base indisponible" in html
    monkeypatch.undo()
    code_confirmations.run_confirmation(job.pk)  # the retry
    job.refresh_from_db()
    assert (job.status, job.error, job.pages_done) == ("done", "", 2)


def test_text_suggestions_are_listed_by_code_with_examples_and_why(client, editor, harvested):
    client.force_login(editor)
    html = client.get(reverse(URL)).content.decode()
    assert "D&#x27;après le titre et la description" in html or "D'après le titre" in html
    text = html.split("titre et la description (fiches sans mot-clé)")[1]
    assert "Insertion (INS)" in text and "Annuaire inconnu — 1 fiche" in text
    assert ">Chantier Bois</a>" in text
    assert "titre et description de la fiche" in text  # why


def test_text_suggestions_confirmed_or_corrected_in_bulk(client, editor, harvested):
    client.force_login(editor)
    client.post(reverse(URL), text_post())
    assert "INS" in codes_of("Chantier Bois")
    chantier = ProjectPage.objects.get(title="Chantier Bois")
    assert not SuggestedCode.objects.filter(project=chantier, keyword_key="").exists()
    assert "Chantier Bois" not in client.get(reverse(URL)).content.decode()
    assert CodeConfirmation.objects.get().status == "done"
    # Nothing left to code: a second post queues nothing.
    client.post(reverse(URL), text_post())
    assert CodeConfirmation.objects.count() == 1


def test_a_corrected_text_suggestion_gives_the_chosen_code_and_settles_the_other(
    client, editor, harvested
):
    client.force_login(editor)
    data = text_post(extra="JEU")
    data["text-0-codes"] = []  # INS unticked
    client.post(reverse(URL), data)
    codes = codes_of("Chantier Bois")
    assert "JEU" in codes and "INS" not in codes
    chantier = ProjectPage.objects.get(title="Chantier Bois")
    assert not SuggestedCode.objects.filter(project=chantier, code__code="INS").exists()


def test_hostile_text_rows_change_nothing(client, editor, harvested):
    client.force_login(editor)
    for value in [*PAYLOADS, "nul\x00", "x" * 5000, "-1"]:
        for data in (
            {**text_post(), "text-0-source": value},
            {**text_post(), "text-0-code": value, "text-0-codes": [value]},
            {**text_post(), "text-rows": value},
            {**text_post(), "text-0-extra": value, "text-0-codes": []},
        ):
            assert client.post(reverse(URL), data).status_code == 302, (value, data)
    assert not CodeConfirmation.objects.exists()
    assert "INS" not in codes_of("Chantier Bois")
