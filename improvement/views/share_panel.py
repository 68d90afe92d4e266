"""The share panel of the initiative and experiment pages: the target's links and their views, for
those who may share it (``improvement.services.shares.can_share``)."""

from django.urls import reverse
from django.utils import timezone

from improvement.forms.shares import ShareLinkForm
from improvement.selectors.shares import share_link_list
from improvement.services.shares import can_share


def share_panel(user, *, initiative=None, experiment=None) -> dict:
    """The panel's context: nothing (and no query) for those who may not share."""
    if not can_share(user, initiative=initiative, experiment=experiment):
        return {"can_share": False, "share_links": []}
    found = share_link_list(user=user, initiative=initiative, experiment=experiment)
    action = (
        reverse("improvement:share_initiative", args=[initiative.pk])
        if initiative is not None
        else reverse("improvement:share_experiment", args=[experiment.pk])
    )
    return {
        "can_share": True,
        "share_links": list(found),
        "share_form": ShareLinkForm(),
        "share_action": action,
        "now": timezone.now(),
    }
