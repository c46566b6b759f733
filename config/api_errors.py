"""One place that turns what services raise into the API's error shapes (API.md "General").

Services speak Django: `ValidationError` (keyed by field, or not), `PermissionDenied`,
`Http404` from the scoped selectors, and `TransitionNotAllowed` when the petition moved on.
Views do not catch them; this handler answers 400, 403, 404 and 409 for every endpoint alike.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from petitions.models import TransitionNotAllowed


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("That action is not possible in the current state.")
    default_code = "conflict"


def _validation_data(error: DjangoValidationError) -> dict:
    """{field: [messages]} for field errors; {"detail": "message"} for the rest."""
    if not hasattr(error, "error_dict"):
        return {"detail": " ".join(error.messages)}
    data: dict = {}
    for field, messages in error.message_dict.items():
        if field == NON_FIELD_ERRORS:
            data["detail"] = " ".join(messages)
        else:
            data[field] = messages
    return data


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_data(exc))
    elif isinstance(exc, TransitionNotAllowed):
        exc = Conflict(str(exc))
    elif isinstance(exc, exceptions.ValidationError):
        # A cross-field or bare error reads like any other non-field error: {"detail": "..."}.
        if isinstance(exc.detail, list):
            exc.detail = {"detail": exceptions.ErrorDetail(" ".join(str(message) for message in exc.detail))}
        elif isinstance(exc.detail, dict) and exc.detail.get(api_settings.NON_FIELD_ERRORS_KEY):
            exc.detail["detail"] = exceptions.ErrorDetail(
                " ".join(str(message) for message in exc.detail.pop(api_settings.NON_FIELD_ERRORS_KEY))
            )
    return drf_exception_handler(exc, context)
