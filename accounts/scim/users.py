"""The SCIM User resource on ``accounts.User``.

userName and the primary e-mail are the same address here (the sign-in name); ``name`` and
``displayName`` fill the full name; ``roles`` (its primary value, else the first) sets the role;
``active`` false deactivates. Attributes the product does not keep (phone numbers, titles, the
enterprise extension…) are accepted and ignored.
"""

from django_scim.adapters import SCIMUser
from django_scim.constants import SchemaURI
from django_scim.exceptions import BadRequestError

from accounts import provisioning
from accounts.models import Role
from accounts.scim import patch
from accounts.scim.errors import scim_errors
from accounts.scim.filters import UserFilter


def _primary(values) -> dict | None:
    """The primary entry of a multi-valued attribute, else its first (a lone object counts too)."""
    if isinstance(values, dict):
        return values
    if not isinstance(values, list) or not values:
        return None
    entries = [v for v in values if isinstance(v, dict)]
    return next(
        (v for v in entries if patch.boolean(v.get("primary", False), name="primary")),
        entries[0] if entries else None,
    )


class ScimUser(SCIMUser):
    id_field = "pk"
    ATTR_MAP = UserFilter.attr_map

    @property
    def display_name(self) -> str:
        return self.obj.full_name or self.obj.email

    @property
    def emails(self) -> list[dict]:
        return [{"value": self.obj.email, "primary": True, "type": "work"}]

    @property
    def groups(self) -> list[dict]:
        from accounts.scim.teams import ScimTeam

        teams = self.obj.teams.filter(archived_at__isnull=True).order_by("pk") if self.obj.pk else []
        return [
            {"value": str(team.pk), "display": team.name, "$ref": ScimTeam(team, self.request).location}
            for team in teams
        ]

    @property
    def meta(self) -> dict:
        return {
            "resourceType": self.resource_type,
            "created": self.obj.date_joined.isoformat(),
            "location": self.location,
        }

    def to_dict(self) -> dict:
        given, family = self._parts(self.obj)
        role = Role(self.obj.role)
        return {
            "schemas": [SchemaURI.USER],
            "id": self.id,
            "externalId": self.obj.scim_external_id or None,
            "userName": self.obj.email,
            "name": {"givenName": given, "familyName": family, "formatted": self.obj.full_name},
            "displayName": self.display_name,
            "emails": self.emails,
            "active": self.obj.is_active,
            "roles": [{"value": role.value, "display": str(role.label), "primary": True}],
            "groups": self.groups,
            "meta": self.meta,
        }

    def validate_dict(self, d):
        if not isinstance(d, dict):
            raise BadRequestError("The body must be a User object.", scim_type="invalidSyntax")

    def from_dict(self, d: dict) -> None:
        """A whole User (POST, PUT): what it leaves out takes its default."""
        user = self.obj
        user.scim_external_id = patch.text(d.get("externalId"), name="externalId")
        email = d.get("userName") or ""
        if "@" not in str(email):
            email = (_primary(d.get("emails")) or {}).get("value", email)
        user.email = str(email)
        name = d.get("name") if isinstance(d.get("name"), dict) else {}
        user.given_name = patch.text(name.get("givenName"), name="name.givenName").strip()
        user.family_name = patch.text(name.get("familyName"), name="name.familyName").strip()
        user.full_name = self._full_name(name, d.get("displayName"))
        user.is_active = patch.boolean(d.get("active", True), name="active")
        roles = d.get("roles")
        user.role = (
            self._role(roles) if roles else (user.role if user.pk else provisioning.provisioned_role())
        )

    @staticmethod
    def _parts(user) -> tuple[str, str]:
        """The name's parts as sent; for a user created before they were kept (or in the site), the
        full name split at its first space."""
        if user.given_name or user.family_name:
            return user.given_name, user.family_name
        given, _, family = user.full_name.partition(" ")
        return given, family

    @staticmethod
    def _full_name(name: dict, display_name=None, current: tuple[str, str] = ("", "")) -> str:
        if name.get("formatted"):
            return patch.text(name["formatted"], name="name.formatted").strip()
        current_given, current_family = current
        given = name.get("givenName", current_given if not display_name else "")
        family = name.get("familyName", current_family if not display_name else "")
        joined = f"{given or ''} {family or ''}".strip()
        return joined or str(display_name or "").strip()

    def _set_name(self, name: dict) -> None:
        """A PATCH of the name or of one of its parts: the parts not named keep their values."""
        user = self.obj
        given, family = self._parts(user)
        if "givenName" in name:
            given = patch.text(name["givenName"], name="name.givenName").strip()
        if "familyName" in name:
            family = patch.text(name["familyName"], name="name.familyName").strip()
        user.full_name = self._full_name(name, current=(given, family))
        user.given_name, user.family_name = given, family

    @staticmethod
    def _role(roles) -> str:
        entry = _primary(roles)
        if entry is None or not entry.get("value"):
            raise BadRequestError('"roles" must be a list of {"value": role}.', scim_type="invalidValue")
        return str(entry["value"]).strip().lower()

    def handle_operations(self, operations) -> None:
        user = self.obj
        for op, path, value in patch.operations(operations):
            if op == "remove":
                if path == "externalid":
                    user.scim_external_id = ""
                elif path == "roles":
                    user.role = provisioning.provisioned_role()
                elif path.startswith("emails") or path == "username":
                    raise BadRequestError("A user keeps its e-mail address.", scim_type="mutability")
                continue
            self._set(path, value)
        self.save()

    def _set(self, path: str, value) -> None:
        user = self.obj
        if path == "active":
            user.is_active = patch.boolean(value, name="active")
        elif path == "username":
            user.email = patch.text(value, name="userName")
        elif path in ("emails", 'emails[type eq "work"].value', "emails.value"):
            entry = _primary(value) if isinstance(value, list | dict) else {"value": value}
            user.email = str((entry or {}).get("value") or "")
        elif path == "externalid":
            user.scim_external_id = patch.text(value, name="externalId")
        elif path == "displayname":
            user.full_name = patch.text(value, name="displayName").strip()
        elif path == "name":
            if not isinstance(value, dict):
                raise BadRequestError('"name" must be an object.', scim_type="invalidValue")
            self._set_name(value)
        elif path in ("name.givenname", "name.familyname", "name.formatted"):
            key = {
                "name.givenname": "givenName",
                "name.familyname": "familyName",
                "name.formatted": "formatted",
            }[path]
            self._set_name({key: patch.text(value, name=key)})
        elif path == "roles" or path.startswith("roles["):
            user.role = self._role(value if isinstance(value, list | dict) else {"value": value})
        # Anything else (phone numbers, title, locale, the enterprise extension…) is not kept here.

    def save(self) -> None:
        with scim_errors():
            provisioning.user_provision_save(actor=self.request.user, user=self.obj, request=self.request)

    def delete(self) -> None:
        with scim_errors():
            provisioning.user_deactivate(actor=self.request.user, user=self.obj, request=self.request)
