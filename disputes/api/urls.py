from rest_framework.routers import DefaultRouter

from disputes.api import screening, views

router = DefaultRouter()
router.register("disputes", views.DisputeViewSet, basename="dispute")
router.register("mediators", views.MediatorViewSet, basename="mediator")
router.register("screening-campaigns", screening.ScreeningCampaignViewSet, basename="screening-campaign")
router.register(
    "screening-assignments", screening.ScreeningAssignmentViewSet, basename="screening-assignment"
)
urlpatterns = router.urls
