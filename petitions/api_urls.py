from django.urls import path

from petitions import api

# GET /petitions/{id}/ and POST /petitions/{id}/decide/ are in cases.api_urls: they answer with the petition's case.
urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="api-category-list"),
    path("petitions/", api.PetitionListApi.as_view(), name="api-petition-list"),
    path("petitions/<int:pk>/route/", api.PetitionRouteApi.as_view(), name="api-petition-route"),
    path("petitions/<int:pk>/object/", api.PetitionObjectApi.as_view(), name="api-petition-object"),
    path("petitions/<int:pk>/file/", api.PetitionFileApi.as_view(), name="api-petition-file"),
    path("petitions/<int:pk>/attachments/", api.AttachmentCreateApi.as_view(), name="api-petition-attachments"),
    path("petitions/<int:pk>/attachments/<int:attachment_pk>/", api.AttachmentDownloadApi.as_view(), name="api-petition-attachment"),
    path("petitioners/<int:pk>/reveal/", api.PetitionerRevealApi.as_view(), name="api-petitioner-reveal"),
]
