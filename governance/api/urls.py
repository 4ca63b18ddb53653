from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from governance.api import views

router = DefaultRouter()
router.register("regions", views.RegionViewSet, basename="region")
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("people", views.PersonViewSet, basename="person")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="auth-token"),
    path("", include(router.urls)),
]
