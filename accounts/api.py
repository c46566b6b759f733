"""Sign-in for programs, the reference data every client needs (API.md "Reference data") and the
user's own notifications (API.md "Notifications")."""

from axes.helpers import get_client_ip_address
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.http import AuthenticatedRequest
from accounts.models import Notification
from accounts.serializers import (
    MarkedSerializer,
    MeSerializer,
    MeUpdateSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UnitSerializer,
    UserFilterSerializer,
    UserSerializer,
)

LISTS_ARE_PAGINATED = "Paginated like every list: `?page=` and `?page_size=` (at most 200)."


class TokenApi(APIView):
    """Exchange a username and password for the token programs send as `Authorization: Token <key>`.

    Failures count towards the same lockout as the login page (django-axes, by username and
    address): once locked, even the right password is refused until the cool-off has passed.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong username or password, or a field missing."),
            429: OpenApiResponse(description="Locked out after repeated failures; `Retry-After` says for how long."),
        },
        auth=[],
    )
    def post(self, request: Request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username, password = serializer.validated_data["username"], serializer.validated_data["password"]
        # The DRF request goes to authenticate() so axes counts the failure and flags a lockout
        # on it (and not on the Django request, whose middleware would answer in plain text).
        user = authenticate(request=request, username=username, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
                raise exceptions.Throttled(
                    wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                    detail=_("Too many failed sign-in attempts; this account is locked for %(minutes)d minutes.") % {"minutes": minutes},
                )
            raise exceptions.ValidationError({"detail": _("Unable to sign in with the username and password given.")})
        if settings.AXES_RESET_ON_SUCCESS:
            axes_reset(ip=get_client_ip_address(request), username=user.get_username())
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)


class MeApi(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: AuthenticatedRequest):
        return Response(MeSerializer(request.user).data)

    @extend_schema(
        request=MeUpdateSerializer,
        responses={
            200: MeSerializer,
            400: OpenApiResponse(description="`email_notifications` missing or not a boolean, or another field sent."),
        },
        description="Change your e-mail preference: whether each notification is also sent to your e-mail address.",
    )
    def patch(self, request: AuthenticatedRequest):
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.email_preference_set(user=request.user, enabled=serializer.validated_data["email_notifications"])
        return Response(MeSerializer(user).data)


@extend_schema(description="Every unit of the county. " + LISTS_ARE_PAGINATED)
class UnitListApi(ListAPIView):
    serializer_class = UnitSerializer
    filter_backends = []

    def get_queryset(self):
        return selectors.unit_list()


@extend_schema(description="Active users, filtered by role and unit. " + LISTS_ARE_PAGINATED, parameters=[UserFilterSerializer])
class UserListApi(ListAPIView):
    serializer_class = UserSerializer
    filter_backends = []

    def get_queryset(self):
        filters = UserFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        unit = filters.validated_data.get("unit")
        return selectors.user_list(role=filters.validated_data.get("role"), unit_id=unit.pk if unit else None)


NOT_YOURS = {404: OpenApiResponse(description="No such notification of yours; nothing changed.")}


@extend_schema(
    description=(
        "Your notifications, newest first. `case` or `petition` is the id of what it is about (or null); `link` the page "
        "that shows it. " + LISTS_ARE_PAGINATED
    ),
    parameters=[NotificationFilterSerializer],
)
class NotificationListApi(ListAPIView):
    request: AuthenticatedRequest
    serializer_class = NotificationSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        filters = NotificationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notification_list(self.request.user, unread=filters.validated_data["unread"])


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer, **NOT_YOURS}, description="Mark one of your notifications read.")
    def post(self, request: AuthenticatedRequest, pk: int):
        notification = selectors.notification_get(request.user, pk)
        services.notification_mark_read(user=request.user, notification=notification)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllApi(APIView):
    @extend_schema(request=None, responses=MarkedSerializer, description="Mark all your unread notifications read.")
    def post(self, request: AuthenticatedRequest):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(MarkedSerializer({"marked": marked}).data)
