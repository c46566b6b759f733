"""Input serializers check the shape of a request; output serializers say what a client sees of a case.

The rules themselves (who, which state, which dates, the extension cap, the team) stay in
cases.services; the input field names are the services' keyword arguments.
"""

from operator import attrgetter

from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Unit, User
from cases.documents import available_documents
from cases.models import (
    HANDLING_STATUSES,
    Aftercare,
    AftercareKind,
    Appeal,
    Case,
    CaseEvent,
    CaseStatus,
    CompletionReport,
    Evaluation,
    Extension,
    Hearing,
    Outcome,
    Plan,
    Rating,
    Reply,
    SupervisionOrder,
)
from cases.next_step import case_next_step
from cases.selectors import case_timeline
from deadlines.models import Deadline, DeadlineStatus
from petitions.models import Petition

# Output


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["version", "status", "content", "reason", "submitted_at", "decided_at"]


class ExtensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Extension
        fields = ["days", "status", "reason", "requested_at", "decided_at"]


class ReplySerializer(serializers.ModelSerializer):
    class Meta:
        model = Reply
        fields = ["status", "outcome", "served_on", "content", "legal_basis", "returned_reason", "approved_at"]


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["rating", "comment", "recorded_at"]


class DeadlineSerializer(serializers.ModelSerializer):
    """A deadline as the case list shows it; the case detail adds how its due date is counted."""

    status = serializers.SerializerMethodField(
        help_text=_(
            "`open`, `met`, `overdue` or `lapsed`: an open deadline past its due date reads overdue, or lapsed if it was "
            "the petitioner's window to ask for review or re-examination."
        )
    )

    class Meta:
        model = Deadline
        # No explanation in the list: counting it reads the policies and the calendar.
        fields = ["kind", "start_on", "due_on", "status", "met_on", "paused_days", "extension_days"]

    @extend_schema_field(serializers.ChoiceField(choices=DeadlineStatus.choices))
    def get_status(self, deadline: Deadline) -> str:
        return deadline.current_status(self.context.get("today") or timezone.localdate())


class DeadlineDetailSerializer(DeadlineSerializer):
    """A deadline with how its due date is counted, as the case detail shows it."""

    explanation = serializers.SerializerMethodField(help_text=_("How the due date is counted, one sentence per step."))

    class Meta(DeadlineSerializer.Meta):
        fields = [*DeadlineSerializer.Meta.fields, "explanation"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_explanation(self, deadline: Deadline) -> list[str]:
        # The view counts the case's deadlines on one calendar (selectors.deadline_explanations).
        return list(self.context["explanations"][deadline.pk])


class EventSerializer(serializers.ModelSerializer):
    actor: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The user who acted (id).")
    )
    actor_name: serializers.StringRelatedField[User] = serializers.StringRelatedField(source="actor", help_text=_("Their full name."))

    class Meta:
        model = CaseEvent
        fields = ["at", "actor", "actor_name", "action", "from_status", "to_status", "note"]


class AppealSerializer(serializers.ModelSerializer):
    body = serializers.CharField(read_only=True, help_text=_("The body that decided, in whose name the opinion is issued."))

    class Meta:
        model = Appeal
        fields = ["level", "requested_on", "reason", "outcome", "content", "legal_basis", "served_on", "body"]


class CompletionReportSerializer(serializers.ModelSerializer):
    petition: serializers.PrimaryKeyRelatedField[Petition] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The assigned petition (id).")
    )
    to_unit: serializers.PrimaryKeyRelatedField[Unit] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The unit that assigned it (id).")
    )
    submitted_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = CompletionReport
        fields = ["petition", "to_unit", "content", "submitted_by", "submitted_at"]


class AftercareSerializer(serializers.ModelSerializer):
    recorded_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Aftercare
        fields = ["kind", "done_on", "note", "recorded_by", "recorded_at"]


class HearingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["held_on", "end_on", "venue", "participants", "outcome"]


class SupervisionOrderSerializer(serializers.ModelSerializer):
    unit: serializers.PrimaryKeyRelatedField[Unit] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The ordered unit (id), one of the case's team.")
    )
    issued_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text=_("The supervisor who issued it (user id).")
    )
    responded_by: serializers.PrimaryKeyRelatedField[User] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("Who answered (user id); null while open.")
    )
    overdue = serializers.SerializerMethodField(help_text=_("Open past its respond-by date, or answered after it."))

    class Meta:
        model = SupervisionOrder
        fields = [
            "id",
            "unit",
            "instruction",
            "due_on",
            "status",
            "issued_by",
            "issued_at",
            "response",
            "responded_by",
            "responded_at",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, order: SupervisionOrder) -> bool:
        # The order's deadline says it, as every deadline does (Deadline.current_status).
        return order.deadline.current_status(self.context.get("today") or timezone.localdate()) == DeadlineStatus.OVERDUE


class CaseSerializer(serializers.ModelSerializer):
    """A case as the list shows it; reads only what cases.api prefetches for a whole page."""

    reg_no = serializers.SerializerMethodField(help_text=_("Registration number of the petition that opened the case."))
    petitions = serializers.SerializerMethodField(help_text=_("Ids of the case's petitions, the first one first."))
    plan = serializers.SerializerMethodField(help_text=_("The latest version; null before a plan is submitted."))
    extension = ExtensionSerializer(read_only=True, allow_null=True, help_text=_("Null unless an extension was requested."))
    reply = ReplySerializer(read_only=True, allow_null=True, help_text=_("Null until a reply is drafted."))
    evaluation = EvaluationSerializer(read_only=True, allow_null=True, help_text=_("Null until the petitioner's rating is recorded."))
    deadlines = DeadlineSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField(help_text=_("Handling past its (extended) due date unserved, or served late."))

    class Meta:
        model = Case
        fields = [
            "id",
            "reg_no",
            "status",
            "petitions",
            "category",
            "locality",
            "accepting_unit",
            "lead_official",
            "lead_unit",
            "supporting_units",
            "stability_unit",
            "members",
            "plan",
            "accepted_at",
            "accepted_on",
            "handling_due",
            "extension",
            "reply",
            "evaluation",
            "deadlines",
            "overdue",
        ]
        read_only_fields = fields

    def _links(self, case: Case):
        return sorted(case.petition_links.all(), key=lambda link: (not link.is_first, link.linked_at, link.pk))

    def get_reg_no(self, case: Case) -> str:
        links = self._links(case)
        return links[0].petition.reg_no if links else ""

    def get_petitions(self, case: Case) -> list[int]:
        return [link.petition_id for link in self._links(case)]

    @cached_property
    def _plan_serializer(self) -> PlanSerializer:
        """One for the whole list (a list shares this serializer): building one per row costs more than the rows."""
        return PlanSerializer(context=self.context)

    @extend_schema_field(PlanSerializer(allow_null=True))
    def get_plan(self, case: Case):
        latest = max(case.plans.all(), key=attrgetter("version"), default=None)
        return self._plan_serializer.to_representation(latest) if latest else None

    def get_overdue(self, case: Case) -> bool:
        return case.is_overdue(self.context.get("today") or timezone.localdate())


class NextStepSerializer(serializers.Serializer):
    step = serializers.CharField(help_text=_("What must happen next, in the user's language."))
    owner = serializers.CharField(help_text=_("Who owns it: a role, with the names and units known; empty when nothing is owed."))
    due_on = serializers.DateField(allow_null=True, help_text=_("The day it is due (the handling due date, a window's last day), or null."))


class CaseDetailSerializer(CaseSerializer):
    """The case with its timeline, appeals, hearings, supervision orders and the documents it can print."""

    deadlines = DeadlineDetailSerializer(many=True, read_only=True)
    appeals = AppealSerializer(many=True, read_only=True)
    hearings = HearingSerializer(many=True, read_only=True)
    supervision_orders = SupervisionOrderSerializer(many=True, read_only=True, help_text=_("Oldest first."))
    completion_reports = serializers.SerializerMethodField(
        help_text=_("The reports sent to the units that assigned (交办) the case's petitions, oldest first.")
    )
    aftercare = serializers.SerializerMethodField(help_text=_("Work with the petitioner after the matter was concluded (Art. 37)."))
    documents = serializers.SerializerMethodField(
        help_text=_(
            "Kinds downloadable at `documents/{kind}.pdf` in the case's current state; `reply` while drafted only for the "
            "lead official and the team (a draft, `reply.status` says so)."
        )
    )
    events = serializers.SerializerMethodField(help_text=_("The timeline, oldest first."))
    next_step = serializers.SerializerMethodField(help_text=_("What must happen next on the case, who owns it and by when."))

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields,
            "appeals",
            "hearings",
            "supervision_orders",
            "completion_reports",
            "aftercare",
            "documents",
            "events",
            "next_step",
        ]
        read_only_fields = fields

    # Read only in the states that can have them: a case still in handling costs no query for either.
    @extend_schema_field(CompletionReportSerializer(many=True))
    def get_completion_reports(self, case: Case):
        if case.status in HANDLING_STATUSES:
            return []
        return CompletionReportSerializer(case.completion_reports.all(), many=True).data

    @extend_schema_field(AftercareSerializer(many=True))
    def get_aftercare(self, case: Case):
        if case.status != CaseStatus.CONCLUDED:
            return []
        return AftercareSerializer(case.aftercare.all(), many=True).data

    def get_documents(self, case: Case) -> list[str]:
        request = self.context.get("request")
        return available_documents(case, request.user if request else None)

    @extend_schema_field(EventSerializer(many=True))
    def get_events(self, case: Case):
        return EventSerializer(case_timeline(case), many=True).data

    @extend_schema_field(NextStepSerializer)
    def get_next_step(self, case: Case):
        return NextStepSerializer(case_next_step(case, self.context.get("today") or timezone.localdate())).data


# Input


class AssignSerializer(serializers.Serializer):
    lead_official = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text=_("A leader (user id)."))
    lead_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    supporting_units = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), many=True, required=False, default=list)
    stability_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True, default=None)
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False, default=list, help_text=_("Users of the team's units.")
    )


class LeadChangeSerializer(serializers.Serializer):
    lead_official = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), help_text=_("The new lead official (user id)."))
    reason = serializers.CharField(allow_blank=True, help_text=_("Recorded on the timeline."))


class PlanSubmitSerializer(serializers.Serializer):
    content = serializers.CharField(allow_blank=True)


class DecisionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        allow_blank=True, help_text=_("Required: why it is sent back or refused; on the timeline and told to the one who asked.")
    )


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True)


class HearingInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    end_on = serializers.DateField()
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    participants = serializers.CharField(required=False, allow_blank=True, default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class ExtensionRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text=_("Extra days, at most the policy's cap (30 by default)."))
    reason = serializers.CharField(allow_blank=True, help_text=_("Goes into the extension notice."))


class ReplyDraftSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    content = serializers.CharField(allow_blank=True, help_text=_("The facts found and the opinion; printed in the reply."))
    legal_basis = serializers.CharField(
        allow_blank=True,
        max_length=300,
        help_text=_("Required: the laws and articles the opinion rests on (Art. 32); printed in the reply."),
    )


class ServeSerializer(serializers.Serializer):
    served_on = serializers.DateField()


class EvaluationInputSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class AppealRequestSerializer(serializers.Serializer):
    requested_on = serializers.DateField()
    reason = serializers.CharField(allow_blank=True, help_text=_("The petitioner's reason."))


class AppealDecideSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    content = serializers.CharField(allow_blank=True, help_text=_("The facts found and the opinion; printed in the opinion."))
    legal_basis = serializers.CharField(allow_blank=True, max_length=300, help_text=_("The laws and articles the opinion rests on."))
    served_on = serializers.DateField()
    body = serializers.CharField(
        allow_blank=True, max_length=100, help_text=_("The body that decided, e.g. 县人民政府; the opinion is issued in its name.")
    )


class CompletionReportInputSerializer(serializers.Serializer):
    content = serializers.CharField(allow_blank=True, help_text=_("How the matter was handled and its result."))


class AftercareInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AftercareKind.choices)
    done_on = serializers.DateField(help_text=_("Not before the case was accepted, not in the future."))
    note = serializers.CharField(allow_blank=True, help_text=_("What was done."))


class SupervisionIssueSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), help_text=_("A unit of the case's team (id)."))
    due_on = serializers.DateField(help_text=_("The date the unit must answer by; today or later."))
    instruction = serializers.CharField(allow_blank=True, help_text=_("What the unit must do."))


class SupervisionRespondSerializer(serializers.Serializer):
    response = serializers.CharField(allow_blank=True, help_text=_("What the unit did."))
