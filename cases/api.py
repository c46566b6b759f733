"""Case handling over HTTP: thin views over the same selectors and services as the pages.

As in petitions.api: fetch through the scoped selectors (outsiders get 404), check the action's
permission before reading the body (a refused user gets 403 whatever they sent), check the input's
shape, call one service, answer with the case as it now is. Errors raised by services are mapped in
config.api_errors (ValidationError 400, PermissionDenied 403, TransitionNotAllowed 409).
"""

from collections.abc import Callable

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from cases import documents, permissions, selectors, services
from cases.models import Case, CasePetition, Plan
from cases.serializers import (
    AppealDecideSerializer,
    AppealRequestSerializer,
    AssignSerializer,
    CaseDetailSerializer,
    CaseSerializer,
    DecisionReasonSerializer,
    EvaluationInputSerializer,
    ExtensionRequestSerializer,
    HearingInputSerializer,
    LeadChangeSerializer,
    PlanSubmitSerializer,
    ProgressSerializer,
    ReplyDraftSerializer,
    ServeSerializer,
    SupervisionIssueSerializer,
    SupervisionOrderSerializer,
    SupervisionRespondSerializer,
)
from deadlines.models import Deadline
from deadlines.selectors import deadline_explanations
from petitions.selectors import petition_get

REFUSALS = {
    400: OpenApiResponse(description='Bad input: `{"field": ["message"]}` or `{"detail": "message"}`; nothing saved.'),
    403: OpenApiResponse(description="Not allowed to do this to a case you can see."),
    404: OpenApiResponse(description="No such case in your scope."),
}
CONFLICT = {409: OpenApiResponse(description="Not possible from the case's current status, or someone acted first.")}


def _case_response(request, pk: int) -> Response:
    case = selectors.case_get(user=request.user, pk=pk)
    context = {"request": request, "today": timezone.localdate(), "explanations": deadline_explanations(case.deadlines.all())}
    return Response(CaseDetailSerializer(case, context=context).data)


def _petition_numbers() -> QuerySet[CasePetition]:
    """A case's petitions as the list shows them: ids and registration numbers, not their texts."""
    fields = ("id", "case_id", "petition_id", "is_first", "linked_at", "petition__id", "petition__reg_no")
    return CasePetition.objects.select_related("petition").only(*fields)


class CaseListApi(ListAPIView):
    serializer_class = CaseSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        # The filters come from the query string through filterset_class (400 when invalid).
        return (
            selectors.case_list(user=self.request.user)
            .select_related("extension", "reply", "evaluation")
            .prefetch_related(
                Prefetch("petition_links", queryset=_petition_numbers()),
                "supporting_units",
                Prefetch("members", queryset=User.objects.only("pk")),
                Prefetch("plans", queryset=Plan.objects.order_by("version")),
                Prefetch("deadlines", queryset=Deadline.objects.order_by("start_on", "id")),
            )
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), "today": timezone.localdate()})
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description="A unit (id): the accepting unit or any unit of the team."),
            OpenApiParameter("category", int, description="A category (id), or a first-level one with its children."),
        ],
        description=(
            "Cases you may see, newest accepted first. `unit` matches the accepting unit or any unit of the team; "
            "`category` a category or its children; `overdue` as the case's `overdue`; `due_before` the handling due "
            "date (inclusive); `due_within` days from today, past due included; `mine` the cases you lead or are a "
            "member of. Events, and how each deadline is counted (`explanation`), are in the detail only."
        ),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, 404: REFUSALS[404]})
    def get(self, request, pk: int):
        return _case_response(request, pk)


class _CaseActionApi(APIView):
    """One POST on a case: `permission` decides who, `input_serializer` the body's shape (its fields
    are the service's keyword arguments), `service` the change. Answers the case as it now is."""

    permission: Callable[[User, Case], bool]
    service: Callable[..., object]
    input_serializer: type[drf_serializers.Serializer] | None = None

    def post(self, request, pk: int):
        case = selectors.case_visible(user=request.user, pk=pk)
        permissions.require(self.permission(request.user, case))
        arguments = {}
        if self.input_serializer is not None:
            serializer = self.input_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            arguments = serializer.validated_data
        self.service(actor=request.user, case=case, **arguments)
        return _case_response(request, pk)


def _action_schema(request, description: str):
    return extend_schema(request=request, responses={200: CaseDetailSerializer, **REFUSALS, **CONFLICT}, description=description)


@_action_schema(AssignSerializer, "Name the lead official and the team. A supervisor, or a leader of the accepting unit.")
class CaseAssignApi(_CaseActionApi):
    permission = staticmethod(permissions.can_assign)
    service = staticmethod(services.case_assign)
    input_serializer = AssignSerializer


@_action_schema(LeadChangeSerializer, "Replace the lead official, with a reason. A supervisor, or a leader of the accepting unit.")
class CaseLeadChangeApi(_CaseActionApi):
    permission = staticmethod(permissions.can_assign)
    service = staticmethod(services.case_lead_change)
    input_serializer = LeadChangeSerializer


@_action_schema(PlanSubmitSerializer, "Submit a plan (a new version after one was sent back). The team's handlers.")
class PlanSubmitApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.plan_submit)
    input_serializer = PlanSubmitSerializer


@_action_schema(None, "Approve the submitted plan. The lead official only.")
class PlanApproveApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.plan_approve)


@_action_schema(DecisionReasonSerializer, "Send the plan back with a reason. The lead official only.")
class PlanRejectApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.plan_reject)
    input_serializer = DecisionReasonSerializer


@_action_schema(ProgressSerializer, "Record what was done. The team's handlers.")
class ProgressApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.progress_add)
    input_serializer = ProgressSerializer


@_action_schema(HearingInputSerializer, "Record a hearing; during a re-examination its days are not counted. The team's handlers.")
class HearingApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.hearing_add)
    input_serializer = HearingInputSerializer


@_action_schema(ExtensionRequestSerializer, "Ask once for more time. The team's handlers.")
class ExtensionRequestApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.extension_request)
    input_serializer = ExtensionRequestSerializer


@_action_schema(None, "Approve the extension; the handling deadline moves. The lead official only.")
class ExtensionApproveApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.extension_approve)


@_action_schema(DecisionReasonSerializer, "Refuse the extension. The lead official only.")
class ExtensionRejectApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.extension_reject)
    input_serializer = DecisionReasonSerializer


@_action_schema(ReplyDraftSerializer, "Draft the written reply (replaces a draft not yet approved). The team's handlers.")
class ReplyDraftApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.reply_draft)
    input_serializer = ReplyDraftSerializer


@_action_schema(None, "Approve the drafted reply. The lead official only.")
class ReplyApproveApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.reply_approve)


@_action_schema(ServeSerializer, "The approved reply reached the petitioner on `served_on`. The team's handlers.")
class ReplyServeApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.reply_serve)
    input_serializer = ServeSerializer


@_action_schema(EvaluationInputSerializer, "Record the petitioner's rating of the reply. The team's handlers.")
class EvaluationApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.evaluation_record)
    input_serializer = EvaluationInputSerializer


@_action_schema(AppealRequestSerializer, "The petitioner asks for review, within 30 days of the reply. The team's handlers.")
class ReviewRequestApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.review_request)
    input_serializer = AppealRequestSerializer


@_action_schema(AppealDecideSerializer, "The review opinion. County supervisors.")
class ReviewDecideApi(_CaseActionApi):
    permission = staticmethod(permissions.can_decide_appeal)
    service = staticmethod(services.review_decide)
    input_serializer = AppealDecideSerializer


@_action_schema(
    AppealRequestSerializer, "The petitioner asks for re-examination, within 30 days of the review opinion. The team's handlers."
)
class ReexaminationRequestApi(_CaseActionApi):
    permission = staticmethod(permissions.can_work_on)
    service = staticmethod(services.reexamination_request)
    input_serializer = AppealRequestSerializer


@_action_schema(AppealDecideSerializer, "The re-examination opinion; it concludes the matter. County supervisors.")
class ReexaminationDecideApi(_CaseActionApi):
    permission = staticmethod(permissions.can_decide_appeal)
    service = staticmethod(services.reexamination_decide)
    input_serializer = AppealDecideSerializer


@_action_schema(None, "Close handling; only once the reply is served. The lead official only.")
class CaseCloseApi(_CaseActionApi):
    permission = staticmethod(permissions.can_approve)
    service = staticmethod(services.case_close)


# Supervision orders: they answer with the order, not the case.


def _order_response(order, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(SupervisionOrderSerializer(order, context={"today": timezone.localdate()}).data, status=status_code)


class SupervisionIssueApi(APIView):
    @extend_schema(
        request=SupervisionIssueSerializer,
        responses={201: SupervisionOrderSerializer, **REFUSALS, **CONFLICT},
        description=(
            "Order a unit of the case's team to act by `due_on` (today or later); the unit's leaders and handlers are "
            "notified, and the order's deadline is reminded like the others. County supervisors only."
        ),
    )
    def post(self, request, pk: int):
        case = selectors.case_visible(user=request.user, pk=pk)
        permissions.require(permissions.can_supervise(request.user))
        serializer = SupervisionIssueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.supervision_issue(actor=request.user, case=case, **serializer.validated_data)
        return _order_response(order, status_code=status.HTTP_201_CREATED)


class SupervisionRespondApi(APIView):
    @extend_schema(
        request=SupervisionRespondSerializer,
        responses={200: SupervisionOrderSerializer, **REFUSALS, 409: OpenApiResponse(description="The order is answered already.")},
        description="The ordered unit says what it did; the issuing supervisor is notified. Leaders and handlers of that unit.",
    )
    def post(self, request, pk: int, order_id: int):
        case = selectors.case_visible(user=request.user, pk=pk)
        order = selectors.supervision_order_of(case, order_id)
        permissions.require(permissions.can_respond_supervision(request.user, order))
        serializer = SupervisionRespondSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _order_response(services.supervision_respond(actor=request.user, order=order, **serializer.validated_data))


# Documents


class _IgnoreAccept(BaseContentNegotiation):
    """A PDF download answers whatever the client accepts; its errors are JSON like every other."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


PDF_RESPONSES = {
    (200, "application/pdf"): OpenApiTypes.BINARY,
    404: OpenApiResponse(description="Outside your scope, or a document the current state does not have."),
}


class CaseDocumentApi(APIView):
    content_negotiation_class = _IgnoreAccept

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(documents.CASE_DOCUMENTS))],
        responses=PDF_RESPONSES,
        description="A document of the case as PDF: `acceptance`, `extension`, `reply`, `review`, `reexamination`, once the case has it.",
    )
    def get(self, request, pk: int, kind: str):
        case = selectors.case_visible(user=request.user, pk=pk)
        return documents.pdf_response(*documents.case_document_pdf(case=case, kind=kind))


class PetitionDocumentApi(APIView):
    content_negotiation_class = _IgnoreAccept

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(documents.PETITION_DOCUMENTS))],
        responses=PDF_RESPONSES,
        description="The notice on a petition refused at intake as PDF: `not_accepted` (or diverted), `not_accepted_again`.",
    )
    def get(self, request, pk: int, kind: str):
        petition = petition_get(user=request.user, pk=pk)
        return documents.pdf_response(*documents.petition_document_pdf(petition=petition, kind=kind))
