from django.urls import path

from cases import views
from cases.actions import ACTIONS

urlpatterns = [
    # Pages of petitions with their cases (petitions.urls has the intake-only ones).
    path("", views.home, name="home"),
    path("petitions/new/", views.petition_register, name="petition-register"),
    path("petitioners/lookup/", views.petitioner_lookup, name="petitioner-lookup"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition-detail"),
    path("petitions/<int:pk>/decide/", views.petition_decide, name="petition-decide"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/approvals/", views.approval_inbox, name="case-approvals"),
    path("cases/<int:pk>/", views.case_detail, name="case-detail"),
    path("cases/<int:pk>/documents/<slug:kind>.pdf", views.case_document, name="case-document"),
    path("petitions/<int:pk>/documents/<slug:kind>.pdf", views.petition_document, name="petition-document"),
    *(
        path(f"cases/<int:pk>/{action.path}", views.case_action, {"action": action.name}, name=action.url_name)
        for action in ACTIONS.values()
    ),
]
