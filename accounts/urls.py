from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]

# Mounted at /notifications/ (config.urls).
notification_urlpatterns = [
    path("", views.notification_list, name="notification-list"),
    path("bell/", views.notification_bell, name="notification-bell"),
    path("read-all/", views.notification_read_all, name="notification-read-all"),
    path("email/", views.email_preference, name="notification-email"),
    path("<int:pk>/open/", views.notification_open, name="notification-open"),
    path("<int:pk>/read/", views.notification_read, name="notification-read"),
]
