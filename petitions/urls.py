from django.urls import path

from petitions import views

# The start page, the petition's page and the decision on a petition show cases too: cases.urls serves them.
urlpatterns = [
    path("petitions/", views.petition_list, name="petition-list"),
    path("petitions/new/", views.petition_register, name="petition-register"),
    path("petitions/<int:pk>/route/", views.petition_route, name="petition-route"),
    path("petitions/<int:pk>/object/", views.petition_object, name="petition-object"),
    path("petitions/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("petitioners/lookup/", views.petitioner_lookup, name="petitioner-lookup"),
    path("petitioners/<int:pk>/reveal/", views.petitioner_reveal, name="petitioner-reveal"),
]
