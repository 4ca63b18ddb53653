from django.urls import path
from rest_framework.routers import DefaultRouter

from volunteers.api import views

router = DefaultRouter()
router.register("volunteer-teams", views.TeamViewSet, basename="volunteer-team")
router.register("volunteers", views.VolunteerViewSet, basename="volunteer")
router.register("volunteer-tasks", views.TaskViewSet, basename="volunteer-task")
router.register("volunteer-claims", views.ClaimViewSet, basename="volunteer-claim")
router.register("volunteer-points", views.PointsViewSet, basename="volunteer-points")
router.register("reward-items", views.RewardItemViewSet, basename="reward-item")
router.register("shop-items", views.ShopItemViewSet, basename="shop-item")
router.register("redemptions", views.RedemptionViewSet, basename="redemption")
router.register("volunteer-courses", views.CourseViewSet, basename="volunteer-course")
urlpatterns = [
    path("volunteer-figures/", views.FiguresView.as_view(), name="volunteer-figures"),
    *router.urls,
]
