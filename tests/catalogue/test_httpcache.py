"""The shared page cache and conditional requests (catalogue/httpcache.py), through Django's
full middleware stack: what anonymous visitors share, what they never get from each other
or from members, and that a change shows at once."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings

from catalogue import services
from catalogue.records import ProjectRecord
from tests.community.factories import PASSWORD, CommentFactory, UserFactory

pytestmark = pytest.mark.django_db

FRANCE = "-5.5,41.2,9.8,51.2"


@pytest.fixture
def project(site_tree):
    partner = services.upsert_partner("La France s'engage")
    record = ProjectRecord(
        title="La Cravate Solidaire",
        source_id="22ae7458",
        source_url="https://fondationlafrancesengage.org/projets/la-cravate-solidaire/",
        summary="Collecte de tenues professionnelles pour faciliter le retour à l'emploi.",
        structure_name="La Cravate Solidaire",
        postal_code="28700",
        city="Auneau-Bleury-Saint-Symphorien",
        insee_code="28015",
        codes=["EMP"],
    )
    page = services.upsert_project(record, source_key="ffe", partner=partner).page
    Client().get("/")  # the first request creates the site settings' row (a write)
    return page


def hit(response) -> bool:
    return response.get("X-Page-Cache") == "hit"


def test_anonymous_pages_are_shared_and_a_publish_shows_at_once(
    project, django_capture_on_commit_callbacks
):
    anonymous = Client()
    first = anonymous.get(project.url)
    assert first.status_code == 200 and not hit(first)
    again = Client().get(project.url)  # another visitor
    assert hit(again) and again.content == first.content
    assert "csrftoken" not in first.cookies and "csrftoken" not in again.cookies
    assert again["Cache-Control"] == "max-age=0, must-revalidate"
    assert "Cookie" in again["Vary"]

    with django_capture_on_commit_callbacks(execute=True):
        revision = project.get_latest_revision_as_object()
        revision.title = "La Cravate Solidaire de Chartres"
        revision.save_revision().publish()
    after = Client().get(project.url)
    assert not hit(after)
    assert "La Cravate Solidaire de Chartres" in after.content.decode()
    # The results page and the API too: the data version changed with the publish.
    api = Client().get("/api/projects", {"q": "cravate"})
    assert api.json()["results"][0]["title"] == "La Cravate Solidaire de Chartres"


def test_a_comment_shows_at_once_on_a_cached_page(project, django_capture_on_commit_callbacks):
    assert not hit(Client().get(project.url))
    assert hit(Client().get(project.url))
    # Its own transaction, committed (the test's outer one never is).
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        CommentFactory(page=project, body="Une idée à reprendre dans notre quartier.")
    response = Client().get(project.url)
    assert not hit(response)
    assert "Une idée à reprendre dans notre quartier." in response.content.decode()


def test_conditional_requests_answer_304(project):
    for url, params in [
        (project.url, {}),
        ("/", {}),
        ("/api/projects", {"q": "cravate"}),
        ("/api/map", {"bbox": FRANCE, "zoom": 6}),
    ]:
        for _ in range(2):  # rendered, then from the cache
            response = Client().get(url, params)
            assert response.status_code == 200, url
            etag = response["ETag"]
            again = Client().get(url, params, HTTP_IF_NONE_MATCH=etag)
            assert again.status_code == 304 and not again.content, url
            assert again["ETag"] == etag
        changed = Client().get(url, params, HTTP_IF_NONE_MATCH='"something-else"')
        assert changed.status_code == 200
    cached = Client().get(project.url)
    assert hit(cached)
    since = Client().get(project.url, HTTP_IF_MODIFIED_SINCE=cached["Last-Modified"])
    assert since.status_code == 304


def test_members_never_get_nor_fill_the_anonymous_cache(project):
    member = UserFactory(display_name="Dominique Membre")
    logged_in = Client()
    assert logged_in.login(username=member.username, password=PASSWORD)
    assert not hit(Client().get(project.url))
    assert hit(Client().get(project.url))  # cached for the anonymous
    for _ in range(2):
        page = logged_in.get(project.url)
        assert not hit(page)
        assert "Dominique Membre" in page.content.decode()
        assert "private" in page["Cache-Control"]
    anonymous = Client().get(project.url)
    assert hit(anonymous) and "Dominique Membre" not in anonymous.content.decode()
    # A member's page is never stored for the anonymous either.
    logged_in.get("/?membre=1")
    fresh = Client().get("/?membre=1")
    assert not hit(fresh) and "Dominique Membre" not in fresh.content.decode()


def test_csrf_cookie_only_where_a_form_is(project):
    for url in ["/", project.url, "/projets/?q=cravate", "/carte/", "/api/projects"]:
        response = Client().get(url)
        assert response.status_code == 200, url
        assert "csrftoken" not in response.cookies, url
    login = Client().get("/comptes/login/")
    assert login.status_code == 200
    assert "csrftoken" in login.cookies
    assert not hit(Client().get("/comptes/login/"))  # a page with a form is never shared


def test_languages_are_cached_apart(project):
    french = Client().get("/")
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    first = english.get("/")
    assert not hit(first) and '<html lang="en"' in first.content.decode()
    assert hit(english.get("/"))
    assert '<html lang="fr"' in Client().get("/").content.decode() == french.content.decode()


@override_settings(API_RATE_LIMIT="2/60")
def test_cached_api_answers_still_count_against_the_rate_limit(project):
    cache.clear()  # the earlier tests' requests counted against the same address
    client = Client()
    assert client.get("/api/projects").status_code == 200
    assert hit(client.get("/api/projects"))
    refused = client.get("/api/projects")
    assert refused.status_code == 429 and refused["Retry-After"]


@override_settings(HTTP_CACHE=False)
def test_the_cache_can_be_turned_off(project):
    Client().get(project.url)
    assert not hit(Client().get(project.url))


def test_the_language_switcher_stays_on_this_site(project):
    client = Client()
    response = client.get("/langue/", {"language": "en", "next": "https://ailleurs.example/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get("/langue/", {"language": "xx", "next": project.url})
    assert response["Location"] == project.url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"  # unchanged


def test_the_live_update_fragment_never_stands_for_the_page(project):
    """The results page answers a fragment to its own live update (X-Requested-With): after
    one, a visitor coming back to (or sharing) the address still gets the whole page."""
    url = "/projets/?q=cravate"
    fragment = Client().get(url, headers={"X-Requested-With": "fetch"})
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert hit(Client().get(url, headers={"X-Requested-With": "fetch"}))
    full = Client().get(url)
    assert not hit(full) and "<html" in full.content.decode()
    assert "<html" in Client().get(url).content.decode()


@pytest.mark.parametrize("gzip", [False, True])
def test_every_shared_address_is_a_hit_the_second_time(project, gzip):
    """What bench/load.py measures: the second anonymous request of each address (same
    headers, new client) is served from the cache, the API's included."""
    headers = {"HTTP_ACCEPT_ENCODING": "gzip"} if gzip else {}
    for url, params in [
        ("/", {}),
        (project.url, {}),
        ("/projets/", {"q": "cravate", "domaine": "emploi"}),
        ("/api/map", {"bbox": FRANCE, "zoom": 6}),
        ("/api/projects", {"q": "cravate"}),
        ("/api/projects", {"q": "emploi", "domaine": "emploi"}),
    ]:
        first = Client().get(url, params, **headers)
        assert first.status_code == 200, url
        again = Client().get(url, params, **headers)
        assert hit(again), (url, params)
        assert again.content == first.content


def test_clients_asking_with_different_accept_headers_share_one_entry(project):
    """No view negotiates on Accept: a browser, curl and wrk get the same stored answer."""
    url, params = "/api/projects", {"q": "cravate"}
    first = Client().get(url, params, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert first.status_code == 200 and not hit(first)
    for accept in ("*/*", "application/json", None):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        again = Client().get(url, params, **headers)
        assert hit(again), accept
        assert again.content == first.content
    # The results page's live-update fragment is still stored apart from the full page.
    full = Client().get("/projets/", {"q": "cravate"})
    fragment = Client().get("/projets/", {"q": "cravate"}, HTTP_X_REQUESTED_WITH="fetch")
    assert not hit(fragment) and fragment.content != full.content
