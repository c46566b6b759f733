"""Statistics over HTTP (API.md, Reports): the same forms check the input as on the page (their
errors answer 400 with field errors), the same selectors give the figures."""

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import AuthenticatedRequest
from accounts.models import Unit
from reporting import permissions, selectors, services
from reporting.forms import ExportForm, MonthForm, PeriodForm, ReopenForm
from reporting.models import ReportRun

REFUSALS = {
    400: OpenApiResponse(description='Bad input: `{"field": ["message"]}` or `{"detail": "message"}`; nothing saved.'),
    403: OpenApiResponse(description="Not allowed."),
    404: OpenApiResponse(description="A unit outside your scope."),
}
CONFLICT = {409: OpenApiResponse(description="Already closed, not closed, or the month is not over.")}
PERIOD_PARAMETERS = [
    OpenApiParameter("year", int, description="With `month`: a calendar month."),
    OpenApiParameter("month", int),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="With `date_to`: any range of days, instead of a month."),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter(
        "unit", int, description="A unit (id) and the units below it; without it, the county (county office only) or your own unit."
    ),
]


def _valid(form) -> dict:
    if not form.is_valid():
        errors = {field: messages for field, messages in form.errors.items() if field != "__all__"}
        if "__all__" in form.errors:
            errors["detail"] = " ".join(form.errors["__all__"])
        raise ValidationError(errors)
    return form.cleaned_data


def _fields(request: Request) -> Mapping[str, Any]:
    """The body's fields for a form; a JSON body that is not an object answers 400 as a serializer would."""
    if not isinstance(request.data, Mapping):
        message = serializers.Serializer.default_error_messages["invalid"].format(datatype=type(request.data).__name__)
        raise ValidationError({"detail": message})
    return request.data


def _require_viewer(request: AuthenticatedRequest) -> None:
    permissions.require(permissions.can_view_reports(request.user))


class MonthlyReportApi(APIView):
    @extend_schema(
        parameters=PERIOD_PARAMETERS,
        responses={200: OpenApiTypes.OBJECT, **REFUSALS},
        description=(
            "The statistics of a month or a range of days. A closed month answers its frozen figures (`frozen`: true, "
            "`closed_at`) and `live_differences`, the figures that today's data gives differently. Rates are fractions "
            "0..1 and null where nothing was due; `rate_counts` gives each numerator and denominator."
        ),
    )
    def get(self, request: AuthenticatedRequest):
        _require_viewer(request)
        data = _valid(PeriodForm(request.query_params))
        unit = selectors.report_unit_get(request.user, data["unit"])
        report = selectors.report_get(period=data["period"], unit=unit, compare_live=True)
        return Response(
            {
                **report.figures,
                "frozen": report.is_frozen,
                "closed_at": _local(report.closing.closed_at) if report.closing else None,
                "live_differences": report.live_differences or [],
            }
        )


def _local(moment):
    """In Asia/Shanghai with its offset, as the serializers write every other time (API.md)."""
    return timezone.localtime(moment) if moment else None


def _closing_data(closing) -> dict:
    return {
        "year": closing.year,
        "month": closing.month,
        "closed_at": _local(closing.closed_at),
        "closed_by": closing.closed_by.username,
        "reopened_at": _local(closing.reopened_at),
        "reopened_by": closing.reopened_by.username if closing.reopened_by else None,
        "reopen_reason": closing.reopen_reason,
    }


CLOSING_SHAPE = inline_serializer(
    "MonthClosing",
    {
        "year": serializers.IntegerField(),
        "month": serializers.IntegerField(),
        "closed_at": serializers.DateTimeField(),
        "closed_by": serializers.CharField(),
        "reopened_at": serializers.DateTimeField(allow_null=True),
        "reopened_by": serializers.CharField(allow_null=True),
        "reopen_reason": serializers.CharField(),
    },
)


class MonthCloseApi(APIView):
    @extend_schema(
        request=inline_serializer("MonthInput", {"year": serializers.IntegerField(), "month": serializers.IntegerField()}),
        responses={200: CLOSING_SHAPE, **REFUSALS, **CONFLICT},
        description="Close a month that is over: its figures (the county's and every unit's) are frozen. Supervisors.",
    )
    def post(self, request: AuthenticatedRequest):
        permissions.require(permissions.can_close_month(request.user))
        data = _valid(MonthForm(_fields(request)))
        closing = services.month_close(actor=request.user, year=data["year"], month=data["month"])
        return Response(_closing_data(closing))


class MonthReopenApi(APIView):
    @extend_schema(
        request=inline_serializer(
            "ReopenInput", {"year": serializers.IntegerField(), "month": serializers.IntegerField(), "reason": serializers.CharField()}
        ),
        responses={200: CLOSING_SHAPE, **REFUSALS, **CONFLICT},
        description="Reopen a closed month, with a reason that is kept with the month's history. Supervisors.",
    )
    def post(self, request: AuthenticatedRequest):
        permissions.require(permissions.can_close_month(request.user))
        data = _valid(ReopenForm(_fields(request)))
        closing = services.month_reopen(actor=request.user, year=data["year"], month=data["month"], reason=data["reason"])
        return Response(_closing_data(closing))


class ReportRunSerializer(serializers.ModelSerializer):
    file_url = serializers.SerializerMethodField()
    unit: serializers.PrimaryKeyRelatedField[Unit] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ReportRun
        fields = [
            "id",
            "status",
            "progress",
            "file_url",
            "format",
            "date_from",
            "date_to",
            "unit",
            "scheduled",
            "created_at",
            "finished_at",
        ]

    def get_file_url(self, run: ReportRun) -> str | None:
        if not run.file:
            return None
        return self.context["request"].build_absolute_uri(reverse("report-run-file", args=[run.pk]))


class ReportRunListApi(ListAPIView):
    request: AuthenticatedRequest
    serializer_class = ReportRunSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportRun.objects.none()
        _require_viewer(self.request)
        return selectors.report_runs_for(self.request.user)

    @extend_schema(
        request=inline_serializer(
            "ReportRunInput",
            {
                "year": serializers.IntegerField(required=False),
                "month": serializers.IntegerField(required=False),
                "date_from": serializers.DateField(required=False),
                "date_to": serializers.DateField(required=False),
                "unit": serializers.IntegerField(required=False),
                "format": serializers.ChoiceField(choices=["pdf", "xlsx", "csv"]),
            },
        ),
        responses={202: ReportRunSerializer, **REFUSALS},
        description="Ask for the report as a file; a worker builds it. Poll `GET /reports/runs/{id}/` for `status` and `progress`.",
    )
    def post(self, request: AuthenticatedRequest):
        _require_viewer(request)
        data = _valid(ExportForm(_fields(request)))
        unit = selectors.report_unit_get(request.user, data["unit"])
        run = services.report_run_request(actor=request.user, period=data["period"], unit=unit, format=data["format"])
        run.refresh_from_db()
        return Response(ReportRunSerializer(run, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class ReportRunDetailApi(APIView):
    @extend_schema(responses={200: ReportRunSerializer, 404: REFUSALS[404]})
    def get(self, request: AuthenticatedRequest, pk: int):
        run = selectors.report_run_get(request.user, pk)
        return Response(ReportRunSerializer(run, context={"request": request}).data)
