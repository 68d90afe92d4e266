"""Sign-off rules in the admin: added and changed through the services; requests are read only."""

import pytest
from django.urls import reverse

from improvement.models import SignOffRule

pytestmark = pytest.mark.django_db


def test_an_admin_adds_a_rule_and_switches_it_off(admin_client):
    done = admin_client.post(
        reverse("admin:improvement_signoffrule_add"),
        {
            "to_stage": "act",
            "reviewer_roles": ["finance", "sponsor"],
            "only_when_money_claimed": "on",
            "active": "on",
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    rule = SignOffRule.objects.get()
    # In the order of the roles, whatever order they were ticked in.
    assert (rule.to_stage, rule.reviewer_roles, rule.only_when_money_claimed) == (
        "act",
        ["sponsor", "finance"],
        True,
    )

    change = reverse("admin:improvement_signoffrule_change", args=[rule.pk])
    done = admin_client.post(change, {"reviewer_roles": ["finance"], "only_when_money_claimed": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.reviewer_roles, rule.active) == (["finance"], False)


def test_a_rule_without_reviewers_is_refused_on_the_field(admin_client):
    page = admin_client.post(reverse("admin:improvement_signoffrule_add"), {"to_stage": "do", "active": "on"})
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not SignOffRule.objects.exists()


def test_the_requests_list_opens(admin_client):
    assert admin_client.get(reverse("admin:improvement_signoffrequest_changelist")).status_code == 200
