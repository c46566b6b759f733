"""A user's own notifications: the list, opening one, marking them read, the e-mail preference and
the navbar bell's count. Thin: parse, call a selector or a service, render.

Every notification is fetched through selectors.notification_get, which knows only the user's own:
anyone else's answers 404 and nothing changes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from accounts import selectors, services
from accounts.forms import SHOW_UNREAD, EmailPreferenceForm, NotificationFilterForm
from accounts.http import AuthenticatedHttpRequest, HtmxHttpRequest
from config.pagination import LargeTablePaginator

PAGE_SIZE = 50
# Sent with every change to the read state; the bell listens for it and asks for its count again.
CHANGED_EVENT = "notifications-changed"


def safe_link(link: str) -> str | None:
    """The stored link if it is a path on this site; never a redirect to another host (`//host`, `/\\host`, `https:`)."""
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=set()):
        return link
    return None


@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = NotificationFilterForm(request.GET)
    unread = filters.unread()
    notifications = selectors.notification_list(request.user, unread=unread)
    page = LargeTablePaginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": SHOW_UNREAD if unread else "all",
        "preference_form": EmailPreferenceForm(initial={"email_notifications": request.user.email_notifications}),
    }
    return render(request, "accounts/notification_list.html", context)


@login_required
@require_GET
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read and go to what it is about. A GET, so that it is a plain link (it
    opens in a new tab too); marking one's own notification read is safe to repeat."""
    notification = selectors.notification_get(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    return redirect(safe_link(notification.link) or "notification-list")


@login_required
@require_POST
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_get(request.user, pk)
    services.notification_mark_read(user=request.user, notification=notification)
    if request.htmx:
        response = render(request, "accounts/_notification_row.html", {"notification": notification})
        return trigger_client_event(response, CHANGED_EVENT)
    return redirect("notification-list")


@login_required
@require_POST
def notification_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    marked = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request, ngettext("%(count)d notification marked as read.", "%(count)d notifications marked as read.", marked) % {"count": marked}
    )
    return redirect("notification-list")


@login_required
@require_POST
def email_preference(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = EmailPreferenceForm(request.POST)
    form.is_valid()  # a checkbox cannot be invalid: ticked or not
    enabled = form.cleaned_data["email_notifications"]
    services.email_preference_set(user=request.user, enabled=enabled)
    messages.success(
        request, _("Your notifications will also be sent by e-mail.") if enabled else _("Your notifications will not be sent by e-mail.")
    )
    return redirect("notification-list")


@never_cache
@require_GET
def notification_bell(request: HtmxHttpRequest) -> HttpResponse:
    """The navbar's bell alone, which polls this every 30 s. Signed out (the session ended while the
    page was open), htmx is told to stop polling and the bell goes away."""
    if not request.user.is_authenticated:
        if request.htmx:
            return HttpResponseStopPolling()
        return redirect_to_login(request.get_full_path())
    return render(request, "accounts/_bell.html")
