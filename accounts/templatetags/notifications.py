"""The navbar's bell: the signed-in user's unread count, read once per request."""

from django import template
from django.urls import reverse

from accounts import selectors
from accounts.models import NotificationKind
from accounts.views import safe_link

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    """One count on the partial index notification_unread; kept on the request, so a page that shows
    the count twice (the bell and the list's header) asks once."""
    request = context.get("request")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    if request is not None and hasattr(request, "_unread_notifications"):
        return request._unread_notifications
    count = selectors.unread_count(user)
    if request is not None:
        request._unread_notifications = count
    return count


# Made once, as cases' status labels: get_kind_display() rebuilds and translates the choices on each call.
KIND_LABELS = dict(NotificationKind.choices)


@register.filter
def notification_kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@register.filter
def notification_href(notification) -> str:
    """Where a row's link goes: through the open view, which marks it read, when it has somewhere to go."""
    return reverse("notification-open", args=[notification.pk]) if safe_link(notification.link) else ""
