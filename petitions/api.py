"""Intake over HTTP: thin views over the same selectors and services as the pages.

Each view fetches through the scoped selectors (outsiders get 404), checks the action's
permission before reading the body (a refused user gets 403 whatever they sent), validates the
input, calls one service and returns the output serializer. Errors raised by services are
mapped in config.api_errors.

A petition's own page of the API and its decision are served by cases.api (DESIGN §3): the
petition's `case` is cases' data, and accepting opens or joins a case. They answer with
petition_response, as these views do.
"""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from petitions import permissions, selectors, services
from petitions.models import Petition, PetitionPetitioner
from petitions.serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CategorySerializer,
    PetitionDetailSerializer,
    PetitionRegisterSerializer,
    PetitionSerializer,
    ReasonSerializer,
    RevealRequestSerializer,
    RevealSerializer,
    RouteSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='Bad input: `{"field": ["message"]}` or `{"detail": "message"}`; nothing saved.'),
    403: OpenApiResponse(description="Not allowed to do this to a petition you can see."),
    404: OpenApiResponse(description="No such petition in your scope."),
}
CONFLICT = {409: OpenApiResponse(description="Not possible from the petition's current status, or someone acted first.")}


def _petitioners_and_attachments():
    """What PetitionSerializer reads beyond the row: one query each, whatever the number of rows."""
    return (
        Prefetch(
            "petitionpetitioner_set",
            queryset=PetitionPetitioner.objects.select_related("petitioner").order_by("-is_representative", "id"),
        ),
        "attachments",
    )


def petition_response(
    petition: Petition, status_code: int = status.HTTP_200_OK, *, case_id: int | None = None, detail: bool = False
) -> Response:
    """The petition as PetitionSerializer gives it (PetitionDetailSerializer for its own page, `detail`);
    `case_id` is its case, when the caller knows it."""
    prefetch_related_objects([petition], *_petitioners_and_attachments())
    context = {"case_ids": {petition.pk: case_id}} if case_id else {}
    serializer = PetitionDetailSerializer if detail else PetitionSerializer
    return Response(serializer(petition, context=context).data, status=status_code)


def _case_ids(petition_ids: list[int]) -> dict[int, int]:
    """The case of each accepted petition on a page, in one query, through the reverse of cases'
    CasePetition link (petitions does not import cases)."""
    linked = Petition.objects.filter(pk__in=petition_ids, case_link__isnull=False)
    return dict(linked.values_list("pk", "case_link__case_id"))


class CategoryListApi(ListAPIView):
    serializer_class = CategorySerializer
    filter_backends = []

    @extend_schema(description="The two-level category tree, by code. Paginated like every list.")
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.category_list()


class PetitionListApi(ListAPIView):
    request: AuthenticatedRequest
    serializer_class = PetitionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = selectors.PetitionFilter

    def get_queryset(self) -> QuerySet[Petition]:
        if getattr(self, "swagger_fake_view", False):
            return Petition.objects.none()
        # The filters come from the query string through filterset_class (400 when invalid).
        return selectors.petition_list(user=self.request.user).prefetch_related(*_petitioners_and_attachments())

    def list(self, request: Request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # DEFAULT_PAGINATION_CLASS always paginates, as get_paginated_response requires
        context = {**self.get_serializer_context(), "case_ids": _case_ids([petition.pk for petition in page])}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    @extend_schema(
        description="Petitions you may see, newest first. `search` matches a registration number, a petitioner's name or the summary.",
    )
    def get(self, request: Request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=PetitionRegisterSerializer,
        responses={201: PetitionSerializer, 400: REFUSALS[400], 403: REFUSALS[403]},
        description="Register a petition. Attachments are added afterwards with `POST /petitions/{id}/attachments/`.",
    )
    def post(self, request: AuthenticatedRequest):
        permissions.require(permissions.can_register(request.user))
        serializer = PetitionRegisterSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        petition = services.petition_register(actor=request.user, **serializer.validated_data)
        return petition_response(petition, status.HTTP_201_CREATED)


class PetitionRouteApi(APIView):
    @extend_schema(request=RouteSerializer, responses={200: PetitionSerializer, **REFUSALS, **CONFLICT})
    def post(self, request: AuthenticatedRequest, pk: int):
        petition = selectors.petition_get(user=request.user, pk=pk)
        permissions.require(permissions.can_route(request.user, petition))
        serializer = RouteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        petition = services.petition_route(actor=request.user, petition=petition, **serializer.validated_data)
        return petition_response(petition)


class PetitionObjectApi(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={
            200: PetitionSerializer,
            **REFUSALS,
            409: OpenApiResponse(description="Not routed to your unit any more, or the 5 working days after routing have passed."),
        },
        description=(
            "The unit the petition was routed to says it is not competent (Art. 23 ¶3), within 5 working days of "
            "routing: the petition goes back to the unit that routed it (`status: registered`)."
        ),
    )
    def post(self, request: AuthenticatedRequest, pk: int):
        petition = selectors.petition_get(user=request.user, pk=pk)
        permissions.require(permissions.can_decide(request.user, petition))
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        petition = services.petition_object(actor=request.user, petition=petition, reason=serializer.validated_data["reason"])
        return petition_response(petition)


class PetitionFileApi(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={200: PetitionSerializer, **REFUSALS, **CONFLICT},
        description="Close a suggestion or enquiry at intake.",
    )
    def post(self, request: AuthenticatedRequest, pk: int):
        petition = selectors.petition_get(user=request.user, pk=pk)
        permissions.require(permissions.can_decide(request.user, petition))
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        petition = services.petition_file(actor=request.user, petition=petition, reason=serializer.validated_data["reason"])
        return petition_response(petition)


class AttachmentCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer, **REFUSALS})
    def post(self, request: AuthenticatedRequest, pk: int):
        petition = selectors.petition_get(user=request.user, pk=pk)
        permissions.require(permissions.can_attach(request.user, petition))
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(actor=request.user, petition=petition, upload=serializer.validated_data["file"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadApi(APIView):
    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: REFUSALS[404]})
    def get(self, request: AuthenticatedRequest, pk: int, attachment_pk: int):
        petition = selectors.petition_get(user=request.user, pk=pk)
        attachment = get_object_or_404(petition.attachments, pk=attachment_pk)
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )


class PetitionerRevealApi(APIView):
    @extend_schema(
        request=RevealRequestSerializer,
        responses={200: RevealSerializer, 403: REFUSALS[403], 404: OpenApiResponse(description="No such petitioner in your scope.")},
        description="The full ID number and phone of a petitioner on a petition you may see. Every call is logged.",
    )
    def post(self, request: AuthenticatedRequest, pk: int):
        petitioner = selectors.petitioner_visible_to(request.user, pk)
        permissions.require(permissions.can_reveal(request.user))
        serializer = RevealRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revealed = services.petitioner_reveal(actor=request.user, petitioner=petitioner, reason=serializer.validated_data["reason"])
        return Response(RevealSerializer(revealed).data)
