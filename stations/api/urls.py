from rest_framework.routers import DefaultRouter

from stations.api import summons, views

router = DefaultRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("orders", views.OrderViewSet, basename="order")
router.register("summonses", summons.SummonsViewSet, basename="summons")
urlpatterns = router.urls
