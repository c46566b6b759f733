from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Role, Unit, User


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
        fields = ["id", "code", "name", "kind", "parent"]


class RolesField(serializers.ListField):
    child = serializers.ChoiceField(choices=Role.choices)


class MeSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(allow_null=True)
    roles = RolesField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "unit", "roles"]


class UserSerializer(serializers.ModelSerializer):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "unit", "roles"]


class UserFilterSerializer(serializers.Serializer):
    """The query string of GET /users/."""

    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text=_("Only users holding this role."))
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, help_text=_("Only users of this unit (id)."))
