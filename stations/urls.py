from django.urls import path

from stations import (
    views,
    views_figures,
    views_grid,
    views_integrations,
    views_roster,
    views_summons,
    views_village,
)

app_name = "stations"
urlpatterns = [
    # Station staff: the live dashboard, orders, the desk form, the map and the duty roster.
    path("", views.dashboard, name="dashboard"),
    path("<int:station_id>/", views.dashboard, name="station"),
    path("<int:station_id>/open-orders/", views.open_orders, name="open-orders"),
    path("<int:station_id>/live/", views.live_stream, name="live"),
    path("<int:station_id>/map/", views.station_map, name="map"),
    path("<int:station_id>/map.geojson", views.station_map_data, name="map-data"),
    path("<int:station_id>/roster/", views_roster.roster, name="roster"),
    path("<int:station_id>/roster/<int:shift_id>/remove/", views_roster.roster_remove, name="roster-remove"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/step/", views.order_take_step, name="order-step"),
    path("orders/<int:order_id>/redispatch/", views.order_redispatch_view, name="order-redispatch"),
    path("orders/<int:order_id>/whistle/", views_summons.order_whistle, name="order-whistle"),
    path("alerts/new/", views.alert_new, name="alert-new"),
    # The whistle (吹哨报到): each agency's report-in and handling; verify or reopen.
    path("summons/<int:summons_id>/", views_summons.summons_detail, name="summons"),
    path("summons/<int:summons_id>/verify/", views_summons.summons_verify_view, name="summons-verify"),
    path(
        "summons/<int:summons_id>/targets/<int:target_id>/check-in/",
        views_summons.summons_target_check_in,
        name="summons-target-check-in",
    ),
    path(
        "summons/<int:summons_id>/targets/<int:target_id>/handle/",
        views_summons.summons_target_handle,
        name="summons-target-handle",
    ),
    path("summons/<int:summons_id>/reopen/", views_summons.summons_reopen_view, name="summons-reopen"),
    # Commanders and the county: the board, coverage and monthly figures with their exports.
    path("board/", views.board, name="board"),
    path("board/orders/", views.board_orders, name="board-orders"),
    path("coverage/", views.coverage, name="coverage"),
    path("figures/", views_figures.figures, name="figures"),
    path("figures.csv", views_figures.figures_csv, name="figures-csv"),
    path("figures.xlsx", views_figures.figures_xlsx, name="figures-xlsx"),
    # The county administrator: keys of integrating systems (Open311).
    path("integrations/", views_integrations.integrations, name="integrations"),
    path(
        "integrations/<int:client_id>/revoke/",
        views_integrations.integration_revoke,
        name="integration-revoke",
    ),
    # The grid worker's phone pages: report, and answer whistles.
    path("grid/", views_grid.grid_home, name="grid-home"),
    path("grid/report/", views_grid.grid_report, name="grid-report"),
    path("grid/whistle/", views_grid.grid_whistle, name="grid-whistle"),
    path("grid/summons/<int:target_id>/check-in/", views_grid.grid_check_in, name="grid-check-in"),
    path("grid/summons/<int:target_id>/handle/", views_grid.grid_handle, name="grid-handle"),
    # Village-first response: the village's cadres and grid workers report it settled an order.
    path("village/orders/<int:order_id>/", views_village.village_order, name="village-order"),
    path(
        "village/orders/<int:order_id>/report/",
        views_village.village_order_report,
        name="village-order-report",
    ),
]
