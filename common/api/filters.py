"""Ordering that refuses what it cannot do: DRF's filter silently drops an unknown field, so a client
asking for ``?ordering=priority`` would get the default order and believe it sorted."""

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

MSG_UNKNOWN_ORDERING = "Unknown ordering field: {fields}. Choose from: {choices}."


class StrictOrderingFilter(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in terms if term.removeprefix("-") not in valid]
            if unknown:
                choices = ", ".join(sorted(valid)) or "none"
                message = MSG_UNKNOWN_ORDERING.format(fields=", ".join(unknown), choices=choices)
                raise ValidationError({self.ordering_param: [message]})
        return super().get_ordering(request, queryset, view)
