"""Each person's time zone: the preferences page, and pages showing times and "today" in it."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.time_zones import local_today

PAGE = "/accounts/preferences/"
NOON_UTC = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_the_page_offers_every_zone_and_saves_the_chosen_one(login, lead):
    client = login(lead)
    form = client.get(PAGE).context["form"]
    zones = {value for value, _ in form.fields["time_zone"].choices}
    assert {"", "Asia/Shanghai", "Europe/London", "America/Sao_Paulo", "UTC"} <= zones

    response = client.post(PAGE, {"full_name": "Li Wei", "time_zone": "Asia/Shanghai"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.full_name, lead.time_zone) == ("Li Wei", "Asia/Shanghai")


def test_an_unknown_zone_is_a_form_error_and_changes_nothing(login, lead):
    response = login(lead).post(PAGE, {"full_name": "Changed", "time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    lead.refresh_from_db()
    assert lead.full_name != "Changed" and lead.time_zone == ""


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("", "1 Jan 2026 12:00"),
        ("Asia/Shanghai", "1 Jan 2026 20:00"),
        ("Pacific/Kiritimati", "2 Jan 2026 02:00"),
    ],
)
def test_times_on_pages_are_shown_in_the_users_zone(login, lead, zone, shown, settings):
    settings.TIME_ZONE = "UTC"
    lead.time_zone = zone
    lead.save(update_fields=["time_zone"])
    Notification.objects.create(
        recipient=lead, kind="digest", title="Weekly", dedupe_key="x", created_at=NOON_UTC
    )

    page = login(lead).get("/notifications/").content.decode()

    assert shown in page


def test_the_api_keeps_the_organisations_zone(client, lead, initiative, settings):
    settings.TIME_ZONE = "UTC"
    lead.time_zone = "Asia/Shanghai"
    lead.save(update_fields=["time_zone"])
    client.force_login(lead)

    body = client.get(f"/api/v1/initiatives/{initiative.pk}/").json()

    assert body["updated_at"].endswith(("Z", "+00:00")), body["updated_at"]
    # The same user's pages are in Shanghai time.
    page = client.get("/notifications/")
    assert timezone.get_current_timezone_name() == "UTC"  # Nothing leaks past the request.
    assert page.status_code == 200


def test_today_is_the_users_own_date():
    class Someone:
        time_zone = "Pacific/Kiritimati"

    late_evening = dt.datetime(2026, 1, 1, 11, 0, tzinfo=dt.UTC)
    assert local_today(Someone(), now=late_evening) == dt.date(2026, 1, 2)
    Someone.time_zone = "America/Los_Angeles"
    assert local_today(Someone(), now=late_evening) == dt.date(2026, 1, 1)
