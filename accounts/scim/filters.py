"""SCIM ``filter`` expressions as Django queries (scim2-filter-parser's Q-object transpiler).

django-scim2's own filter classes build raw SQL for PostgreSQL; these build a ``Q`` instead, so the
same filters work on SQLite and PostgreSQL. ``eq`` compares case-insensitively (``iexact``): user
names are case-insensitive in SCIM and e-mail addresses are stored lower-case here.
"""

from scim2_filter_parser.transpilers.django_q_object import get_query

from accounts.models import Team, User


class _Filter:
    model = None
    attr_map: dict = {}

    @classmethod
    def queryset(cls):
        return cls.model.objects.all()

    @classmethod
    def search(cls, filter_query: str, request=None):
        """A filter on an attribute this resource does not have is a ValueError (the view's 400)."""
        try:
            query = get_query(filter_query, cls.attr_map)
        except (TypeError, KeyError, AttributeError, IndexError):
            raise ValueError("the filter names an attribute that cannot be filtered on") from None
        if query is None:
            raise ValueError("the filter is empty")
        return cls.queryset().filter(query).order_by("pk")


class UserFilter(_Filter):
    model = User
    attr_map = {
        ("userName", None, None): "email",
        ("emails", "value", None): "email",
        ("emails", None, None): "email",
        ("externalId", None, None): "scim_external_id",
        ("displayName", None, None): "full_name",
        ("active", None, None): "is_active",
        ("id", None, None): "pk",
    }


class TeamFilter(_Filter):
    model = Team
    attr_map = {
        ("displayName", None, None): "name",
        ("externalId", None, None): "scim_external_id",
        ("id", None, None): "pk",
    }

    @classmethod
    def queryset(cls):
        return Team.objects.active()
