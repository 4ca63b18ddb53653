from rest_framework.routers import DefaultRouter

from stations.api import integrations, roster, summons, views, village

router = DefaultRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("orders", views.OrderViewSet, basename="order")
router.register("village-orders", village.VillageOrderViewSet, basename="village-order")
router.register("summonses", summons.SummonsViewSet, basename="summons")
router.register("duty-shifts", roster.DutyShiftViewSet, basename="duty-shift")
router.register("integration-clients", integrations.IntegrationClientViewSet, basename="integration-client")
urlpatterns = router.urls
