from django.urls import path

from accounts import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("units/", api.UnitListApi.as_view(), name="api-unit-list"),
    path("users/", api.UserListApi.as_view(), name="api-user-list"),
]
