"""Claims by ffe_project holders: the form, the domain match, the editors' queue, the outcome."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from community import holders, permissions
from community.models import Follow, Notification, ProjectClaim
from tests.community.factories import approve, make_editor, make_user

pytestmark = pytest.mark.django_db


# --- the registrable domain ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://www.lacravatesolidaire.org/", "lacravatesolidaire.org"),
        ("http://LaCravateSolidaire.org/contact", "lacravatesolidaire.org"),
        ("marie@lacravatesolidaire.org", "lacravatesolidaire.org"),
        ("anna@lists.lacravatesolidaire.org", "lacravatesolidaire.org"),
        ("https://www.paris.gouv.fr/", "paris.gouv.fr"),
        ("https://projet.asso.co.uk/", "asso.co.uk"),
        # Private suffixes: two sites on one host are two domains.
        ("https://monprojet.wixsite.com/accueil", "monprojet.wixsite.com"),
        ("", ""),
    ],
)
def test_registrable_domain_offline(value, expected):
    assert holders.registrable_domain(value) == expected


def test_domain_match_uses_verified_addresses_only(ffe_project):
    from allauth.account.models import EmailAddress

    member = make_user("marie", "marie@gmail.com")
    assert holders.matching_verified_email(member, ffe_project.website) == (
        "",
        "lacravatesolidaire.org",
    )
    EmailAddress.objects.create(user=member, email="marie@lacravatesolidaire.org", verified=False)
    assert holders.matching_verified_email(member, ffe_project.website)[0] == ""
    EmailAddress.objects.filter(email="marie@lacravatesolidaire.org").update(verified=True)
    assert holders.matching_verified_email(member, ffe_project.website) == (
        "marie@lacravatesolidaire.org",
        "lacravatesolidaire.org",
    )


def test_generic_mail_domains_never_match(ffe_project):
    from catalogue.models import ProjectPage

    ProjectPage.objects.filter(pk=ffe_project.pk).update(website="https://www.facebook.com/cravate")
    ffe_project.refresh_from_db()
    member = make_user("fb", "someone@facebook.com")
    assert holders.matching_verified_email(member, ffe_project.website)[0] == ""


# --- the claim form -----------------------------------------------------------------------------
def test_claim_form_records_domain_match_and_tells_reviewers(
    client, ffe_project, mailoutbox, django_capture_on_commit_callbacks
):
    editor = make_editor()
    member = make_user("marie", "marie@lacravatesolidaire.org")
    client.force_login(member)
    url = reverse("community:claim", args=[ffe_project.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"data-domain-match" in response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"role": "Présidente", "message": "Je préside l'association."})
    assert response.status_code == 302 and response["Location"] == ffe_project.url
    claim = ProjectClaim.objects.get()
    assert (claim.user, claim.project_id, claim.status) == (member, ffe_project.pk, "pending")
    assert claim.matching_email == "marie@lacravatesolidaire.org" and claim.domain_match
    assert claim.website_domain == "lacravatesolidaire.org"
    assert not permissions.is_project_holder(member, ffe_project)
    # Reviewers (the Moderators group) are told, with the domain match.
    (message,) = mailoutbox
    assert editor.email in message.to and member.email not in message.to
    assert "marie@lacravatesolidaire.org" in message.body and "/admin/porteurs/" in message.body


def test_claim_without_domain_match(client, ffe_project):
    member = make_user("paul", "paul@example.org")
    client.force_login(member)
    client.post(reverse("community:claim", args=[ffe_project.pk]), {"role": "Bénévole"})
    claim = ProjectClaim.objects.get()
    assert claim.matching_email == "" and not claim.domain_match


def test_claim_twice_keeps_one_open_claim(client, ffe_project):
    member = make_user("paul")
    client.force_login(member)
    url = reverse("community:claim", args=[ffe_project.pk])
    client.post(url, {"role": "Bénévole"})
    response = client.post(url, {"role": "Trésorier"})
    assert ProjectClaim.objects.count() == 1
    assert "en cours d'examen" in response.content.decode()


def test_claim_requires_login_and_verified_email(client, ffe_project):
    url = reverse("community:claim", args=[ffe_project.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    unverified = make_user("nouveau", verified=False)
    client.force_login(unverified)
    assert client.get(url).status_code == 403
    assert client.post(url, {"role": "Bénévole"}).status_code == 403
    assert not ProjectClaim.objects.exists()


def test_claim_role_is_required(client, ffe_project):
    client.force_login(make_user("paul"))
    response = client.post(reverse("community:claim", args=[ffe_project.pk]), {"role": ""})
    assert response.status_code == 200 and not ProjectClaim.objects.exists()


def test_project_page_shows_claim_button_then_pending_state(client, ffe_project):
    response = client.get(ffe_project.url)
    assert response.status_code == 200
    assert reverse("community:claim", args=[ffe_project.pk]) in response.content.decode()
    member = make_user("paul")
    holders.submit_claim(member, ffe_project, role="Bénévole")
    client.force_login(member)
    page = client.get(ffe_project.url).content.decode()
    assert "en cours d'examen" in page
    assert reverse("community:holder_edit", args=[ffe_project.pk]) not in page


# --- the editors' queue in the Wagtail admin ------------------------------------------------------
def test_admin_queue_requires_claim_permission(client, ffe_project):
    url = reverse("community_claims_admin")
    member = make_user("paul", is_staff=True)  # staff without the permission
    from django.contrib.auth.models import Permission

    member.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(member)
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert client.post(url, {"claim": 1, "action": "approve"}).status_code in (302, 403)
    if response.status_code == 302:
        assert "porteurs" not in response["Location"]
    client.force_login(make_editor())
    assert client.get(url).status_code == 200


def test_editor_approves_in_admin_queue(
    client, ffe_project, mailoutbox, django_capture_on_commit_callbacks
):
    member = make_user("marie", "marie@lacravatesolidaire.org")
    claim = holders.submit_claim(member, ffe_project, role="Présidente", message="Bonjour")
    editor = make_editor()
    client.force_login(editor)
    queue = client.get(reverse("community_claims_admin")).content.decode()
    assert "La Cravate Solidaire" in queue and "marie@lacravatesolidaire.org" in queue
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community_claims_admin"),
            {"claim": claim.pk, "action": "approve", "note": "Bienvenue !"},
        )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.decided_by == editor and claim.decided_at
    assert permissions.is_project_holder(member, ffe_project)
    # Told in the site and by e-mail; follows the ffe_project from now on.
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "claim_approved" and notification.emailed_at is not None
    assert [m.to for m in mailoutbox if "porteur" in m.subject.lower()] == [[member.email]]
    assert Follow.objects.of(ffe_project).filter(user=member).exists()
    # The page lists the holder with the badge.
    client.logout()
    page = client.get(ffe_project.url).content.decode()
    assert "porteur du projet" in page and member.profile.display_name in page


def test_editor_rejects_and_member_is_told(
    client, ffe_project, mailoutbox, django_capture_on_commit_callbacks
):
    member = make_user("paul")
    claim = holders.submit_claim(member, ffe_project, role="Fan")
    client.force_login(make_editor())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("community_claims_admin"),
            {"claim": claim.pk, "action": "reject", "note": "Lien non établi."},
        )
    claim.refresh_from_db()
    assert claim.status == "rejected"
    assert not permissions.is_project_holder(member, ffe_project)
    notification = Notification.objects.get(recipient=member)
    assert notification.kind == "claim_rejected" and notification.body == "Lien non établi."
    sent = [m for m in mailoutbox if member.email in m.to]
    assert len(sent) == 1 and "Lien non établi." in sent[0].body
    # A new claim is possible after a rejection.
    assert holders.submit_claim(member, ffe_project, role="Bénévole").pk != claim.pk


def test_decisions_are_idempotent_and_permission_checked(ffe_project):
    member = make_user("paul")
    claim = holders.submit_claim(member, ffe_project, role="Bénévole")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        holders.decide_claim(make_user("autre"), claim, approve=True)
    editor = make_editor()
    holders.decide_claim(editor, claim, approve=True)
    holders.decide_claim(editor, claim, approve=False)  # already decided: no change
    claim.refresh_from_db()
    assert claim.status == "approved"
    assert Notification.objects.filter(recipient=member).count() == 1


def test_revoked_holder_loses_rights(ffe_project):
    member = make_user("paul")
    claim = approve(member, ffe_project)
    assert permissions.is_project_holder(member, ffe_project)
    holders.revoke_claim(make_editor(), claim)
    assert not permissions.is_project_holder(member, ffe_project)


def test_holder_of_one_project_is_not_holder_of_another(ffe_project, other_ffe_project):
    member = make_user("paul")
    approve(member, ffe_project)
    assert permissions.is_project_holder(member, ffe_project)
    assert not permissions.is_project_holder(member, other_ffe_project)


def test_account_page_lists_my_projects(client, ffe_project):
    member = make_user("paul")
    approve(member, ffe_project)
    client.force_login(member)
    response = client.get(reverse("community:account"))
    html = response.content.decode()
    assert ffe_project.title in html
    assert reverse("community:holder_edit", args=[ffe_project.pk]) in html


def test_deleting_account_removes_claims_keeps_news_anonymous(ffe_project):
    from community import services

    member = make_user("paul")
    approve(member, ffe_project)
    news = holders.post_news(member, ffe_project, title="Ouverture", body="Nouvelle boutique.")
    services.delete_account(member)
    assert not ProjectClaim.objects.exists()
    news.refresh_from_db()
    assert news.author_id is None
    assert not get_user_model().objects.filter(username="paul").exists()


def test_export_contains_claims(ffe_project):
    from community import services

    member = make_user("paul")
    holders.submit_claim(member, ffe_project, role="Bénévole", message="Mon message")
    data = services.export_account_data(member)
    assert data["project_claims"][0]["message"] == "Mon message"
    assert data["notifications"]["frequency"] == "weekly"


def test_admin_dashboard_counts_pending_claims(client, ffe_project):
    holders.submit_claim(make_user("paul"), ffe_project, role="Bénévole")
    client.force_login(make_editor())
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "1 demande de porteur attend votre décision" in html
    assert reverse("community_claims_admin") in html


def test_pending_claims_are_limited_per_member(client, site_tree):
    from tests.catalogue.factories import make_project, other_record

    member = make_user("paul")
    projects = [
        make_project(other_record(title=f"Projet {n}", source_id=f"p{n}")) for n in range(4)
    ]
    for project in projects[: holders.MAX_PENDING_CLAIMS]:
        holders.submit_claim(member, project, role="Bénévole")
    client.force_login(member)
    response = client.post(reverse("community:claim", args=[projects[-1].pk]), {"role": "Bénévole"})
    assert response.status_code == 200 and "déjà 3 demandes" in response.content.decode()
    assert ProjectClaim.objects.filter(user=member).count() == holders.MAX_PENDING_CLAIMS
