"""The filter backend builds the FilterSet's form only when the request names one of its filters."""

from unittest import mock

import django_filters
import pytest

from common.api.filtering import _names_a_filter
from tests.factories import InitiativeFactory

URL = "/api/v1/initiatives/"


@pytest.fixture
def built():
    """Counts the FilterSets the backend builds."""
    with mock.patch.object(
        django_filters.FilterSet, "__init__", autospec=True, side_effect=django_filters.FilterSet.__init__
    ) as init:
        yield init


def test_a_list_without_filter_parameters_builds_no_filter_form(token_api, admin, team, lead, built):
    InitiativeFactory(team=team, lead=lead)

    response = token_api(admin).get(f"{URL}?page_size=10&ordering=-code")

    assert response.status_code == 200 and response.json()["count"] == 1
    assert built.call_count == 0


def test_a_filter_parameter_still_filters_and_refuses_bad_values(token_api, admin, team, lead, built):
    InitiativeFactory(team=team, lead=lead, status="active")
    client = token_api(admin)

    assert client.get(f"{URL}?status=on_hold").json()["count"] == 0
    assert client.get(f"{URL}?status=active").json()["count"] == 1
    bad = client.get(f"{URL}?start_after=not-a-date")
    assert bad.status_code == 400 and "start_after" in bad.content.decode()
    assert built.call_count == 3


def test_a_filterset_with_a_required_filter_always_runs():
    class Required(django_filters.FilterSet):
        code = django_filters.CharFilter(required=True)

    assert _names_a_filter({}, Required) is True
