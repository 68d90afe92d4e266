"""The experiment page's segment totals: a pasted table of (segment, variant) totals."""

import csv
import io

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.web import attempt, site_view
from improvement.services import experiment_segments
from improvement.views.experiments import _check_can_push, _detail_context, experiment_or_404
from kpis.stats_text import stats_message

MSG_SAVED = gettext_noop("Segment totals saved for {segments}.")
MSG_NO_HEADER = gettext_noop(
    "Start with a header row naming the columns, e.g. segment,variant,users,conversions."
)
MSG_ROW = gettext_noop("Row {row}, {field}: {message}")
MAX_TABLE_CHARS = 1_000_000


class SegmentTotalsForm(forms.Form):
    table = forms.CharField(
        label=_("Totals per segment and variant"),
        max_length=MAX_TABLE_CHARS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_(
            "Comma-separated, with a header row: segment,variant,users,conversions for a proportion; "
            "segment,variant,users,mean,sd (or sum,sum_squares) for a mean. Each segment named replaces "
            "what it held."
        ),
    )


def _number(text: str):
    """A cell as a number when it reads as one; otherwise the text, for the service to refuse by name."""
    text = text.strip()
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def table_rows(table: str) -> list[dict]:
    reader = csv.DictReader(io.StringIO(table.strip()))
    if not reader.fieldnames or "segment" not in [name.strip() for name in reader.fieldnames]:
        raise ValueError(gettext(MSG_NO_HEADER))
    rows = []
    for row in reader:
        cleaned = {(key or "").strip(): value or "" for key, value in row.items() if key}
        rows.append(
            {
                key: value.strip() if key in ("segment", "variant") else _number(value)
                for key, value in cleaned.items()
            }
        )
    return rows


def _messages(errors: dict) -> list[str]:
    found = []
    for key, messages_ in errors.items():
        head, _, field = key.partition(".")
        row = head.removeprefix("rows[").removesuffix("]")
        for message in messages_:
            text = getattr(message, "message", message)
            found.append(
                gettext(MSG_ROW).format(row=int(row) + 1, field=field, message=text) if field else str(text)
            )
    return found


@require_POST
@site_view
def experiment_segments_view(request, pk: int):
    experiment = experiment_or_404(request, pk)
    _check_can_push(request, experiment)
    form = SegmentTotalsForm(request.POST)
    if form.is_valid():
        try:
            rows = table_rows(form.cleaned_data["table"])
        except ValueError as exc:
            form.add_error("table", stats_message(exc))
        else:
            outcome = attempt(
                experiment_segments.experiment_segment_data_replace,
                actor=request.user,
                experiment=experiment,
                rows=rows,
            )
            if outcome.refused is not None:
                messages.error(request, outcome.refused.message)
                return redirect("improvement:experiment_detail", pk=pk)
            if outcome.ok:
                messages.success(
                    request, gettext(MSG_SAVED).format(segments=", ".join(outcome.result.segments))
                )
                return redirect(reverse("improvement:experiment_detail", args=[pk]) + "#segments")
            for message in _messages(outcome.invalid.message_dict):
                form.add_error("table", message)
    context = _detail_context(request, experiment)
    context["segment_form"] = form
    return render(request, "improvement/experiment_detail.html", context)
