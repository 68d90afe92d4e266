"""PDCA stage moves in the API: the transition and decision inputs, the recorded moves and their list.

The moves themselves are actions of ``InitiativeViewSet`` (``/initiatives/{id}/transition/``); the
history is read at ``/transitions/``.
"""

import django_filters
from rest_framework import mixins, serializers

from common.api.sync import ChangeStreamPagination
from common.api.viewsets import ApiViewSet
from improvement import selectors
from improvement.api.common import blank_choice_field, updated_since
from improvement.models import Decision, Stage, StageTransition


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to step back."
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Executives and admins only: move although the gate failed, and say why.",
    )


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_open = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Standardise although milestones are not done or targets not reached.",
    )


class GateConditionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    passed = serializers.BooleanField(read_only=True)
    detail = serializers.CharField(read_only=True)


class StageTransitionSerializer(serializers.ModelSerializer):
    gate_result = GateConditionSerializer(many=True, read_only=True)
    overridden = serializers.BooleanField(read_only=True)
    decision = blank_choice_field(Decision, help_text='"" for a move that is not an Act decision.')

    class Meta:
        model = StageTransition
        fields = [
            "id",
            "initiative",
            "cycle",
            "from_stage",
            "to_stage",
            "actor",
            "note",
            "reason",
            "override_reason",
            "overridden",
            "gate_passed",
            "gate_result",
            "decision",
            "created_at",
        ]
        read_only_fields = fields


class StageTransitionFilter(django_filters.FilterSet):
    # Transitions never change once written: "updated" means recorded.
    updated_since = updated_since("created_at")

    class Meta:
        model = StageTransition
        fields = ["initiative", "cycle", "from_stage", "to_stage", "gate_passed"]


class StageTransitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Every PDCA move with its gate verdict. Cursor-paginated: history only grows."""

    model = StageTransition
    serializer_class = StageTransitionSerializer
    filterset_class = StageTransitionFilter
    pagination_class = ChangeStreamPagination
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def select(self, *, user, include_archived):
        return selectors.transition_list(user=user)
