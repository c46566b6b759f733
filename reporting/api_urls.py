from django.urls import path

from reporting import api

urlpatterns = [
    path("reports/monthly/", api.MonthlyReportApi.as_view(), name="api-report-monthly"),
    path("reports/monthly/close/", api.MonthCloseApi.as_view(), name="api-report-close"),
    path("reports/monthly/reopen/", api.MonthReopenApi.as_view(), name="api-report-reopen"),
    path("reports/runs/", api.ReportRunListApi.as_view(), name="api-report-runs"),
    path("reports/runs/<int:pk>/", api.ReportRunDetailApi.as_view(), name="api-report-run"),
]
