from django.urls import path

from stations import views

app_name = "stations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:station_id>/", views.dashboard, name="station"),
    path("<int:station_id>/open-orders/", views.open_orders, name="open-orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/step/", views.order_take_step, name="order-step"),
    path("alerts/new/", views.alert_new, name="alert-new"),
]
