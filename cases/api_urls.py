from django.urls import path

from cases import api

# POST /cases/{id}/<action>/ → the view that carries out that action.
ACTIONS = {
    "assign": api.CaseAssignApi,
    "lead_official": api.CaseLeadChangeApi,
    "plan": api.PlanSubmitApi,
    "plan/approve": api.PlanApproveApi,
    "plan/reject": api.PlanRejectApi,
    "progress": api.ProgressApi,
    "hearings": api.HearingApi,
    "extension": api.ExtensionRequestApi,
    "extension/approve": api.ExtensionApproveApi,
    "extension/reject": api.ExtensionRejectApi,
    "reply": api.ReplyDraftApi,
    "reply/approve": api.ReplyApproveApi,
    "reply/serve": api.ReplyServeApi,
    "evaluation": api.EvaluationApi,
    "review": api.ReviewRequestApi,
    "review/decide": api.ReviewDecideApi,
    "reexamination": api.ReexaminationRequestApi,
    "reexamination/decide": api.ReexaminationDecideApi,
    "close": api.CaseCloseApi,
    "supervision": api.SupervisionIssueApi,
}

urlpatterns = [
    path("cases/", api.CaseListApi.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", api.CaseDetailApi.as_view(), name="api-case-detail"),
    *(
        path(f"cases/<int:pk>/{action}/", view.as_view(), name=f"api-case-{action.replace('/', '-').replace('_', '-')}")
        for action, view in ACTIONS.items()
    ),
    path("cases/<int:pk>/supervision/<int:order_id>/respond/", api.SupervisionRespondApi.as_view(), name="api-case-supervision-respond"),
    path("cases/<int:pk>/documents/<slug:kind>.pdf", api.CaseDocumentApi.as_view(), name="api-case-document"),
    # Here rather than in petitions.api_urls: the notices are built by cases, and petitions never imports cases.
    path("petitions/<int:pk>/documents/<slug:kind>.pdf", api.PetitionDocumentApi.as_view(), name="api-petition-document"),
]
