from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("units/", api.UnitListApi.as_view(), name="api-unit-list"),
    path("users/", api.UserListApi.as_view(), name="api-user-list"),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notification-list"),
    path("notifications/read_all/", api.NotificationReadAllApi.as_view(), name="api-notification-read-all"),
    path("notifications/<int:pk>/read/", api.NotificationReadApi.as_view(), name="api-notification-read"),
]
