"""Everything under /api/v1/ (API.md)."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("petitions.api_urls")),
    path("", include("cases.api_urls")),
    path("", include("reporting.api_urls")),
]
