"""Input serializers check the shape of a request; output serializers say what a client sees.

The rules themselves (ID checksum, headcount, future dates, township, state) stay in services.
"""

from dataclasses import replace

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from accounts.models import Unit
from petitions import services
from petitions.models import (
    MAX_REPRESENTATIVES,
    Action,
    Attachment,
    Category,
    Channel,
    Petition,
    PetitionPetitioner,
    Purpose,
    RouteMode,
)
from petitions.selectors import petitions_visible_to, routing_suggestion


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent"]


# Output


class PetitionPetitionerSerializer(serializers.ModelSerializer):
    """A person on a petition; the ID number and phone only ever masked here."""

    id = serializers.IntegerField(source="petitioner_id")
    name = serializers.CharField(source="petitioner.name")
    id_number = serializers.CharField(source="petitioner.id_number_masked", help_text=_("Masked, e.g. 110105********002X."))
    phone = serializers.CharField(source="petitioner.phone_masked", help_text=_("Masked, e.g. 138****5678."))
    address = serializers.CharField(source="petitioner.address")
    township = serializers.IntegerField(source="petitioner.township_id", allow_null=True)

    class Meta:
        model = PetitionPetitioner
        fields = ["id", "name", "id_number", "phone", "address", "township", "is_representative"]


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField(help_text=_("Download address (needs the same authentication)."))

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return reverse("api-petition-attachment", kwargs={"pk": attachment.petition_id, "attachment_pk": attachment.pk})


class PetitionSerializer(serializers.ModelSerializer):
    petitioners = PetitionPetitionerSerializer(source="petitionpetitioner_set", many=True)
    attachments = AttachmentSerializer(many=True)
    case = serializers.SerializerMethodField(help_text=_("The case this petition belongs to once accepted; null until then."))
    route_mode = serializers.ChoiceField(choices=RouteMode.choices, allow_blank=True, read_only=True, help_text=_("Empty until routed."))

    class Meta:
        model = Petition
        fields = [
            "id",
            "reg_no",
            "channel",
            "received_at",
            "status",
            "petitioners",
            "headcount",
            "is_group",
            "category",
            "purpose",
            "locality",
            "summary",
            "content",
            "is_repeat",
            "repeat_of",
            "unit",
            "decision_due",
            "case",
            "query_code",
            "skip_level",
            "to_province",
            "to_beijing",
            "joint_letter",
            "intake_unit",
            "route_mode",
            "decided_at",
            "decision_reason",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_case(self, petition: Petition) -> int | None:
        # The view passes it in: cases.api for the detail and the decision, petitions.api for a page of the list.
        return self.context.get("case_ids", {}).get(petition.pk)


class UnitReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoutingSuggestionSerializer(serializers.Serializer):
    unit = UnitReferenceSerializer()
    why = serializers.CharField(help_text=_("The routing rule's note, or the township by 属地管理."))


class PetitionDetailSerializer(PetitionSerializer):
    routing_suggestion = serializers.SerializerMethodField(
        help_text=_("The competent unit by the routing rules, and why, while the petition can be routed; null otherwise.")
    )

    class Meta(PetitionSerializer.Meta):
        fields = [*PetitionSerializer.Meta.fields, "routing_suggestion"]
        read_only_fields = fields

    @extend_schema_field(RoutingSuggestionSerializer(allow_null=True))
    def get_routing_suggestion(self, petition: Petition) -> dict | None:
        if not petition.can(Action.ROUTE):
            return None
        suggestion = routing_suggestion(petition)
        return {"unit": {"id": suggestion.unit.pk, "name": suggestion.unit.name}, "why": suggestion.why}


class RevealSerializer(serializers.Serializer):
    id_number = serializers.CharField(help_text=_("The full resident ID number; empty if none was recorded."))
    phone = serializers.CharField(help_text=_("The full phone number; empty if none was recorded."))


# Input


class PetitionerListSerializer(serializers.ListSerializer):
    """Errors as one entry per row, `[{"id_number": [...]}, {}]`, so a client can match rows by position.

    DRF 3.18 defaults to `{"1": {...}}`; the contract's row-aligned list is spelled out here so it
    does not depend on that (deprecated) setting.
    """

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict) and api_settings.NON_FIELD_ERRORS_KEY in detail:
                raise serializers.ValidationError(detail[api_settings.NON_FIELD_ERRORS_KEY]) from None
            if isinstance(detail, dict):
                # A ListSerializer's errors are keyed by row index (int); the stub says str keys.
                rows = [detail.get(index, {}) for index in range(len(data))]  # type: ignore[call-overload]
                raise serializers.ValidationError(rows) from None
            raise


class PetitionerInputSerializer(serializers.Serializer):
    """One person at registration, validated by the same service the form uses."""

    class Meta:
        list_serializer_class = PetitionerListSerializer

    name = serializers.CharField(max_length=50, allow_blank=True)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    township = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, default=None, help_text=_("Township of residence (unit id).")
    )

    def validate(self, attrs) -> services.PetitionerInput:
        try:
            return services.petitioner_input_clean(**attrs)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None


@extend_schema_field(OpenApiTypes.INT)
class RepeatOfField(serializers.PrimaryKeyRelatedField):
    """An earlier petition the user may see; any other id reads as unknown."""

    def get_queryset(self):
        return petitions_visible_to(self.context["request"].user)


class PetitionRegisterSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    received_at = serializers.DateTimeField()
    petitioners = PetitionerInputSerializer(many=True, allow_empty=False)
    headcount = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None, help_text=_("Defaults to the number of petitioners.")
    )
    representatives = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=MAX_REPRESENTATIVES,
        required=False,
        default=list,
        help_text=_("Names of the petitioners who represent a group (at most 5); each must be one of the petitioners."),
    )
    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.all())
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    locality = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), help_text=_("Unit id of a township."))
    summary = serializers.CharField(max_length=200, allow_blank=True)
    content = serializers.CharField(required=False, allow_blank=True, default="")
    skip_level = serializers.BooleanField(required=False, default=False)
    to_province = serializers.BooleanField(required=False, default=False)
    to_beijing = serializers.BooleanField(required=False, default=False)
    joint_letter = serializers.BooleanField(required=False, default=False)
    repeat_of = RepeatOfField(
        required=False, allow_null=True, default=None, help_text=_("Link to this earlier petition as a repeat (skips detection).")
    )
    detect_repeat = serializers.BooleanField(
        required=False, default=True, help_text=_("Look for an earlier petition by the same person on the same matter.")
    )

    def validate(self, attrs):
        petitioners = attrs["petitioners"]
        names = {person.name for person in petitioners}
        unknown = [name for name in attrs["representatives"] if name.strip() not in names]
        if unknown:
            raise serializers.ValidationError(
                {"representatives": [_("%(name)s is not among the petitioners.") % {"name": name} for name in unknown]}
            )
        representatives = {name.strip() for name in attrs.pop("representatives")}
        attrs["petitioners"] = [replace(person, is_representative=person.name in representatives) for person in petitioners]
        return attrs


class RouteSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), help_text=_("The competent unit (id)."))
    mode = serializers.ChoiceField(choices=RouteMode.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required when `unit` is not the petition's `routing_suggestion`; kept on the timeline."),
    )


class DecideSerializer(serializers.Serializer):
    DECISIONS = [
        ("accept", _("Accept")),
        ("not_accept", _("Not accept")),
        ("divert", _("Divert")),
        ("not_accept_again", _("Not accept again")),
    ]

    decision = serializers.ChoiceField(
        choices=DECISIONS,
        help_text=_(
            "`accept` opens a case, or attaches a repeat to the open case on the same matter. On a matter concluded "
            "after re-examination it answers 409 with `concluded_case`: then `not_accept_again` citing that case, "
            "or `accept` with `new_facts`."
        ),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Goes into the notice to the petitioner; required to refuse.")
    )
    concluded_case = serializers.IntegerField(
        required=False, help_text=_("For `not_accept_again`: the concluded case (id) whose re-examination the notice cites.")
    )
    new_facts = serializers.CharField(
        required=False, allow_blank=True, help_text=_("For `accept` on a concluded matter: what is new in the facts or reasons.")
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RevealRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text=_("Why; kept in the log."))


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("A scan or photo: PDF, JPEG, PNG, TIFF, GIF or WebP; checked by content."))
