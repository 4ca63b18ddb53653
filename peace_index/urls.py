from django.urls import path

from peace_index import views

app_name = "peace"

urlpatterns = [
    path("", views.index, name="index"),
    path("townships/<int:pk>/", views.township, name="township"),
    path("townships/<int:pk>/review/", views.township_review, name="township-review"),
    path("townships/<int:pk>/export.csv", views.township_export, {"fmt": "csv"}, name="township-csv"),
    path("townships/<int:pk>/export.xlsx", views.township_export, {"fmt": "xlsx"}, name="township-xlsx"),
    path("townships/<int:pk>/print/", views.township_print, name="township-print"),
    path("villages/<int:pk>/", views.village, name="village"),
    path("counties/<int:pk>/methods/", views.methods, name="methods"),
    path("counties/<int:pk>/recompute/", views.recompute, name="recompute"),
    path("counties/<int:pk>/imports/", views.imports, name="imports"),
    path("methods/<int:pk>/", views.version, name="version"),
    path("methods/<int:pk>/publish/", views.version_publish, name="version-publish"),
    path("runs/<int:pk>/", views.run, name="run"),
]
