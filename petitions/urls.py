from django.urls import path

from petitions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("petitions/", views.petition_list, name="petition-list"),
    path("petitions/new/", views.petition_register, name="petition-register"),
    path("petitions/<int:pk>/", views.petition_detail, name="petition-detail"),
    path("petitions/<int:pk>/route/", views.petition_route, name="petition-route"),
    path("petitions/<int:pk>/decide/", views.petition_decide, name="petition-decide"),
    path("petitions/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("petitioners/lookup/", views.petitioner_lookup, name="petitioner-lookup"),
    path("petitioners/<int:pk>/reveal/", views.petitioner_reveal, name="petitioner-reveal"),
]
