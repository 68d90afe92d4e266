"""Conversation and evidence: comments (with @mentions) and attachments on a record.

A comment or an attachment belongs to exactly one parent: an initiative, an idea, a milestone or an
experiment. Whoever may read the parent may read them; access is always checked through the parent.
Both are archived, never deleted, so a conversation's history stays whole.
"""

from django.conf import settings
from django.db import models

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked

# The parents a comment or an attachment can belong to, by field name.
PARENT_FIELDS = ("initiative", "idea", "milestone", "experiment")


def _exactly_one_parent() -> models.Q:
    """A Q that holds when exactly one of ``PARENT_FIELDS`` is set."""
    either = models.Q(pk__in=[])
    for name in PARENT_FIELDS:
        only = models.Q(**{f"{name}__isnull": False})
        for other in PARENT_FIELDS:
            if other != name:
                only &= models.Q(**{f"{other}__isnull": True})
        either |= only
    return either


class OnOneParent(models.Model):
    """The four possible parents; exactly one is set (a constraint on each concrete model)."""

    initiative = models.ForeignKey(
        "improvement.Initiative", null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    idea = models.ForeignKey(
        "improvement.Idea", null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    milestone = models.ForeignKey(
        "improvement.Milestone", null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )
    experiment = models.ForeignKey(
        "improvement.Experiment", null=True, blank=True, on_delete=models.CASCADE, related_name="%(class)ss"
    )

    class Meta:
        abstract = True

    @property
    def parent(self):
        for name in PARENT_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return getattr(self, name)
        return None

    @property
    def parent_kind(self) -> str | None:
        for name in PARENT_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return None


# The longest comment a person can post (characters).
COMMENT_MAX_LENGTH = 10_000


class Comment(ChangeTracked, ArchivableModel, OnOneParent, TimeStampedModel):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    # The people the body @mentions, resolved when it was written (or last edited).
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    edited_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change; an edit compares it to refuse lost updates.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="comment_updated_keyset"),
            models.Index(fields=["initiative", "created_at", "id"], name="comment_initiative_thread"),
            models.Index(fields=["idea", "created_at", "id"], name="comment_idea_thread"),
            models.Index(fields=["milestone", "created_at", "id"], name="comment_milestone_thread"),
            models.Index(fields=["experiment", "created_at", "id"], name="comment_experiment_thread"),
        ]
        constraints = [models.CheckConstraint(condition=_exactly_one_parent(), name="comment_one_parent")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.parent_kind}"


class Attachment(ChangeTracked, ArchivableModel, OnOneParent, TimeStampedModel):
    # The comment the file came with, if any; the file belongs to the comment's parent either way.
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    # Stored under a generated name (never the uploader's), through Django's storage API.
    file = models.FileField(upload_to="attachments/%Y/%m/", max_length=255)
    # What the uploader called it: served back as the download's file name.
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="attachment_updated_keyset"),
        ]
        constraints = [models.CheckConstraint(condition=_exactly_one_parent(), name="attachment_one_parent")]

    def __str__(self) -> str:
        return self.name
