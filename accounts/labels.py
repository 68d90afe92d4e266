"""Roles and token scopes as people read them, in their language.

The models' choice labels stay plain English (the SCIM ``display`` and the API read them, and
translating them would change the migrations); pages show these instead.
"""

from django.utils.translation import pgettext_lazy

from accounts.models import Role, Scope

ROLE_LABELS = {
    Role.ADMIN: pgettext_lazy("role", "Admin"),
    Role.EXECUTIVE: pgettext_lazy("role", "Executive"),
    Role.LEAD: pgettext_lazy("role", "Project lead"),
    Role.CONTRIBUTOR: pgettext_lazy("role", "Contributor"),
    Role.VIEWER: pgettext_lazy("role", "Viewer"),
    Role.FINANCE: pgettext_lazy("role", "Finance reviewer"),
}
SCOPE_LABELS = {
    Scope.PROGRESS_READ: pgettext_lazy("scope", "Read initiatives, KPIs and progress"),
    Scope.MEASUREMENTS_WRITE: pgettext_lazy("scope", "Push KPI measurements"),
    Scope.EXPERIMENTS_WRITE: pgettext_lazy("scope", "Push experiment data"),
    Scope.INITIATIVES_WRITE: pgettext_lazy("scope", "Change initiatives, targets, milestones and money"),
    Scope.IDEAS_WRITE: pgettext_lazy("scope", "Submit ideas (and, for leads, triage them)"),
    Scope.COMMENTS_WRITE: pgettext_lazy("scope", "Post comments and attachments"),
    Scope.SCIM_PROVISION: pgettext_lazy("scope", "Provision users and teams (SCIM)"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
