"""``manage.py load_demo``: a working portfolio for a newcomer, and the logins to explore it.

Every record is made by the services the site itself uses, so the stage gates, history and
permission rules apply: initiatives reach Do, Check and Act because their gates are met (SMART goal,
targets, owned milestones, measurements after the start, evaluated targets), never by override.
Dates are relative to today, so the demo always looks current. The whole load is one transaction.

Running it again creates nothing: the demo admin's existence says the data are already there.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from improvement.management.demo_loader import DemoLoader
from improvement.management.demo_people import DEMO_ADMIN_EMAIL, DEMO_PASSWORD, DEMO_USERS

MSG_ALREADY_LOADED = "Demo data already loaded."
MSG_LOADED = (
    "Demo data loaded: {initiatives} initiatives in {teams} teams, {measurements} measurements, "
    "{experiments} experiments."
)
MSG_CLASHES = "Existing data clash with the demo ({errors}); load it into a fresh database."
MSG_LOGINS = "\nDemo logins at {url} (password for all: {password})"
# The demo's history is simulated: emailing its stage changes, alerts and met targets (about 80
# messages on the console) would bury the logins. The notifications are still recorded in the site.
DEMO_EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


class Command(BaseCommand):
    help = "Load demo users, teams and initiatives (idempotent) and print the demo logins."

    def handle(self, *args, **options) -> None:
        if User.objects.filter(email__iexact=DEMO_ADMIN_EMAIL).exists():
            self.stdout.write(MSG_ALREADY_LOADED)
        else:
            loader = DemoLoader(today=timezone.localdate())
            try:
                # Follow-up jobs run when the transaction commits, so the override must outlast it.
                with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND), transaction.atomic():
                    initiatives = loader.load()
            except ValidationError as exc:
                raise CommandError(MSG_CLASHES.format(errors="; ".join(exc.messages))) from exc
            summary = MSG_LOADED.format(
                initiatives=len(initiatives),
                teams=len(loader.teams),
                measurements=loader.measurements,
                experiments=loader.experiments,
            )
            self.stdout.write(self.style.SUCCESS(summary))
        self._print_logins()

    def _print_logins(self) -> None:
        self.stdout.write(MSG_LOGINS.format(url=reverse("login"), password=DEMO_PASSWORD))
        for person in DEMO_USERS:
            self.stdout.write(f"  {person.role:<12} {person.email:<24} {person.full_name}")
