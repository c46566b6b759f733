from django.urls import path

from cases import api
from cases.actions import ACTIONS

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", api.CaseDetailApi.as_view(), name="api-case-detail"),
    # POST /cases/{id}/<action>/: every action of cases.actions that programs may call.
    *(
        path(f"cases/<int:pk>/{action.api.path}/", api.action_view(action, action.api).as_view(), name=action.api.url_name)
        for action in ACTIONS.values()
        if action.api is not None
    ),
    path("cases/<int:pk>/documents/<slug:kind>.pdf", api.CaseDocumentApi.as_view(), name="api-case-document"),
    # Here rather than in petitions.api_urls: a petition's `case`, accepting it (which opens or joins a
    # case) and the notices are cases' business, and petitions never imports cases.
    path("petitions/<int:pk>/", api.PetitionDetailApi.as_view(), name="api-petition-detail"),
    path("petitions/<int:pk>/decide/", api.PetitionDecideApi.as_view(), name="api-petition-decide"),
    path("petitions/<int:pk>/documents/<slug:kind>.pdf", api.PetitionDocumentApi.as_view(), name="api-petition-document"),
]
