"""The permission matrix: every role, and a token with each scope, against every endpoint and method.

Expected answers follow docs/domain.md. Objects of another team are invisible: reading or writing
them answers 404, and naming one as a reference in a body answers 400 — never a telling 403.
"""

import itertools
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from accounts.models import WORK_SCOPES, Role, Scope
from accounts.services import token_create
from improvement.models import SignOffRule
from improvement.services.chat import chat_destination_create
from improvement.services.ideas import idea_create
from improvement.services.shares import share_link_create
from improvement.services.signoffs import sign_off_request
from kpis.models import KpiAlert
from tests.factories import BenefitFactory, KpiFactory, MilestoneFactory, UserFactory

ROLES = ["admin", "executive", "lead", "other_lead", "contributor", "finance", "viewer"]
READERS = dict.fromkeys(ROLES, 200)
TEAM_READERS = {**READERS, "other_lead": 404}
_serial = itertools.count()


@dataclass
class World:
    initiative_id: int
    milestone_id: int
    benefit_id: int
    kpi_code: str
    share_link_id: int
    team_id: int
    chat_destination_id: int
    sign_off_request_id: int


CHAT_HOOK = "https://chat.example.test/hook"


@pytest.fixture
def world(initiative, contributor, lead, settings):
    # A local chat receiver's address is taken without a DNS look-up (no network in tests).
    settings.PDCA_CHAT_ANY_HOST = settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)
    benefit = BenefitFactory(initiative=initiative)
    kpi = KpiFactory(code="matrix_kpi")
    link, _ = share_link_create(actor=lead, initiative=initiative)
    chat = chat_destination_create(
        actor=lead, team=initiative.team, kind="slack", url=CHAT_HOOK, events=["stage.changed"]
    )
    # The gate into Do needs an executive's or an admin's sign-off; the lead has asked for it.
    SignOffRule.objects.create(to_stage="do", reviewer_roles=["executive", "admin"])
    UserFactory(role=Role.EXECUTIVE, email="gate-reviewer@example.com")
    review = sign_off_request(actor=lead, initiative=initiative, to_stage="do")
    return World(
        initiative.pk, milestone.pk, benefit.pk, kpi.code, link.pk, initiative.team_id, chat.pk, review.pk
    )


def _new_name() -> str:
    return f"Matrix {next(_serial)}"


# (name, method, url, body, expected status per role)
CASES = [
    ("list initiatives", "get", "/api/v1/initiatives/", None, READERS),
    ("read initiative", "get", "/api/v1/initiatives/{w.initiative_id}/", None, TEAM_READERS),
    ("read progress", "get", "/api/v1/initiatives/{w.initiative_id}/progress/", None, TEAM_READERS),
    ("portfolio", "get", "/api/v1/portfolio/summary/", None, READERS),
    ("list milestones", "get", "/api/v1/milestones/", None, READERS),
    ("list measurements", "get", "/api/v1/measurements/", None, READERS),
    ("list transitions", "get", "/api/v1/transitions/", None, READERS),
    ("me", "get", "/api/v1/users/me/", None, READERS),
    # Everyone may ask; each sees only the links of initiatives they may edit (others: an empty list).
    ("list share links", "get", "/api/v1/share-links/", None, READERS),
    (
        "edit initiative",
        "patch",
        "/api/v1/initiatives/{w.initiative_id}/",
        lambda w: {"title": "Renamed"},
        {
            "admin": 200,
            "lead": 200,
            "other_lead": 404,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "move stage",
        "post",
        "/api/v1/initiatives/{w.initiative_id}/transition/",
        lambda w: {"to": "do"},
        # The gate fails for an editor (409); everyone else is refused before the gate is looked at.
        {
            "admin": 409,
            "lead": 409,
            "other_lead": 404,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "plan milestone",
        "post",
        "/api/v1/milestones/",
        lambda w: {"initiative": w.initiative_id, "title": "New", "due_date": "2030-01-01"},
        {
            "admin": 201,
            "lead": 201,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "update own milestone",
        "patch",
        "/api/v1/milestones/{w.milestone_id}/",
        lambda w: {"status": "in_progress"},
        {
            "admin": 200,
            "lead": 200,
            "other_lead": 404,
            "executive": 403,
            "contributor": 200,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "add cost",
        "post",
        "/api/v1/costs/",
        lambda w: {
            "initiative": w.initiative_id,
            "kind": "one_time",
            "description": "Licence",
            "amount": "10.00",
        },
        {
            "admin": 201,
            "lead": 201,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "validate benefit",
        "post",
        "/api/v1/benefits/{w.benefit_id}/validate/",
        lambda w: {"validated": True},
        {
            "admin": 200,
            "lead": 403,
            "other_lead": 404,
            "executive": 403,
            "contributor": 403,
            "finance": 200,
            "viewer": 403,
        },
    ),
    (
        "post status update",
        "post",
        "/api/v1/status-updates/",
        lambda w: {"initiative": w.initiative_id, "health": "at_risk", "narrative": "Late"},
        {
            "admin": 201,
            "lead": 201,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "push measurements",
        "post",
        "/api/v1/measurements/bulk/",
        lambda w: {"rows": [{"kpi": w.kpi_code, "period": "2026-01-01", "value": 1}]},
        {
            "admin": 200,
            "lead": 200,
            "other_lead": 200,
            "executive": 403,
            "contributor": 200,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "share initiative",
        "post",
        "/api/v1/share-links/",
        lambda w: {"initiative": w.initiative_id, "days": 7},
        {
            "admin": 201,
            "lead": 201,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "revoke share link",
        "post",
        "/api/v1/share-links/{w.share_link_id}/revoke/",
        None,
        # Those who may not manage the link do not see it: 404, never a telling 403.
        {**dict.fromkeys(ROLES, 404), "admin": 200, "lead": 200},
    ),
    # Everyone may ask; each sees only the destinations of teams they manage (others: an empty list).
    ("list chat destinations", "get", "/api/v1/chat-destinations/", None, READERS),
    (
        "add chat destination",
        "post",
        "/api/v1/chat-destinations/",
        lambda w: {"team": w.team_id, "kind": "teams", "url": CHAT_HOOK, "events": ["kpi.alert"]},
        {
            "admin": 201,
            "lead": 201,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "test chat destination",
        "post",
        "/api/v1/chat-destinations/{w.chat_destination_id}/test/",
        None,
        {**dict.fromkeys(ROLES, 404), "admin": 202, "lead": 202},
    ),
    (
        "remove chat destination",
        "delete",
        "/api/v1/chat-destinations/{w.chat_destination_id}/",
        None,
        {**dict.fromkeys(ROLES, 404), "admin": 204, "lead": 204},
    ),
    ("list sign-off rules", "get", "/api/v1/sign-off-rules/", None, READERS),
    (
        "add sign-off rule",
        "post",
        "/api/v1/sign-off-rules/",
        lambda w: {"to_stage": "act", "reviewer_roles": ["finance"]},
        {**dict.fromkeys(ROLES, 403), "admin": 201},
    ),
    # Everyone may ask; each sees the requests of the initiatives they read.
    ("list sign-off requests", "get", "/api/v1/sign-off-requests/", None, READERS),
    (
        "request review",
        "post",
        "/api/v1/sign-off-requests/",
        lambda w: {"initiative": w.initiative_id, "to_stage": "do"},
        # The lead's request already waits (409) for the editors; others may not ask.
        {
            "admin": 409,
            "lead": 409,
            "other_lead": 400,
            "executive": 403,
            "contributor": 403,
            "finance": 403,
            "viewer": 403,
        },
    ),
    (
        "approve sign-off",
        "post",
        "/api/v1/sign-off-requests/{w.sign_off_request_id}/approve/",
        lambda w: {"comment": "Go"},
        # The request's roles decide (here executives and admins); the requester (lead) never does.
        {**dict.fromkeys(ROLES, 403), "admin": 200, "executive": 200, "other_lead": 404},
    ),
    (
        "send back sign-off",
        "post",
        "/api/v1/sign-off-requests/{w.sign_off_request_id}/send-back/",
        lambda w: {"comment": "Name the pilot area"},
        {**dict.fromkeys(ROLES, 403), "admin": 200, "executive": 200, "other_lead": 404},
    ),
    (
        "withdraw sign-off",
        "post",
        "/api/v1/sign-off-requests/{w.sign_off_request_id}/withdraw/",
        None,
        {**dict.fromkeys(ROLES, 403), "admin": 200, "lead": 200, "other_lead": 404},
    ),
    # Prioritisation: everyone reads the ranking, the break-points and the settings; admins change them.
    ("list priorities", "get", "/api/v1/priorities/", None, READERS),
    ("break-point analysis", "get", "/api/v1/breakpoints/", None, READERS),
    ("read priority settings", "get", "/api/v1/priority-settings/", None, READERS),
    (
        "change priority settings",
        "patch",
        "/api/v1/priority-settings/",
        lambda w: {"weight_value": 40},
        {**dict.fromkeys(ROLES, 403), "admin": 200},
    ),
    (
        "create team",
        "post",
        "/api/v1/teams/",
        lambda w: {"name": _new_name()},
        {**dict.fromkeys(ROLES, 403), "admin": 201},
    ),
    (
        "create kpi",
        "post",
        "/api/v1/kpis/",
        lambda w: {"code": f"k{next(_serial)}", "name": "K", "unit": "count", "direction": "higher"},
        {**dict.fromkeys(ROLES, 403), "admin": 201},
    ),
]


@pytest.fixture
def people(admin, executive, lead, other_lead, contributor, finance, viewer):
    return {
        "admin": admin,
        "executive": executive,
        "lead": lead,
        "other_lead": other_lead,
        "contributor": contributor,
        "finance": finance,
        "viewer": viewer,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "url", "body", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_role_gets_what_the_domain_rules_allow(
    api, people, world, role, name, method, url, body, expected
):
    client = api(people[role])
    data = body(world) if body else None

    response = getattr(client, method)(url.format(w=world), data, format="json")

    assert response.status_code == expected[role], (role, name, response.json())


# For a token, each case names the one scope that opens it; None means no scope does (session only).
TOKEN_CASES = [
    ("read initiative", "get", "/api/v1/initiatives/{w.initiative_id}/", None, Scope.PROGRESS_READ, 200),
    ("list measurements", "get", "/api/v1/measurements/", None, Scope.PROGRESS_READ, 200),
    ("portfolio", "get", "/api/v1/portfolio/summary/", None, Scope.PROGRESS_READ, 200),
    (
        "push measurements",
        "post",
        "/api/v1/measurements/bulk/",
        lambda w: {"rows": [{"kpi": w.kpi_code, "period": "2026-01-01", "value": 1}]},
        Scope.MEASUREMENTS_WRITE,
        200,
    ),
    (
        "edit initiative",
        "patch",
        "/api/v1/initiatives/{w.initiative_id}/",
        lambda w: {"title": "Renamed"},
        Scope.INITIATIVES_WRITE,
        200,
    ),
    (
        "plan milestone",
        "post",
        "/api/v1/milestones/",
        lambda w: {"initiative": w.initiative_id, "title": "New", "due_date": "2030-01-01"},
        Scope.INITIATIVES_WRITE,
        201,
    ),
    ("list share links", "get", "/api/v1/share-links/", None, Scope.PROGRESS_READ, 200),
    (
        "share initiative",
        "post",
        "/api/v1/share-links/",
        lambda w: {"initiative": w.initiative_id},
        Scope.INITIATIVES_WRITE,
        201,
    ),
    ("list chat destinations", "get", "/api/v1/chat-destinations/", None, Scope.PROGRESS_READ, 200),
    (
        "add chat destination",
        "post",
        "/api/v1/chat-destinations/",
        lambda w: {"team": w.team_id, "kind": "slack", "url": CHAT_HOOK, "events": ["kpi.alert"]},
        None,
        None,
    ),
    ("list sign-off requests", "get", "/api/v1/sign-off-requests/", None, Scope.PROGRESS_READ, 200),
    (
        "approve sign-off",
        "post",
        "/api/v1/sign-off-requests/{w.sign_off_request_id}/approve/",
        None,
        Scope.INITIATIVES_WRITE,
        200,
    ),
    ("list priorities", "get", "/api/v1/priorities/", None, Scope.PROGRESS_READ, 200),
    ("break-point analysis", "get", "/api/v1/breakpoints/", None, Scope.PROGRESS_READ, 200),
    (
        "change priority settings",
        "patch",
        "/api/v1/priority-settings/",
        lambda w: {"weight_value": 40},
        Scope.INITIATIVES_WRITE,
        200,
    ),
    ("list tokens", "get", "/api/v1/tokens/", None, None, None),
    (
        "create kpi",
        "post",
        "/api/v1/kpis/",
        lambda w: {"code": f"k{next(_serial)}", "name": "K", "unit": "count", "direction": "higher"},
        None,
        None,
    ),
]


@pytest.mark.parametrize("scope", Scope.values)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "opening_scope", "allowed"),
    TOKEN_CASES,
    ids=[c[0] for c in TOKEN_CASES],
)
def test_a_token_can_do_only_what_its_scope_names(
    world, admin, scope, name, method, url, body, opening_scope, allowed
):
    _, secret = token_create(actor=admin, name="matrix", scopes=[scope])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    data = body(world) if body else None

    response = getattr(client, method)(url.format(w=world), data, format="json")

    expected = allowed if scope == opening_scope else 403
    assert response.status_code == expected, (scope, name, response.json())


@pytest.mark.parametrize("scope", Scope.values)
def test_any_token_may_ask_who_it_is(admin, scope, db):
    _, secret = token_create(actor=admin, name="me", scopes=[scope])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert client.get("/api/v1/users/me/").status_code == 200


def test_a_token_is_limited_by_its_owners_role_too(token_api, viewer, initiative):
    """Every scope does not make a viewer an editor: a lead's token keeps its scopes when the lead
    becomes a viewer, and the role is still checked on every write."""
    viewer.role = Role.LEAD
    client = token_api(viewer, *WORK_SCOPES)
    viewer.role = Role.VIEWER
    viewer.save(update_fields=["role"])

    response = client.patch(f"/api/v1/initiatives/{initiative.pk}/", {"title": "Renamed"}, format="json")

    assert response.status_code == 403


def test_nobody_outside_the_team_reads_its_private_lines(api, world, other_lead, lead):
    outsider = api(other_lead)
    insider = api(lead)

    for url in [
        "/api/v1/milestones/",
        "/api/v1/benefits/",
        "/api/v1/targets/",
        "/api/v1/status-updates/",
        "/api/v1/costs/",
        "/api/v1/initiatives/",
    ]:
        assert outsider.get(url).json()["results"] == [], url
    assert insider.get("/api/v1/benefits/").json()["results"] != []
    assert outsider.get(f"/api/v1/benefits/{world.benefit_id}/").status_code == 404
    assert outsider.get(f"/api/v1/milestones/{world.milestone_id}/").status_code == 404


def test_an_inactive_owners_token_is_refused(anon, db):
    user = UserFactory(role=Role.ADMIN)
    _, secret = token_create(actor=user, name="x", scopes=[Scope.PROGRESS_READ])
    user.is_active = False
    user.save()
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert anon.get("/api/v1/initiatives/").status_code == 401


# --- comments and attachments: whoever reads the record posts, except viewers; the author edits ---

CSV_FILE = b"queue,minutes\nchat,3\n"


@pytest.fixture
def thread(world, lead, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from improvement.models import Initiative
    from improvement.services.attachments import attachment_upload
    from improvement.services.comments import comment_create

    settings.MEDIA_ROOT = str(tmp_path)
    initiative = Initiative.objects.get(pk=world.initiative_id)
    comment = comment_create(actor=lead, parent=initiative, body="Evidence below")
    attachment = attachment_upload(
        actor=lead, parent=initiative, upload=SimpleUploadedFile("w.csv", CSV_FILE)
    )
    return {"initiative": initiative.pk, "comment": comment.pk, "attachment": attachment.pk}


def _csv(t):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"initiative": t["initiative"], "file": SimpleUploadedFile("w.csv", CSV_FILE)}


POSTERS = {**dict.fromkeys(ROLES, 201), "viewer": 403, "other_lead": 400}
AUTHOR_ONLY = {**dict.fromkeys(ROLES, 403), "lead": 200, "other_lead": 404}
AUTHOR_OR_ADMIN = {**dict.fromkeys(ROLES, 403), "lead": 204, "admin": 204, "other_lead": 404}
CONVERSATION_CASES = [
    ("list comments", "get", "/api/v1/comments/?initiative={t[initiative]}", None, "json", READERS),
    ("read comment", "get", "/api/v1/comments/{t[comment]}/", None, "json", TEAM_READERS),
    (
        "post comment",
        "post",
        "/api/v1/comments/",
        lambda t: {"initiative": t["initiative"], "body": "Hi"},
        "json",
        POSTERS,
    ),
    (
        "edit comment",
        "patch",
        "/api/v1/comments/{t[comment]}/",
        lambda t: {"body": "Edited"},
        "json",
        AUTHOR_ONLY,
    ),
    ("remove comment", "delete", "/api/v1/comments/{t[comment]}/", None, "json", AUTHOR_OR_ADMIN),
    ("list attachments", "get", "/api/v1/attachments/", None, "json", READERS),
    (
        "download attachment",
        "get",
        "/api/v1/attachments/{t[attachment]}/download/",
        None,
        "json",
        TEAM_READERS,
    ),
    ("upload attachment", "post", "/api/v1/attachments/", _csv, "multipart", POSTERS),
    ("remove attachment", "delete", "/api/v1/attachments/{t[attachment]}/", None, "json", AUTHOR_OR_ADMIN),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "form", "expected"),
    CONVERSATION_CASES,
    ids=[c[0] for c in CONVERSATION_CASES],
)
def test_each_role_takes_part_in_conversations_as_the_domain_rules_say(
    api, people, thread, role, name, method, url, body, form, expected
):
    data = body(thread) if body else None

    response = getattr(api(people[role]), method)(url.format(t=thread), data, format=form)

    assert response.status_code == expected[role], (role, name)


@pytest.mark.parametrize("scope", Scope.values)
def test_only_the_comments_scope_posts_and_progress_read_reads(thread, admin, scope):
    _, secret = token_create(actor=admin, name="matrix", scopes=[scope])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")

    read = client.get(f"/api/v1/comments/?initiative={thread['initiative']}")
    post = client.post("/api/v1/comments/", {"initiative": thread["initiative"], "body": "Hi"}, format="json")

    assert read.status_code == (200 if scope == Scope.PROGRESS_READ else 403)
    assert post.status_code == (201 if scope == Scope.COMMENTS_WRITE else 403)


# --- ideas and KPI alerts (docs/domain.md, "Ideas") ------------------------------------------------


@dataclass
class IdeaWorld:
    idea_id: int
    kept_id: int
    draft_id: int
    alert_id: int


@pytest.fixture
def idea_world(team, contributor, viewer):
    idea = idea_create(actor=contributor, title="Route billing chats", team=team)
    kept = idea_create(actor=viewer, title="Billing chats bounce", team=team)
    draft = idea_create(actor=contributor, title="Half a thought", team=team, submit=False)
    alert = KpiAlert.objects.create(
        kpi=KpiFactory(code="idea_kpi"), period="2026-03-01", level="warning", value=1, threshold=2
    )
    return IdeaWorld(idea.pk, kept.pk, draft.pk, alert.pk)


TRIAGERS = {**dict.fromkeys(ROLES, 403), "admin": 200, "lead": 200}
IDEA_CASES = [
    ("list ideas", "get", "/api/v1/ideas/", None, READERS),
    ("read idea", "get", "/api/v1/ideas/{w.idea_id}/", None, READERS),
    # A draft is its author's alone (admins included in "everyone else").
    (
        "read draft",
        "get",
        "/api/v1/ideas/{w.draft_id}/",
        None,
        {**dict.fromkeys(ROLES, 404), "contributor": 200},
    ),
    ("submit idea", "post", "/api/v1/ideas/", lambda w: {"title": "New idea"}, dict.fromkeys(ROLES, 201)),
    (
        "edit idea",
        "patch",
        "/api/v1/ideas/{w.idea_id}/",
        lambda w: {"title": "Renamed"},
        {**TRIAGERS, "contributor": 200},
    ),
    (
        "submit draft",
        "post",
        "/api/v1/ideas/{w.draft_id}/submit/",
        None,
        {**dict.fromkeys(ROLES, 404), "contributor": 200},
    ),
    ("accept idea", "post", "/api/v1/ideas/{w.idea_id}/accept/", lambda w: {}, TRIAGERS),
    ("decline idea", "post", "/api/v1/ideas/{w.idea_id}/decline/", lambda w: {"reason": "No"}, TRIAGERS),
    ("merge idea", "post", "/api/v1/ideas/{w.idea_id}/merge/", lambda w: {"into": w.kept_id}, TRIAGERS),
    ("list kpi alerts", "get", "/api/v1/kpi-alerts/", None, READERS),
    ("start improvement", "post", "/api/v1/kpi-alerts/{w.alert_id}/start-improvement/", None, READERS),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expected"), IDEA_CASES, ids=[c[0] for c in IDEA_CASES]
)
def test_each_role_gets_what_the_idea_rules_allow(
    api, people, idea_world, role, name, method, url, body, expected
):
    data = body(idea_world) if body else None

    response = getattr(api(people[role]), method)(url.format(w=idea_world), data, format="json")

    assert response.status_code == expected[role], (role, name, response.json())


IDEA_TOKEN_CASES = [
    ("list ideas", "get", "/api/v1/ideas/", None, Scope.PROGRESS_READ, 200),
    ("list kpi alerts", "get", "/api/v1/kpi-alerts/", None, Scope.PROGRESS_READ, 200),
    ("submit idea", "post", "/api/v1/ideas/", lambda w: {"title": "New idea"}, Scope.IDEAS_WRITE, 201),
    (
        "decline idea",
        "post",
        "/api/v1/ideas/{w.idea_id}/decline/",
        lambda w: {"reason": "No"},
        Scope.IDEAS_WRITE,
        200,
    ),
    (
        "start improvement",
        "post",
        "/api/v1/kpi-alerts/{w.alert_id}/start-improvement/",
        None,
        Scope.IDEAS_WRITE,
        200,
    ),
]


@pytest.mark.parametrize("scope", Scope.values)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "opening_scope", "allowed"),
    IDEA_TOKEN_CASES,
    ids=[c[0] for c in IDEA_TOKEN_CASES],
)
def test_a_token_does_to_ideas_only_what_its_scope_names(
    idea_world, admin, scope, name, method, url, body, opening_scope, allowed
):
    _, secret = token_create(actor=admin, name="matrix", scopes=[scope])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    data = body(idea_world) if body else None

    response = getattr(client, method)(url.format(w=idea_world), data, format="json")

    expected = allowed if scope == opening_scope else 403
    assert response.status_code == expected, (scope, name, response.json())
