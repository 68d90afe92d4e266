"""Portfolio packs: ask for one, build it in the background with progress, mail the scheduled one.

``pack_request`` records the pack and enqueues its build after commit; ``pack_build`` (the task's
one call) composes the figures, draws the PDF, stores it through Django's storage with a snapshot
for the next pack to compare against. ``pack_send_scheduled`` builds the organisation's pack and
mails it, as an attachment, to every executive who has not muted portfolio packs.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.languages import language_of
from accounts.models import Role, User
from accounts.notifications import notification_send
from common.outbox import outbox_enqueue
from improvement.models import NotificationKind, PackStatus, PortfolioPack
from improvement.reports.pack_data import pack_compose
from improvement.reports.pack_pdf import FILENAME, pack_pdf
from improvement.selectors.packs import PACK_READERS

logger = logging.getLogger(__name__)

BUILD_PACK = "improvement.build_pack"
PDF_MEDIA_TYPE = "application/pdf"
# Progress: composing the figures fills the first part, laying out the PDF the rest.
COMPOSE_SHARE = 30
LAYOUT_SHARE = 100 - COMPOSE_SHARE
PROGRESS_STEP = 5
MSG_BUSY = gettext_noop("A pack is already being built for you; wait for it to finish.")
PACK_TITLE = gettext_noop("Portfolio review pack")
SCHEDULED_TITLE = gettext_noop("Monthly portfolio review pack")
MSG_NO_PREVIOUS = gettext_noop("none yet")
MSG_MAIL_TITLE = gettext_noop("Portfolio review pack, {date}")
MSG_MAIL_BODY = gettext_noop(
    "The portfolio review pack of {date} is attached: the portfolio's figures, the initiatives ranked by "
    "ROI, what moved since the last pack ({previous}) and what is at risk and why."
)
PACK_RECIPIENTS = (Role.EXECUTIVE,)


def _previous(*, requested_by: User | None) -> PortfolioPack | None:
    """The newest finished pack of the same series (the person's, or the scheduled ones)."""
    series = Q(requested_by__isnull=True) if requested_by is None else Q(requested_by=requested_by)
    return PortfolioPack.objects.filter(series, status=PackStatus.DONE).order_by("-created_at", "-id").first()


@transaction.atomic
def pack_request(*, actor: User, today: dt.date | None = None) -> PortfolioPack:
    """Ask for a pack of what ``actor`` reads; one at a time per person (a second is refused)."""
    User.objects.select_for_update().filter(pk=actor.pk).first()  # serialises two quick clicks
    busy = PortfolioPack.objects.filter(
        requested_by=actor, status__in=[PackStatus.QUEUED, PackStatus.RUNNING]
    ).exists()
    if busy:
        raise ValidationError(_(MSG_BUSY))
    pack = PortfolioPack.objects.create(
        requested_by=actor,
        as_of=today or timezone.localdate(),
        previous=_previous(requested_by=actor),
    )
    outbox_enqueue(task=BUILD_PACK, args=[pack.pk])
    return pack


def _save_progress(pack: PortfolioPack, percent: int) -> None:
    if percent >= pack.progress + PROGRESS_STEP:
        pack.progress = min(percent, 99)
        PortfolioPack.objects.filter(pk=pack.pk).update(progress=pack.progress)


def _pack_language(pack: PortfolioPack):
    """A requested pack is written in its requester's language; the scheduled one, which many read,
    in the organisation's default language."""
    if pack.requested_by is not None:
        return language_of(pack.requested_by)
    return translation.override(settings.LANGUAGE_CODE)


def pack_build(*, pack: PortfolioPack, reader: User | None = None, title: str = PACK_TITLE) -> PortfolioPack:
    """Build ``pack`` as ``reader`` (its requester by default) reads the portfolio.

    Progress is written as it goes (each a one-row update, outside any transaction, so a page
    polling it sees it move); the finished file, snapshot and status are written together.
    """
    reader = reader or pack.requested_by
    pack.status, pack.started_at, pack.progress = PackStatus.RUNNING, timezone.now(), 0
    pack.save(update_fields=["status", "started_at", "progress"])
    previous = pack.previous.snapshot if pack.previous else None
    try:
        with _pack_language(pack):
            content = pack_compose(
                user=reader,
                as_of=pack.as_of,
                previous=previous,
                on_progress=lambda done, total: _save_progress(pack, COMPOSE_SHARE * done // total),
            )
            data = pack_pdf(
                content=content,
                title=_(title),
                on_progress=lambda share: _save_progress(pack, COMPOSE_SHARE + int(LAYOUT_SHARE * share)),
            )
    except Exception as error:
        # Recorded for the person waiting on the page, then raised again: the task fails visibly.
        pack.status, pack.error, pack.finished_at = PackStatus.FAILED, str(error)[:500], timezone.now()
        pack.save(update_fields=["status", "error", "finished_at"])
        raise
    with transaction.atomic():
        pack.file.save(FILENAME.format(date=pack.as_of.isoformat()), ContentFile(data), save=False)
        pack.snapshot = content.snapshot
        pack.initiatives = len(content.rows)
        pack.status, pack.progress, pack.finished_at = PackStatus.DONE, 100, timezone.now()
        pack.save(update_fields=["file", "snapshot", "initiatives", "status", "progress", "finished_at"])
    return pack


def pack_send_scheduled(*, today: dt.date) -> PortfolioPack | None:
    """Build the organisation's pack of ``today`` (once) and mail it to the executives.

    The pack reads the portfolio as an admin or executive does (every initiative); without one
    there is nobody to read it. Each mail is one notification with its own dedupe key, so a job
    that runs twice mails nobody twice; an executive who muted portfolio packs gets none.
    """
    reader = User.objects.filter(is_active=True, role__in=PACK_READERS).order_by("role", "pk").first()
    if reader is None:
        return None
    pack = PortfolioPack.objects.filter(requested_by__isnull=True, as_of=today).first()
    if pack is None or pack.status == PackStatus.FAILED:
        pack = PortfolioPack.objects.create(as_of=today, previous=_previous(requested_by=None))
    if pack.status != PackStatus.DONE:
        pack = pack_build(pack=pack, reader=reader, title=SCHEDULED_TITLE)
    data = pack.file.open("rb").read()
    pack.file.close()
    name = FILENAME.format(date=pack.as_of.isoformat())
    for person in User.objects.filter(is_active=True, role__in=PACK_RECIPIENTS).order_by("pk"):
        with language_of(person):
            previous = pack.previous.as_of.isoformat() if pack.previous else _(MSG_NO_PREVIOUS)
            notification_send(
                recipient=person,
                kind=NotificationKind.PORTFOLIO_PACK,
                title=_(MSG_MAIL_TITLE).format(date=pack.as_of.isoformat()),
                body=_(MSG_MAIL_BODY).format(date=pack.as_of.isoformat(), previous=previous),
                url=reverse("improvement:pack_detail", args=[pack.pk]),
                dedupe_key=f"portfolio_pack:{pack.pk}",
                attachments=[(name, data, PDF_MEDIA_TYPE)],
            )
    return pack
