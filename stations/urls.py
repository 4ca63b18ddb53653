from django.urls import path

from stations import views

app_name = "stations"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:station_id>/", views.dashboard, name="station"),
    path("<int:station_id>/open-orders/", views.open_orders, name="open-orders"),
    path("<int:station_id>/map/", views.station_map, name="map"),
    path("<int:station_id>/map.geojson", views.station_map_data, name="map-data"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/step/", views.order_take_step, name="order-step"),
    path("orders/<int:order_id>/redispatch/", views.order_redispatch_view, name="order-redispatch"),
    path("alerts/new/", views.alert_new, name="alert-new"),
    path("board/", views.board, name="board"),
    path("board/orders/", views.board_orders, name="board-orders"),
    path("coverage/", views.coverage, name="coverage"),
]
