"""Case handling over HTTP: thin views over the same selectors and services as the pages.

As in petitions.api: fetch through the scoped selectors (outsiders get 404), check the action's
permission before reading the body (a refused user gets 403 whatever they sent), check the input's
shape, call one service, answer with the case as it now is. The actions are cases.actions' entries,
each served by a view action_view() makes from it. Errors raised by services are mapped in
config.api_errors (ValidationError 400, PermissionDenied 403, TransitionNotAllowed 409).

A petition's own page of the API and its decision are here too, with petitions' serializers and
answers: the petition's `case` is cases' data, and accepting opens or joins a case (DESIGN §3).
"""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import User
from cases import documents, permissions, selectors, services
from cases.actions import Action, Endpoint
from cases.models import Case, CasePetition, Plan
from cases.serializers import CaseDetailSerializer, CaseSerializer
from deadlines.models import Deadline
from deadlines.selectors import deadline_explanations
from petitions import permissions as petition_permissions
from petitions import services as petition_services
from petitions.api import REFUSALS as PETITION_REFUSALS
from petitions.api import petition_response
from petitions.selectors import petition_get
from petitions.serializers import DecideSerializer, PetitionDetailSerializer, PetitionSerializer

REFUSALS = {
    400: OpenApiResponse(description='Bad input: `{"field": ["message"]}` or `{"detail": "message"}`; nothing saved.'),
    403: OpenApiResponse(description="Not allowed to do this to a case you can see."),
    404: OpenApiResponse(description="No such case in your scope."),
}


def _case_response(request: AuthenticatedRequest, pk: int) -> Response:
    case = selectors.case_get(user=request.user, pk=pk)
    context = {"request": request, "today": timezone.localdate(), "explanations": deadline_explanations(case.deadlines.all())}
    return Response(CaseDetailSerializer(case, context=context).data)


def _petition_numbers() -> QuerySet[CasePetition]:
    """A case's petitions as the list shows them: ids and registration numbers, not their texts."""
    fields = ("id", "case_id", "petition_id", "is_first", "linked_at", "petition__id", "petition__reg_no")
    return CasePetition.objects.select_related("petition").only(*fields)


class CaseListApi(ListAPIView):
    request: AuthenticatedRequest
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

    def list(self, request: Request, *args, **kwargs):
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
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseDetailSerializer, 404: REFUSALS[404]})
    def get(self, request: AuthenticatedRequest, pk: int):
        return _case_response(request, pk)


class CaseActionApi(APIView):
    """One POST of cases.actions: the entry's guard decides who (given the case, or the object of the
    case the URL names), its input serializer the body's shape (its fields are the service's keyword
    arguments), its service the change. Answers the case as it now is, or what the service returned
    (a supervision order). action_view() makes one subclass per entry, with its own schema."""

    action: Action
    endpoint: Endpoint

    def post(self, request: AuthenticatedRequest, pk: int, **item_id: int):
        action, endpoint = self.action, self.endpoint
        case = selectors.case_visible(user=request.user, pk=pk)
        subject = case if action.item is None else action.item.find(case, item_id[action.item.kwarg])
        permissions.require(action.guard(request.user, subject))
        arguments = {}
        if endpoint.input is not None:
            serializer = endpoint.input(data=request.data)
            serializer.is_valid(raise_exception=True)
            arguments = serializer.validated_data
        result = action.perform(request.user, subject, arguments)
        if endpoint.answers_with_case:
            return _case_response(request, pk)
        return Response(endpoint.output(result, context={"today": timezone.localdate()}).data, status=endpoint.status)


def action_view(action: Action, endpoint: Endpoint) -> type[CaseActionApi]:
    """The API view of one registry entry (`endpoint` is its `api`), documented with its own request body and responses."""
    attributes = {"action": action, "endpoint": endpoint, "__module__": __name__}
    view = type(f"{action.name.title().replace('_', '')}Api", (CaseActionApi,), attributes)
    responses = {endpoint.status: endpoint.output, **REFUSALS, 409: OpenApiResponse(description=endpoint.conflict)}
    return extend_schema(request=endpoint.input, responses=responses, description=endpoint.description)(view)


# A petition with its case


class PetitionDetailApi(APIView):
    @extend_schema(responses={200: PetitionDetailSerializer, 404: PETITION_REFUSALS[404]})
    def get(self, request, pk: int):
        petition = petition_get(user=request.user, pk=pk)
        case = selectors.case_of_petition(petition.pk)
        return petition_response(petition, case_id=case.pk if case else None, detail=True)


class PetitionDecideApi(APIView):
    DECIDE = {"not_accept": petition_services.petition_not_accept, "divert": petition_services.petition_divert}

    @extend_schema(
        request=DecideSerializer,
        responses={
            200: PetitionSerializer,
            **PETITION_REFUSALS,
            409: OpenApiResponse(
                description=(
                    "Not possible from the petition's current status, or someone acted first. `accept` on a matter concluded "
                    'after re-examination: `{"detail", "concluded_case": id}`.'
                )
            ),
        },
    )
    def post(self, request, pk: int):
        petition = petition_get(user=request.user, pk=pk)
        petition_permissions.require(petition_permissions.can_decide(request.user, petition))
        serializer = DecideSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision, reason = data["decision"], data["reason"]
        if decision == "accept":
            try:
                petition, case = services.petition_accept(
                    actor=request.user, petition=petition, reason=reason, new_facts=data.get("new_facts")
                )
            except services.ConcludedMatter as conflict:
                return Response({"detail": str(conflict), "concluded_case": conflict.case.pk}, status=status.HTTP_409_CONFLICT)
            return petition_response(petition, case_id=case.pk)
        if decision == "not_accept_again":
            concluded = selectors.concluded_case_of_matter(petition, data.get("concluded_case"))
            petition = services.petition_not_accept_again(actor=request.user, petition=petition, concluded_case=concluded, reason=reason)
            return petition_response(petition)
        petition = self.DECIDE[decision](actor=request.user, petition=petition, reason=reason)
        return petition_response(petition)


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
        description=(
            "A document of the case as PDF: `acceptance`, `extension`, `reply`, `review`, `reexamination`, once the case has it. "
            "While the reply awaits approval, `reply` is its draft, marked 草稿, for the lead official and the team only."
        ),
    )
    def get(self, request: AuthenticatedRequest, pk: int, kind: str):
        case = selectors.case_visible(user=request.user, pk=pk)
        return documents.pdf_response(*documents.case_document_pdf(case=case, kind=kind, user=request.user))


class PetitionDocumentApi(APIView):
    content_negotiation_class = _IgnoreAccept

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(documents.PETITION_DOCUMENTS))],
        responses=PDF_RESPONSES,
        description="The notice on a petition refused at intake as PDF: `not_accepted` (or diverted), `not_accepted_again`.",
    )
    def get(self, request: AuthenticatedRequest, pk: int, kind: str):
        petition = petition_get(user=request.user, pk=pk)
        return documents.pdf_response(*documents.petition_document_pdf(petition=petition, kind=kind))
