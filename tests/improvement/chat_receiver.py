"""A local chat receiver for tests: answers like Slack or Teams, checking each message's shape."""

import json

from werkzeug import Response

from improvement.models import ChatEventType
from improvement.services.chat import chat_destination_create
from tests.factories import KpiTargetFactory, MilestoneFactory
from tests.improvement.chat_shapes import shape_errors

ALL_EVENTS = list(ChatEventType.values)
# The site address the messages link back to.
SITE = "https://pdca.example.com"


class Receiver:
    """Answers like a chat app: 400 with the reasons for a message of the wrong shape, else the next
    queued status (200 when none is queued)."""

    def __init__(self, httpserver, kind: str):
        self.kind = kind
        self.messages: list[dict] = []
        self.answers: list[Response] = []
        httpserver.expect_request(f"/{kind}", method="POST").respond_with_handler(self.handle)
        self.url = httpserver.url_for(f"/{kind}")

    def handle(self, request):
        payload = json.loads(request.get_data())
        errors = shape_errors(self.kind, payload)
        if errors:
            return Response("\n".join(errors), status=400)
        self.messages.append(payload)
        return self.answers.pop(0) if self.answers else Response("ok")


def destination(actor, team, receiver, events=ALL_EVENTS, **kwargs):
    return chat_destination_create(
        actor=actor, team=team, kind=receiver.kind, url=receiver.url, events=events, **kwargs
    )


def ready_for_do(initiative):
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)
