from django.urls import path

from volunteers import views, views_figures, views_team

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
    path("team/tasks/new/", views_team.task_new, name="team-task-new"),
    path("team/tasks/<int:task_id>/edit/", views_team.task_edit_page, name="team-task-edit"),
    path("team/claims/<int:claim_id>/no-show/", views_team.claim_no_show_page, name="team-no-show"),
    path("team/volunteers/<int:volunteer_id>/reject/", views_team.member_reject, name="team-member-reject"),
    path(
        "team/volunteers/<int:volunteer_id>/suspend/", views_team.member_suspend, name="team-member-suspend"
    ),
    path("team/volunteers/<int:volunteer_id>/retire/", views_team.member_retire, name="team-member-retire"),
    path("team/volunteers/<int:volunteer_id>/points/", views_team.member_points, name="team-member-points"),
    path("team/shop/", views_team.shop, name="team-shop"),
    path("team/shop/new/", views_team.shop_new, name="team-shop-new"),
    path("team/shop/<int:item_id>/restock/", views_team.shop_restock, name="team-shop-restock"),
    path("team/shop/<int:item_id>/price/", views_team.shop_price, name="team-shop-price"),
    path("team/shop/<int:item_id>/withdraw/", views_team.shop_withdraw, name="team-shop-withdraw"),
    path("figures/", views_figures.figures, name="figures"),
    path("figures.csv", views_figures.figures_csv, name="figures-csv"),
    path("figures.xlsx", views_figures.figures_xlsx, name="figures-xlsx"),
]
