from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Notification, Role, Unit, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <key>`."))


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "parent", "higher_body"]


class RolesField(serializers.ListField):
    child = serializers.ChoiceField(choices=Role.choices)


class MeSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(allow_null=True)
    roles = RolesField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "unit", "roles", "email_notifications"]


class MeUpdateSerializer(serializers.Serializer):
    """The body of PATCH /me/: the e-mail preference is the one thing a user changes about themselves here."""

    email_notifications = serializers.BooleanField(help_text=_("Also send each notification to my e-mail address."))

    def validate(self, attrs):
        others = sorted(set(self.initial_data) - set(self.fields))
        if others:
            raise serializers.ValidationError({field: [_("This field cannot be changed here.")] for field in others})
        return attrs


class UserSerializer(serializers.ModelSerializer):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "unit", "roles"]


class UserFilterSerializer(serializers.Serializer):
    """The query string of GET /users/."""

    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text=_("Only users holding this role."))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, help_text=_("Only users of this unit (id)."))


# Notifications. Their subject is a generic link; the API names a case's or a petition's id by its
# content type's app and model, so accounts imports neither app (DESIGN §3).
SUBJECT_FIELDS = {("cases", "case"): "case", ("petitions", "petition"): "petition"}


class NotificationSerializer(serializers.ModelSerializer):
    case = serializers.SerializerMethodField(help_text=_("The case it is about (id), if any."))
    petition = serializers.SerializerMethodField(help_text=_("The petition it is about (id), if any."))
    link = serializers.CharField(help_text=_("The page it opens, a path on this site."))
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "petition", "message", "link", "created_at", "read"]

    def _subject_id(self, notification: Notification, field: str) -> int | None:
        subject_type = notification.subject_type  # read with the row (select_related), no query
        if subject_type is None or SUBJECT_FIELDS.get((subject_type.app_label, subject_type.model)) != field:
            return None
        return notification.subject_id

    def get_case(self, notification: Notification) -> int | None:
        return self._subject_id(notification, "case")

    def get_petition(self, notification: Notification) -> int | None:
        return self._subject_id(notification, "petition")

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSerializer(serializers.Serializer):
    """The query string of GET /notifications/."""

    # allow_null: absent from a query string is "all", not False (DRF's default for a missing boolean).
    unread = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("true: only unread ones; false: only read ones; absent: all.")
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were unread and are now read."))
