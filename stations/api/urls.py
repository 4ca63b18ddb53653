from rest_framework.routers import DefaultRouter

from stations.api import views

router = DefaultRouter()
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("orders", views.OrderViewSet, basename="order")
urlpatterns = router.urls
