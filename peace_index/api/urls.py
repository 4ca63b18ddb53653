from django.urls import path

from peace_index.api import views

urlpatterns = [
    path(
        "peace/townships/<int:pk>/ranking/",
        views.TownshipRankingView.as_view(),
        name="peace-township-ranking",
    ),
    path(
        "peace/townships/<int:pk>/review/", views.TownshipReviewView.as_view(), name="peace-township-review"
    ),
    path(
        "peace/villages/<int:pk>/portrait/",
        views.VillagePortraitView.as_view(),
        name="peace-village-portrait",
    ),
    path("peace/counties/<int:pk>/versions/", views.VersionListView.as_view(), name="peace-versions"),
    path("peace/counties/<int:pk>/recompute/", views.RecomputeView.as_view(), name="peace-recompute"),
    path("peace/counties/<int:pk>/imports/", views.ImportView.as_view(), name="peace-imports"),
    path("peace/counties/<int:pk>/imports/file/", views.ImportFileView.as_view(), name="peace-import-file"),
    path("peace/versions/<int:pk>/", views.VersionDetailView.as_view(), name="peace-version"),
    path(
        "peace/versions/<int:pk>/publish/", views.VersionPublishView.as_view(), name="peace-version-publish"
    ),
    path("peace/runs/<int:pk>/", views.RunView.as_view(), name="peace-run"),
]
