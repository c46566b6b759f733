from django.urls import path

from reporting import views

urlpatterns = [
    path("reports/", views.report_page, name="report-page"),
    path("reports/close/", views.month_close, name="report-close"),
    path("reports/reopen/", views.month_reopen, name="report-reopen"),
    path("reports/runs/", views.report_run_request, name="report-run-request"),
    path("reports/runs/<int:pk>/", views.report_run_status, name="report-run-status"),
    path("reports/runs/<int:pk>/file/", views.report_run_file, name="report-run-file"),
]
