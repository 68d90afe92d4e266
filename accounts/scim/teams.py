"""The SCIM Group resource on ``accounts.Team``: displayName is the team's name, members its people.

A deleted group is an archived team: gone from SCIM answers, kept with its history in the product.
"""

from django_scim.adapters import SCIMGroup
from django_scim.constants import SchemaURI
from django_scim.exceptions import BadRequestError, NotFoundError

from accounts import provisioning
from accounts.scim import patch
from accounts.scim.errors import scim_errors
from accounts.scim.filters import TeamFilter


def active_only(request, obj):
    """django-scim2's object hook: an archived team (or its user list) is not found."""
    if getattr(obj, "archived_at", None) is not None:
        raise NotFoundError(obj.pk)
    return obj


def active_teams(request, queryset):
    """django-scim2's list hook: archived teams are left out."""
    if queryset.model._meta.model_name == "team":
        return queryset.filter(archived_at__isnull=True)
    return queryset


def object_post_processor_getter(model):
    return active_only


def queryset_post_processor_getter(model):
    return active_teams


class ScimTeam(SCIMGroup):
    id_field = "pk"
    ATTR_MAP = TeamFilter.attr_map

    def __init__(self, obj, request=None):
        super().__init__(obj, request)
        self.member_ids: list[int] | None = None

    @property
    def display_name(self) -> str:
        return self.obj.name

    @property
    def members(self) -> list[dict]:
        from accounts.scim.users import ScimUser

        users = self.obj.members.order_by("pk") if self.obj.pk else []
        return [
            {"value": str(user.pk), "display": user.email, "$ref": ScimUser(user, self.request).location}
            for user in users
        ]

    @property
    def meta(self) -> dict:
        return {
            "resourceType": self.resource_type,
            "created": self.obj.created_at.isoformat() if self.obj.pk else None,
            "lastModified": self.obj.updated_at.isoformat() if self.obj.pk else None,
            "location": self.location,
        }

    def to_dict(self) -> dict:
        return {
            "schemas": [SchemaURI.GROUP],
            "id": self.id,
            "externalId": self.obj.scim_external_id or None,
            "displayName": self.display_name,
            "members": self.members,
            "meta": self.meta,
        }

    def validate_dict(self, d):
        if not isinstance(d, dict):
            raise BadRequestError("The body must be a Group object.", scim_type="invalidSyntax")

    def from_dict(self, d: dict) -> None:
        self.obj.name = patch.text(d.get("displayName"), name="displayName")
        self.obj.scim_external_id = patch.text(d.get("externalId"), name="externalId")
        self.member_ids = patch.ids(d.get("members") or [])

    def save(self) -> None:
        with scim_errors():
            self.obj = provisioning.team_provision_save(
                actor=self.request.user, team=self.obj, member_ids=self.member_ids
            )
        self.member_ids = None

    def delete(self) -> None:
        with scim_errors():
            provisioning.team_archive(actor=self.request.user, team=self.obj)

    def handle_operations(self, operations) -> None:
        actor, team = self.request.user, self.obj
        changed = False
        for op, path, value in patch.operations(operations):
            with scim_errors():
                if path == "members" and op == "add":
                    provisioning.team_members_add(actor=actor, team=team, user_ids=patch.ids(value))
                elif path == "members" and op == "replace":
                    provisioning.team_members_set(actor=actor, team=team, user_ids=patch.ids(value or []))
                elif path == "members" and op == "remove":
                    ids = patch.ids(value) if value else None
                    provisioning.team_members_remove(actor=actor, team=team, user_ids=ids)
                elif op == "remove" and (found := patch.value_filter(path)) and found[0] == "members":
                    provisioning.team_members_remove(
                        actor=actor, team=team, user_ids=patch.ids({"value": found[1]})
                    )
                elif path == "displayname" and op != "remove":
                    team.name, changed = patch.text(value, name="displayName"), True
                elif path == "externalid":
                    external = "" if op == "remove" else patch.text(value, name="externalId")
                    team.scim_external_id, changed = external, True
                elif path == "id":
                    continue  # Okta repeats the id in a replace; it never changes.
                else:
                    raise BadRequestError(f"Groups cannot {op} {path!r}.", scim_type="invalidPath")
        if changed:
            self.save()
