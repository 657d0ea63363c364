"""Comments: posting on pages and discussions, threading, edit window, soft delete, reports,
moderation (front end and admin), rate and link limits, XSS through the whole stack."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community import permissions, services
from community.models import Comment, CommentReport, ModerationAction

from .factories import CommentFactory, DiscussionFactory, UserFactory
from .test_rendering import XSS_PAYLOADS

pytestmark = pytest.mark.django_db
POST = "/commentaires/publier/"


def post(client, target, body, parent=None, target_type=None, **kw):
    data = {
        "target_type": target_type or ("discussion" if hasattr(target, "space_id") else "page"),
        "target_id": target.pk,
        "body": body,
    }
    if parent:
        data["parent"] = parent.pk
    return client.post(POST, data, **kw)


def old_member():
    """A member past the new-account period (no new-account limits)."""
    user = UserFactory()
    user.date_joined = timezone.now() - timedelta(days=30)
    user.save(update_fields=["date_joined"])
    return user


# --- posting ------------------------------------------------------------------------------------


def test_member_comments_on_project_and_article(client, project, article):
    user = old_member()
    client.force_login(user)
    for page in (project, article):
        response = post(client, page, "Très belle initiative, bravo !")
        comment = Comment.objects.get(page_id=page.pk)
        assert response.status_code == 302
        assert response["Location"] == f"{page.url}#commentaire-{comment.pk}"
        html = client.get(page.url).content.decode()
        assert "Très belle initiative" in html and f'id="commentaire-{comment.pk}"' in html


@pytest.mark.parametrize("who", ["anonymous", "unverified"])
def test_only_verified_members_comment(client, project, who):
    if who == "unverified":
        client.force_login(UserFactory(verified=False))
    response = post(client, project, "Coucou")
    assert response.status_code == (302 if who == "anonymous" else 403)
    if who == "anonymous":
        assert "/comptes/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_comments_only_on_projects_articles_and_discussions(client, site_tree):
    client.force_login(old_member())
    assert post(client, site_tree.home, "Non", target_type="page").status_code == 404
    assert post(client, site_tree.projects, "Non", target_type="page").status_code == 404
    assert not Comment.objects.exists()


def test_unpublished_page_refuses_comments(client, project):
    project.unpublish()
    client.force_login(old_member())
    assert post(client, project, "Hé").status_code == 404


def test_private_discussion_comments(client, private_space, space_member):
    discussion = DiscussionFactory(space=private_space)
    outsider = old_member()
    client.force_login(outsider)
    assert post(client, discussion, "Je m'invite").status_code == 404
    client.force_login(space_member)
    assert post(client, discussion, "Bonne idée").status_code == 302
    comment = Comment.objects.get(discussion=discussion)
    # Every action on a private comment is a 404 for outsiders (nothing leaks).
    client.force_login(outsider)
    for action in ("modifier", "supprimer", "signaler"):
        assert client.get(f"/commentaires/{comment.pk}/{action}/").status_code == 404
    assert (
        client.post(f"/commentaires/{comment.pk}/moderer/", {"action": "hide"}).status_code == 404
    )
    assert post(client, discussion, "Réponse", parent=comment).status_code == 404


def test_public_discussion_needs_membership(client, public_space, space_member):
    discussion = DiscussionFactory(space=public_space)
    client.force_login(old_member())
    assert post(client, discussion, "Pas membre").status_code == 403
    client.force_login(space_member)
    assert post(client, discussion, "Membre").status_code == 302
    discussion.refresh_from_db()
    assert discussion.last_activity_at >= Comment.objects.get().created_at


def test_replies_nest_up_to_three_levels(client, project):
    user = old_member()
    client.force_login(user)
    post(client, project, "Niveau 1")
    first = Comment.objects.get()
    post(client, project, "Niveau 2", parent=first)
    second = Comment.objects.get(body="Niveau 2")
    post(client, project, "Niveau 3", parent=second)
    third = Comment.objects.get(body="Niveau 3")
    post(client, project, "Niveau 4 ?", parent=third)
    fourth = Comment.objects.get(body="Niveau 4 ?")
    assert (first.depth, second.depth, third.depth) == (1, 2, 3)
    assert fourth.depth == 3 and fourth.parent == second  # attached as a sibling of level 3
    html = client.get(project.url).content.decode()
    assert html.count('class="comment-list comment-list--replies"') == 2


def test_reply_must_stay_on_the_same_target(client, project, article):
    user = old_member()
    client.force_login(user)
    other = CommentFactory(page=article)
    # Not a comment of this page: the same 404 as a missing or private one (no oracle).
    assert post(client, project, "Ailleurs", parent=other).status_code == 404


def test_xss_payloads_render_inert_on_the_page(client, project):
    user = old_member()
    client.force_login(user)
    for payload in XSS_PAYLOADS:
        Comment.objects.create(page=project, author=user, body=payload)
    html = client.get(project.url).content.decode()
    start = html.index('id="commentaires"')
    section = html[start : html.index("</section>", start)]
    assert section.count('class="comment__text"') == len(XSS_PAYLOADS)
    tags = re.findall(r"<[a-zA-Z][^>]*>", section)
    names = {re.match(r"<([a-zA-Z0-9]+)", t).group(1).lower() for t in tags}
    hostile = {"script", "iframe", "svg", "img", "object", "embed", "body", "meta", "base", "style"}
    assert not names & hostile, names & hostile
    for tag in tags:
        assert not re.search(r"\son[a-z]+\s*=", tag, re.IGNORECASE), tag
        assert not re.search(r"""href\s*=\s*["']?\s*(javascript|vbscript|data):""", tag, re.I), tag
    # The text is still there, shown as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section


def test_holder_badge(client, project, monkeypatch):
    holder, other = old_member(), old_member()
    Comment.objects.create(page=project, author=holder, body="Je porte ce projet.")
    Comment.objects.create(page=project, author=other, body="Je ne le porte pas.")
    monkeypatch.setattr(
        permissions, "is_project_holder", lambda user, page: user == holder and page == project
    )
    html = client.get(project.url).content.decode()
    assert html.count("porteur du projet") == 1
    assert html.index("porteur du projet") < html.index("Je porte ce projet.")


# --- edit, delete -----------------------------------------------------------------------------


def test_edit_own_comment_within_fifteen_minutes(client, project):
    author, other = old_member(), old_member()
    comment = Comment.objects.create(page=project, author=author, body="Premier jet")
    client.force_login(other)
    assert client.get(f"/commentaires/{comment.pk}/modifier/").status_code == 403
    assert (
        client.post(f"/commentaires/{comment.pk}/modifier/", {"body": "Piraté"}).status_code == 403
    )
    client.force_login(author)
    assert client.get(f"/commentaires/{comment.pk}/modifier/").status_code == 200
    response = client.post(f"/commentaires/{comment.pk}/modifier/", {"body": "Version corrigée"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Version corrigée" and comment.edited_at is not None
    Comment.objects.filter(pk=comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    assert (
        client.post(f"/commentaires/{comment.pk}/modifier/", {"body": "Trop tard"}).status_code
        == 403
    )
    assert Comment.objects.get(pk=comment.pk).body == "Version corrigée"


def test_delete_own_comment_is_soft(client, project):
    author = old_member()
    comment = Comment.objects.create(page=project, author=author, body="À effacer")
    reply = Comment.objects.create(
        page=project, author=old_member(), body="Une réponse", parent=comment, depth=2
    )
    client.force_login(old_member())
    assert client.post(f"/commentaires/{comment.pk}/supprimer/").status_code == 403
    client.force_login(author)
    assert client.post(f"/commentaires/{comment.pk}/supprimer/").status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == "" and comment.body_html == ""
    html = client.get(project.url).content.decode()
    assert "Commentaire supprimé." in html and "À effacer" not in html and reply.body in html


# --- reports and moderation -------------------------------------------------------------------


def test_report_with_reason(client, project):
    comment = Comment.objects.create(page=project, author=old_member(), body="Achetez ici")
    reporter = old_member()
    client.force_login(reporter)
    assert client.get(f"/commentaires/{comment.pk}/signaler/").status_code == 200
    response = client.post(f"/commentaires/{comment.pk}/signaler/", {"message": "sans motif"})
    assert response.status_code == 400 and not CommentReport.objects.exists()
    client.post(f"/commentaires/{comment.pk}/signaler/", {"reason": "spam", "message": "Pub"})
    client.post(f"/commentaires/{comment.pk}/signaler/", {"reason": "spam"})
    report = CommentReport.objects.get()
    assert (report.reporter, report.reason, report.message) == (reporter, "spam", "Pub")
    client.force_login(comment.author)
    assert client.get(f"/commentaires/{comment.pk}/signaler/").status_code == 403


def test_space_moderator_moderates_their_space_only(
    client, public_space, private_space, moderator, space_member, project
):
    discussion = DiscussionFactory(space=public_space)
    comment = Comment.objects.create(discussion=discussion, author=space_member, body="Hors sujet")
    page_comment = Comment.objects.create(page=project, author=space_member, body="Sur un projet")
    services.report_comment(old_member(), comment, "off_topic")
    # A plain member, or a moderator of another space, cannot moderate.
    other_moderator = old_member()
    services.create_space(other_moderator, name="Autre espace")
    for user in (space_member, other_moderator):
        client.force_login(user)
        assert (
            client.post(f"/commentaires/{comment.pk}/moderer/", {"action": "hide"}).status_code
            == 403
        )
    # Space moderators do not moderate project pages (editors do).
    client.force_login(moderator)
    assert (
        client.post(f"/commentaires/{page_comment.pk}/moderer/", {"action": "hide"}).status_code
        == 403
    )
    html = client.get(f"/espaces/{public_space.slug}/moderation/").content.decode()
    assert "Hors sujet" in html and "Hors sujet" in html
    client.post(f"/commentaires/{comment.pk}/moderer/", {"action": "hide"})
    comment.refresh_from_db()
    assert comment.is_hidden
    assert CommentReport.objects.get().status == "actioned"
    action = ModerationAction.objects.get()
    assert (action.moderator, action.action, action.via) == (moderator, "hide", "site")
    # Others see a placeholder, the moderator still sees the text.
    client.force_login(space_member)
    html = client.get(discussion.get_absolute_url()).content.decode()
    assert "Commentaire masqué par la modération." in html and "Hors sujet" not in html
    client.force_login(moderator)
    client.post(f"/commentaires/{comment.pk}/moderer/", {"action": "restore"})
    assert Comment.objects.get(pk=comment.pk).is_visible
    assert list(ModerationAction.objects.values_list("action", flat=True)) == ["restore", "hide"]


def test_admin_queue_editor_hides_restores_and_dismisses(client, editor, project):
    spam = Comment.objects.create(page=project, author=old_member(), body="Achetez des montres")
    fine = Comment.objects.create(page=project, author=old_member(), body="Commentaire correct")
    services.report_comment(old_member(), spam, "spam", "Publicité")
    services.report_comment(old_member(), fine, "abuse")
    client.force_login(editor)
    html = client.get("/admin/moderation/").content.decode()
    assert "Achetez des montres" in html and "Publicité" in html and "Commentaire correct" in html
    client.post("/admin/moderation/", {"comment": spam.pk, "action": "hide", "note": "spam"})
    client.post("/admin/moderation/", {"comment": fine.pk, "action": "dismiss"})
    assert Comment.objects.get(pk=spam.pk).is_hidden
    assert Comment.objects.get(pk=fine.pk).is_visible
    assert not CommentReport.objects.filter(status="open").exists()
    assert "Achetez des montres" in client.get("/admin/moderation/?onglet=masques").content.decode()
    client.post("/admin/moderation/", {"comment": spam.pk, "action": "restore", "tab": "masques"})
    assert Comment.objects.get(pk=spam.pk).is_visible
    log = client.get("/admin/moderation/?onglet=journal").content.decode()
    for label in ("Masqué", "Rétabli", "Signalement rejeté"):
        assert label in log
    assert list(
        ModerationAction.objects.order_by("id").values_list("action", "moderator", "note")
    ) == [("hide", editor.pk, "spam"), ("dismiss", editor.pk, ""), ("restore", editor.pk, "")]


def test_admin_queue_is_for_editors_only(client, moderator):
    assert client.get("/admin/moderation/").status_code == 302
    client.force_login(moderator)
    assert client.get("/admin/moderation/").status_code in (302, 403)
    comment = CommentFactory(page=None, discussion=DiscussionFactory())
    client.post("/admin/moderation/", {"comment": comment.pk, "action": "hide"})
    assert Comment.objects.get(pk=comment.pk).is_visible


# --- spam limits ------------------------------------------------------------------------------


def test_rate_limit_per_user(client, project, settings):
    settings.COMMUNITY_COMMENT_RATE = (3, timedelta(minutes=10))
    client.force_login(old_member())
    statuses = [post(client, project, f"Message {i}").status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert Comment.objects.count() == 3


def test_stricter_rate_for_new_accounts(project, settings):
    settings.COMMUNITY_COMMENT_RATE = (10, timedelta(minutes=10))
    settings.COMMUNITY_NEW_ACCOUNT_COMMENT_RATE = (2, timedelta(minutes=10))
    new, old = UserFactory(), old_member()
    for _ in range(2):
        services.post_comment(new, project, "Bonjour")
        services.post_comment(old, project, "Bonjour")
    with pytest.raises(services.PostingLimit):
        services.post_comment(new, project, "Encore")
    services.post_comment(old, project, "Encore")
    # The window slides: ten minutes later the new account may post again.
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    services.post_comment(new, project, "Plus tard", now=later)


def test_discussions_count_towards_the_rate(settings, public_space, space_member):
    settings.COMMUNITY_NEW_ACCOUNT_COMMENT_RATE = (2, timedelta(minutes=10))
    services.start_discussion(space_member, public_space, title="Un", body="1")
    services.start_discussion(space_member, public_space, title="Deux", body="2")
    with pytest.raises(services.PostingLimit):
        services.start_discussion(space_member, public_space, title="Trois", body="3")


def test_link_limit_for_new_accounts(client, project):
    new = UserFactory()
    client.force_login(new)
    response = post(client, project, "Voir https://a.example et https://b.example")
    assert response.status_code == 429
    assert "au plus 1 lien" in response.content.decode()
    assert post(client, project, "Voir https://a.example").status_code == 302
    assert post(client, project, "Et www.b.example").status_code == 429
    assert post(client, project, "Sans lien").status_code == 302
    # Editing cannot add a link either.
    comment = Comment.objects.get(body="Sans lien")
    response = client.post(
        f"/commentaires/{comment.pk}/modifier/", {"body": "Sans lien https://c.example"}
    )
    assert response.status_code == 429
    # Old accounts post links freely.
    client.force_login(old_member())
    assert post(client, project, "https://a.example https://b.example").status_code == 302


def test_limit_errors_are_tied_to_the_field(client, project):
    client.force_login(UserFactory())
    html = post(client, project, "https://a.example https://b.example").content.decode()
    assert 'aria-describedby="id_body_helptext id_body_error"' in html
    assert 'role="alert"' in html and "https://a.example https://b.example" in html
