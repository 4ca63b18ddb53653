from django.urls import path

from volunteers import views, views_figures

app_name = "volunteers"
urlpatterns = [
    path("", views.home, name="home"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("apply/", views.apply, name="apply"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:claim_id>/check-in/", views.check_in, name="check-in"),
    path("claims/<int:claim_id>/check-out/", views.check_out, name="check-out"),
    path("claims/<int:claim_id>/cancel/", views.cancel, name="cancel"),
    path("claims/<int:claim_id>/withdraw/", views.withdraw, name="withdraw"),
    path("points/", views.points, name="points"),
    path("shop/", views.shop, name="shop"),
    path("shop/<int:item_id>/redeem/", views.redeem, name="redeem"),
    path("redemptions/<int:redemption_id>/cancel/", views.redemption_cancel_view, name="redemption-cancel"),
    path("team/", views.team, name="team"),
    path("team/claims/<int:claim_id>/verify/", views.team_verify, name="team-verify"),
    path("team/volunteers/<int:volunteer_id>/admit/", views.team_admit, name="team-admit"),
    path("team/redemptions/<int:redemption_id>/collect/", views.team_collect, name="team-collect"),
    path("training/", views.training, name="training"),
    path("training/<int:course_id>/", views.course, name="course"),
    path("training/<int:course_id>/quiz/", views.quiz, name="quiz"),
    path("certificates/<int:certificate_id>/", views.certificate, name="certificate"),
    path("team/tasks/<int:task_id>/cancel/", views.team_task_cancel, name="team-task-cancel"),
    path("team/volunteers/<int:volunteer_id>/", views.team_member, name="team-member"),
    path("team/volunteers/<int:volunteer_id>/unmask/", views.team_member_unmask, name="team-member-unmask"),
    path("figures/", views_figures.figures, name="figures"),
    path("figures.csv", views_figures.figures_csv, name="figures-csv"),
    path("figures.xlsx", views_figures.figures_xlsx, name="figures-xlsx"),
]
