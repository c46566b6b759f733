from django.urls import path

from petitions import views

# The start page, registration (its repeat prompt and petitioner lookup say where each earlier matter
# stands), the petition's page and the decision on a petition show cases too: cases.urls serves them.
urlpatterns = [
    path("petitions/", views.petition_list, name="petition-list"),
    path("petitions/<int:pk>/route/", views.petition_route, name="petition-route"),
    path("petitions/<int:pk>/object/", views.petition_object, name="petition-object"),
    path("petitions/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("petitioners/<int:pk>/reveal/", views.petitioner_reveal, name="petitioner-reveal"),
]
