from django.urls import include, path
from rest_framework.routers import DefaultRouter

from governance.api import tokens, views
from governance.api.auth import TokenObtainView
from governance.api.personal_data import PersonalDataAccessView

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("people", views.PersonViewSet, basename="person")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("tokens", tokens.ApiTokenViewSet, basename="api-token")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("personal-data-access/", PersonalDataAccessView.as_view(), name="personal-data-access"),
    path("", include(router.urls)),
]
