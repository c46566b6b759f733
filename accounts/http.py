"""The request types of pages and API calls whose user is signed in.

Only annotations: Django and DRF build the requests. A page behind `login_required` takes an
`AuthenticatedHttpRequest`, an API view behind the default `IsAuthenticated` an
`AuthenticatedRequest` (a generic view declares `request: AuthenticatedRequest` for
`self.request`), so `request.user` is an `accounts.User` and not `User | AnonymousUser`.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """Any page request: HtmxMiddleware sets `request.htmx` on each."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User
