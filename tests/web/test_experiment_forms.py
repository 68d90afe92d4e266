"""The experiment forms of the site: design (new and edit), totals per variant and the CSV upload."""

from fractions import Fraction

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from improvement.forms import MSG_CONTROL_ROW_EMPTY
from improvement.models import Experiment, ExperimentStatus, MetricType, VariantData
from improvement.services import experiment_data as data
from improvement.services import experiment_observations as observations
from improvement.services import experiments as ex
from improvement.services.experiment_design import MSG_DUPLICATE_KEY, MSG_GUARDRAIL_IS_PRIMARY
from improvement.services.experiments import MSG_DESIGN_FROZEN
from kpis.models import Kpi
from kpis.stats import aggregates as agg
from kpis.stats.common import MSG_ALPHA

pytestmark = pytest.mark.django_db


def url(name, obj) -> str:
    return reverse(f"improvement:{name}", args=[obj.pk])


def kpi(code: str) -> Kpi:
    return Kpi.objects.get(code=code)


def design(**overrides) -> dict:
    """A valid POST of the design form: control and one treatment, rows 3 and 4 left empty."""
    post = {
        "name": "Greeting bot",
        "hypothesis": "A bot greeting resolves more chats at first contact.",
        "primary_kpi": kpi("fcr_rate").pk,
        "guardrail_kpis": [kpi("csat").pk],
        "metric_type": "proportion",
        "alpha": "0.05",
        "power": "0.8",
        "mde": "0.05",
        "mde_type": "relative",
        "control": "0",
        "variant-0-key": "control",
        "variant-0-name": "Control",
        "variant-0-weight": "1",
        "variant-1-key": "bot",
        "variant-1-name": "Greeting bot",
        "variant-1-weight": "1",
    }
    post.update(overrides)
    return post


def running(initiative, lead, *, metric=MetricType.PROPORTION) -> Experiment:
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Greeting bot",
        primary_kpi=kpi("fcr_rate" if metric == MetricType.PROPORTION else "average_handle_time"),
        metric_type=metric,
        variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


# Design ---------------------------------------------------------------------------------------


def test_a_lead_creates_an_experiment_from_the_initiative_page_and_sees_it_there(login, lead, initiative):
    client = login(lead)
    initiative_page = client.get(url("initiative_detail", initiative)).content.decode()
    assert url("experiment_create", initiative) in initiative_page

    response = client.post(
        url("experiment_create", initiative),
        design(**{"variant-2-key": "bot-v2", "variant-2-weight": "2"}),
    )

    experiment = Experiment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("experiment_detail", experiment)
    assert (experiment.status, experiment.primary_kpi, experiment.mde) == ("draft", kpi("fcr_rate"), 0.05)
    assert list(experiment.guardrail_kpis.all()) == [kpi("csat")]
    assert [(v.key, v.weight, v.is_control) for v in experiment.variants.all()] == [
        ("control", 1.0, True),
        ("bot", 1.0, False),
        ("bot-v2", 2.0, False),
    ]
    assert (
        url("experiment_detail", experiment)
        in client.get(url("initiative_detail", initiative)).content.decode()
    )
    page = client.get(url("experiment_detail", experiment)).content.decode()
    assert "bot-v2 ×2" in page
    assert url("experiment_edit", experiment) in page


def test_a_refused_design_shows_the_message_next_to_the_field_and_writes_nothing(login, lead, initiative):
    client = login(lead)

    bad_alpha = client.post(url("experiment_create", initiative), design(alpha="1.5"))
    duplicate_key = client.post(url("experiment_create", initiative), design(**{"variant-1-key": "control"}))
    guardrail = client.post(url("experiment_create", initiative), design(guardrail_kpis=[kpi("fcr_rate").pk]))
    empty_control = client.post(url("experiment_create", initiative), design(control="3"))

    assert bad_alpha.status_code == 200
    assert bad_alpha.context["form"].errors["alpha"] == [MSG_ALPHA]
    (_, second, *_) = duplicate_key.context["variant_rows"]
    assert second[0].errors["key"] == [MSG_DUPLICATE_KEY.format(key="control")]
    assert escape(MSG_DUPLICATE_KEY.format(key="control")) in duplicate_key.content.decode()
    assert guardrail.context["form"].errors["guardrail_kpis"] == [MSG_GUARDRAIL_IS_PRIMARY]
    assert empty_control.context["form"].errors["control"] == [MSG_CONTROL_ROW_EMPTY]
    assert not Experiment.objects.exists()


def test_the_lead_edits_the_design_while_draft_only(login, lead, initiative):
    client = login(lead)
    client.post(url("experiment_create", initiative), design())
    experiment = Experiment.objects.get()

    form = client.get(url("experiment_edit", experiment)).context["form"]
    response = client.post(
        url("experiment_edit", experiment),
        design(
            name="Greeting bot, warmer tone",
            version=form.initial["version"],
            control="1",
            **{"variant-0-key": "warm", "variant-1-key": "control", "variant-1-weight": "3"},
        ),
    )

    assert response.status_code == 302
    experiment.refresh_from_db()
    assert experiment.name == "Greeting bot, warmer tone"
    assert [(v.key, v.weight, v.is_control) for v in experiment.variants.all()] == [
        ("control", 3.0, True),
        ("warm", 1.0, False),
    ]
    ex.experiment_start(actor=lead, experiment=experiment)
    page = client.get(url("experiment_detail", experiment)).content.decode()
    assert url("experiment_edit", experiment) not in page
    refused = client.post(url("experiment_edit", experiment), design(version=experiment.version))
    assert MSG_DESIGN_FROZEN.format(status="running") in refused.content.decode()


@pytest.mark.parametrize("role_fixture", ["viewer", "contributor", "executive", "other_lead"])
def test_readers_see_no_design_buttons_and_are_refused(request, login, lead, initiative, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = login(user)
    client.post(url("experiment_create", initiative), design())  # as the reader: refused
    draft = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Draft",
        primary_kpi=kpi("fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
    )

    initiative_page = client.get(url("initiative_detail", initiative))
    if initiative_page.status_code == 200:
        assert url("experiment_create", initiative) not in initiative_page.content.decode()
        assert (
            url("experiment_edit", draft) not in client.get(url("experiment_detail", draft)).content.decode()
        )
    assert client.get(url("experiment_create", initiative)).status_code in (403, 404)
    assert client.post(url("experiment_create", initiative), design()).status_code in (403, 404)
    assert client.post(url("experiment_edit", draft), design(version=draft.version)).status_code in (403, 404)
    assert list(Experiment.objects.values_list("name", flat=True)) == ["Draft"]


def test_a_viewer_of_the_team_gets_403_on_every_experiment_form(login, viewer, lead, initiative):
    experiment = running(initiative, lead)
    client = login(viewer)

    page = client.get(url("experiment_detail", experiment))

    assert page.status_code == 200
    assert page.context["data_forms"] is None
    assert url("experiment_data", experiment) not in page.content.decode()
    assert client.get(url("experiment_create", initiative)).status_code == 403
    assert client.post(url("experiment_create", initiative), design()).status_code == 403
    totals = {"data-0-users": 10, "data-0-conversions": 1, "data-1-users": 10, "data-1-conversions": 2}
    assert client.post(url("experiment_data", experiment), totals).status_code == 403
    upload = SimpleUploadedFile("obs.csv", b"variant,value\ncontrol,1\n", content_type="text/csv")
    assert client.post(url("experiment_upload", experiment), {"observations": upload}).status_code == 403
    assert not VariantData.objects.exists()


# Data -----------------------------------------------------------------------------------------


def test_a_contributor_enters_totals_and_the_results_table_shows_them(login, lead, contributor, initiative):
    experiment = running(initiative, lead)
    client = login(contributor)

    response = client.post(
        url("experiment_data", experiment),
        {"data-0-users": 5000, "data-0-conversions": 500, "data-1-users": 5000, "data-1-conversions": 600},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#results")
    page = client.get(url("experiment_detail", experiment))
    users = {row["summary"]["key"]: row["summary"]["users"] for row in page.context["rows"]}
    assert users == {"control": 5000, "bot": 5000}
    html = page.content.decode()
    assert "+20.0 %" in html  # relative effect of the bot
    assert 'value="600"' in html  # the totals form shows what is stored


def test_refused_totals_show_next_to_the_field_and_write_nothing(login, lead, initiative):
    experiment = running(initiative, lead)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 10, "conversions": 1},
            {"variant": "bot", "users": 10, "conversions": 2},
        ],
    )

    response = login(lead).post(
        url("experiment_data", experiment),
        {"data-0-users": 100, "data-0-conversions": 10, "data-1-users": 100, "data-1-conversions": 101},
    )

    assert response.status_code == 200
    (_, control), (_, bot) = response.context["data_forms"]
    assert not control.errors
    assert "conversions" in bot.errors
    assert list(VariantData.objects.order_by("variant__key").values_list("users", "conversions")) == [
        (10, 2),
        (10, 1),
    ]


def test_a_mean_experiment_takes_users_sum_and_sum_of_squares_from_those_who_have_them(
    login, lead, initiative
):
    experiment = running(initiative, lead, metric=MetricType.MEAN)
    client = login(lead)
    form_fields = list(client.get(url("experiment_detail", experiment)).context["sum_forms"][0][1].fields)

    client.post(
        url("experiment_data", experiment),
        {
            "entry": "sums",
            "sums-0-users": 4,
            "sums-0-sum": 20,
            "sums-0-sum_squares": 110,
            "sums-1-users": 4,
            "sums-1-sum": 16,
            "sums-1-sum_squares": 70,
        },
    )

    assert form_fields == ["users", "sum", "sum_squares", "pre_sum", "pre_sum_squares", "sum_product"]
    means = {
        row["summary"]["key"]: row["summary"]["mean"]
        for row in client.get(url("experiment_detail", experiment)).context["rows"]
    }
    assert means == {"control": 5.0, "bot": 4.0}


def test_a_lead_enters_users_mean_and_sd_and_gets_the_exact_sums(login, lead, initiative):
    """sum = n·mean and sum_squares = (n − 1)·sd² + n·mean², exactly; the form shows them back."""
    experiment = running(initiative, lead, metric=MetricType.MEAN)
    client = login(lead)
    page = client.get(url("experiment_detail", experiment))
    form_fields = list(page.context["data_forms"][0][1].fields)

    response = client.post(
        url("experiment_data", experiment),
        {
            "data-0-users": 3020,
            "data-0-mean": "3.82",
            "data-0-sd": "1.05",
            "data-1-users": 1492,
            "data-1-mean": "4.05",
            "data-1-sd": "1.0",
        },
    )

    assert form_fields == ["users", "mean", "sd"]
    assert response.status_code == 302
    stored = dict(VariantData.objects.values_list("variant__key", "sum"))
    squares = dict(VariantData.objects.values_list("variant__key", "sum_squares"))
    assert stored == {"control": 11536.4, "bot": float(1492 * Fraction("4.05"))}
    assert squares["control"] == float(3019 * Fraction("1.05") ** 2 + 3020 * Fraction("3.82") ** 2)
    assert squares["bot"] == float(1491 * Fraction("1.0") ** 2 + 1492 * Fraction("4.05") ** 2)
    html = client.get(url("experiment_detail", experiment)).content.decode()
    assert 'value="3.82"' in html and 'value="1.05"' in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"data-0-sd": "-1"}, "sd", agg.MSG_SD_NEGATIVE),
        ({"data-0-users": 1}, "users", agg.MSG_SD_FEW_USERS),
        ({"data-0-mean": ""}, "mean", "This field is required."),
    ],
)
def test_mean_and_sd_that_give_no_totals_are_refused_on_their_field(
    login, lead, initiative, fields, field, message
):
    experiment = running(initiative, lead, metric=MetricType.MEAN)
    good = {"data-0-users": 100, "data-0-mean": "3", "data-0-sd": "1"}
    good |= {"data-1-users": 100, "data-1-mean": "3", "data-1-sd": "1"}

    response = login(lead).post(url("experiment_data", experiment), {**good, **fields})

    assert response.status_code == 200
    (_, control), (_, bot) = response.context["data_forms"]
    assert control.errors == {field: [message]}
    assert not bot.errors
    assert escape(message) in response.content.decode()
    assert not VariantData.objects.exists()


def test_a_csv_of_observations_is_folded_into_the_results(login, lead, initiative):
    experiment = running(initiative, lead)
    client = login(lead)
    csv = (
        b"variant,value\n" + b"control,1\ncontrol,0\ncontrol,0\ncontrol,0\n" + b"bot,1\nbot,1\nbot,0\nbot,0\n"
    )

    response = client.post(
        url("experiment_upload", experiment),
        {"observations": SimpleUploadedFile("obs.csv", csv, content_type="text/csv"), "mode": "replace"},
    )

    assert response.status_code == 302
    rows = client.get(url("experiment_detail", experiment)).context["rows"]
    assert {r["summary"]["key"]: (r["summary"]["users"], r["mean"]) for r in rows} == {
        "control": (4, "25.0 %"),
        "bot": (4, "50.0 %"),
    }


def test_a_csv_with_unknown_variants_is_refused_next_to_the_file_and_writes_nothing(login, lead, initiative):
    experiment = running(initiative, lead)

    response = login(lead).post(
        url("experiment_upload", experiment),
        {
            "observations": SimpleUploadedFile("obs.csv", b"variant,value\ncontrol,1\nrobot,0\n"),
            "mode": "replace",
        },
    )

    assert response.status_code == 200
    (message,) = response.context["upload_form"].errors["observations"]
    assert message == observations.MSG_UNKNOWN_LABELS.format(labels="robot", keys="bot, control")
    assert escape(message) in response.content.decode()
    assert not VariantData.objects.exists()


def test_data_forms_appear_only_while_the_experiment_takes_data(login, lead, initiative):
    client = login(lead)
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Draft",
        primary_kpi=kpi("fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
    )
    assert client.get(url("experiment_detail", experiment)).context["data_forms"] is None

    ex.experiment_start(actor=lead, experiment=experiment)
    assert client.get(url("experiment_detail", experiment)).context["data_forms"] is not None

    ex.experiment_conclude(actor=lead, experiment=experiment, decision="abandon")
    assert client.get(url("experiment_detail", experiment)).context["data_forms"] is None
    response = client.post(
        url("experiment_data", experiment),
        {"data-0-users": 10, "data-0-conversions": 1, "data-1-users": 10, "data-1-conversions": 1},
        follow=True,
    )
    assert (
        data.MSG_DATA_STATUS.format(status=ExperimentStatus.CONCLUDED.label.lower())
        in response.content.decode()
    )
    assert not VariantData.objects.exists()
