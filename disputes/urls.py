from django.urls import path

from disputes import views, views_case, views_figures, views_screening

app_name = "disputes"
urlpatterns = [
    # The ledger (台账) and its exports.
    path("", views.ledger_page, name="ledger"),
    path("ledger.csv", views.ledger_csv, name="ledger-csv"),
    path("ledger.xlsx", views.ledger_xlsx, name="ledger-xlsx"),
    # Registering a case: at a desk, and from a grid worker's phone.
    path("new/", views.register, name="register"),
    path("grid/new/", views.grid_register, name="grid-register"),
    # The mediator pool (调解超市).
    path("mediators/", views.mediator_pool, name="mediators"),
    # One case, one file: the page, its actions, unmasking a party, the printable agreement.
    path("<int:dispute_id>/", views_case.case_page, name="case"),
    path("<int:dispute_id>/do/<slug:action>/", views_case.case_action, name="case-action"),
    path("<int:dispute_id>/unmask/", views_case.party_unmask, name="party-unmask"),
    path("<int:dispute_id>/agreement/print/", views_case.agreement_print, name="agreement-print"),
    # Screening campaigns (排查) and the year's figures (views of their own modules).
    path("screening/", views_screening.campaigns, name="campaigns"),
    path("screening/<int:campaign_id>/", views_screening.campaign, name="campaign"),
    path("screening/visits/<int:assignment_id>/", views_screening.visit, name="visit"),
    path("screening/mine/", views_screening.my_screening, name="my-screening"),
    path("figures/", views_figures.figures, name="figures"),
]
