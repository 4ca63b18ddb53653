from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from governance import views, views_people, views_tokens, views_two_factor

urlpatterns = [
    path("", views.home, name="home"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox-mark-read"),
    path("people/<str:username>/", views_people.person, name="person-page"),
    path("people/<str:username>/unmask/", views_people.person_unmask, name="person-page-unmask"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The password validators (AUTH_PASSWORD_VALIDATORS) apply here and in the admin's forms.
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/two-factor/setup/", views_two_factor.setup, name="two-factor-setup"),
    path("accounts/two-factor/", views_two_factor.verify, name="two-factor-verify"),
    path("accounts/tokens/", views_tokens.tokens, name="tokens"),
    path("accounts/tokens/<int:owner_id>/revoke/", views_tokens.token_revoke, name="token-revoke"),
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
    # The split view serves Swagger UI's start-up script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

# A lost database connection anywhere in a request is a 503 with a message, not a 500.
handler400 = "governance.views.bad_request"
handler500 = "governance.views.server_error"
