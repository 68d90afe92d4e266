import pytest
from django.urls import reverse

from accounts.models import Role
from improvement.views.home import HOME_BY_ROLE
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNED_IN_PAGES = [
    "improvement:dashboard",
    "improvement:initiative_list",
    "improvement:board",
    "improvement:roadmap",
    "improvement:my_work",
    "improvement:calendar",
    "improvement:initiative_create",
    "password_change",
]


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_pages_send_anonymous_visitors_to_the_login_page(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_person_logs_in_with_their_email_and_lands_on_their_home(client, lead):
    response = client.post(reverse("login"), {"username": "LEAD@example.com", "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse(HOME_BY_ROLE[Role.LEAD])


def test_a_wrong_password_is_refused_with_a_message(client, lead):
    response = client.post(reverse("login"), {"username": "lead@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct email and password" in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_the_start_page_sends_each_role_to_its_home(login, role):
    response = login(UserFactory(role=role)).get(reverse("improvement:home"))

    assert response["Location"] == reverse(HOME_BY_ROLE[role])


def test_logging_out_takes_a_post_and_ends_the_session(login, lead):
    client = login(lead)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(reverse("improvement:my_work")).status_code == 302


def test_a_person_changes_their_password(login, lead):
    client = login(lead)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a-new-long-secret-42",
            "new_password2": "a-new-long-secret-42",
        },
    )

    assert response["Location"] == reverse("password_change_done")
    lead.refresh_from_db()
    assert lead.check_password("a-new-long-secret-42")


def test_the_header_names_the_person_and_their_role(login, finance):
    body = login(finance).get(reverse("improvement:my_work")).content.decode()

    assert finance.get_full_name() in body
    assert "Finance reviewer" in body
    assert reverse("admin:index") not in body
