from django.db.models import QuerySet

from accounts.models import User
from improvement.models import ImportJob


def import_job_list(*, user: User) -> QuerySet[ImportJob]:
    """A person's own import jobs: the file and its errors are theirs alone."""
    return ImportJob.objects.filter(created_by=user).select_related("created_by").defer("content")
