from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from governance import views

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-mark-read"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("governance.api.urls")),
    path("api/v1/", include("stations.api.urls")),
    path("api/v1/", include("disputes.api.urls")),
    path("api/v1/", include("volunteers.api.urls")),
    path("api/v1/", include("peace_index.api.urls")),
    path("stations/", include("stations.urls")),
    path("disputes/", include("disputes.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("peace/", include("peace_index.urls")),
    path("open311/v2/", include("stations.open311.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
