"""How a request's user is loaded: with their unit, in the one query that reads the user.

Every page names the user's unit in its header, and scoping starts from it, so pages, selectors and
the API read `user.unit` without a query of its own and never have to set it themselves. Session
logins go through UserWithUnitBackend.get_user; API calls with `Authorization: Token <key>` through
TokenAuthentication.
"""

from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User


class UserWithUnitBackend(ModelBackend):
    """Django's model backend (passwords, permissions), reading a session's user with their unit."""

    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("unit").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, reading the token's user with their unit."""

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user__unit").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
