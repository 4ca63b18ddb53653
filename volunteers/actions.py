"""Every write of the volunteers app that a person performs, declared once (governance/actions.py):
its input (volunteers/api/serializers.py), its service, who may, the API operation and the page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.actions import Action, declare
from volunteers import services
from volunteers.api import serializers as s
from volunteers.models import Claim, Redemption, Task, Volunteer

# Who may, in words, as the services enforce it (volunteers/selectors.py says it in code).
MANAGERS = "the team's leaders, and station or township staff over the team's area"
KEEPERS = "the staff of the agency that runs the shop, the managers over its seat, the leaders of its team"
HANDERS = "the staff of the agency that stocks the item, and the managers over its seat"
OWN = "the volunteer himself"

declare(
    # --- joining and the life cycle of a volunteer --------------------------------------------
    Action("volunteers.volunteer.apply", _("Apply"), s.ApplySerializer, services.volunteer_apply,
           "anyone logged in who is not yet a volunteer", api="volunteer-apply", page="volunteers:apply"),
    Action("volunteers.volunteer.vet", _("Vet"), None, services.volunteer_vet, MANAGERS,
           api="volunteer-vet", page="volunteers:team-admit", transition=(Volunteer, "vet")),
    Action("volunteers.volunteer.activate", _("Activate"), None, services.volunteer_activate, MANAGERS,
           api="volunteer-activate", page="volunteers:team-admit", transition=(Volunteer, "activate")),
    Action("volunteers.volunteer.reject", _("Reject the application"), s.VolunteerStatusReasonSerializer,
           services.volunteer_reject, MANAGERS, api="volunteer-reject", page="volunteers:team-member-reject",
           transition=(Volunteer, "reject")),
    Action("volunteers.volunteer.suspend", _("Suspend"), s.VolunteerStatusReasonSerializer,
           services.volunteer_suspend, MANAGERS, api="volunteer-suspend", page="volunteers:team-member-suspend",
           transition=(Volunteer, "suspend")),
    Action("volunteers.volunteer.retire", _("Retire"), s.VolunteerStatusReasonSerializer,
           services.volunteer_retire, MANAGERS, api="volunteer-retire", page="volunteers:team-member-retire",
           transition=(Volunteer, "retire")),
    Action("volunteers.volunteer.unmask", _("Show"), s.VolunteerUnmaskSerializer, services.volunteer_unmask,
           "police with the unmask right over the team's area", api="volunteer-unmask",
           page="volunteers:team-member-unmask"),
    Action("volunteers.points.adjust", _("Adjust points"), s.AdjustSerializer, services.points_adjust,
           MANAGERS + " (never their own points)", api="volunteer-points-adjust",
           page="volunteers:team-member-points"),
    # --- tasks ----------------------------------------------------------------------------------
    Action("volunteers.task.publish", _("Publish the task"), s.VolunteerTaskInputSerializer,
           services.task_publish, MANAGERS, api="volunteer-task-list", page="volunteers:team-task-new"),
    Action("volunteers.task.edit", _("Save the task"), s.TaskEditSerializer, services.task_edit, MANAGERS,
           api="volunteer-task-detail", page="volunteers:team-task-edit", transition=(Task, "edit")),
    Action("volunteers.task.cancel", _("Cancel task"), s.TaskCancelSerializer, services.task_cancel, MANAGERS,
           api="volunteer-task-cancel", page="volunteers:team-task-cancel", transition=(Task, "cancel")),
    Action("volunteers.task.claim", _("Claim"), None, services.task_claim,
           "active volunteers of the task's team", api="volunteer-task-claim", page="volunteers:claim",
           transition=(Task, "claim")),
    # --- claims ---------------------------------------------------------------------------------
    Action("volunteers.claim.cancel", _("Cancel"), None, services.claim_cancel, OWN,
           api="volunteer-claim-cancel", page="volunteers:cancel", transition=(Claim, "cancel")),
    Action("volunteers.claim.withdraw", _("Withdraw"), None, services.claim_withdraw, OWN,
           api="volunteer-claim-withdraw", page="volunteers:withdraw", transition=(Claim, "withdraw")),
    Action("volunteers.claim.check_in", _("Check in"), s.PositionSerializer, services.claim_check_in, OWN,
           api="volunteer-claim-check-in", page="volunteers:check-in", transition=(Claim, "check_in")),
    Action("volunteers.claim.check_out", _("Check out"), s.PositionSerializer, services.claim_check_out, OWN,
           api="volunteer-claim-check-out", page="volunteers:check-out", transition=(Claim, "check_out")),
    Action("volunteers.claim.verify", _("Verify"), None, services.claim_verify,
           MANAGERS + " (never their own attendance)", api="volunteer-claim-verify",
           page="volunteers:team-verify", transition=(Claim, "verify")),
    Action("volunteers.claim.no_show", _("Record a no-show"), None, services.claim_no_show, MANAGERS,
           api="volunteer-claim-no-show", page="volunteers:team-no-show", transition=(Claim, "no_show")),
    # --- training -------------------------------------------------------------------------------
    Action("volunteers.course.quiz", _("Submit the answers"), s.QuizAnswersSerializer, services.quiz_submit,
           "volunteers", api="volunteer-course-quiz", page="volunteers:quiz"),
    # --- the reward shop ------------------------------------------------------------------------
    Action("volunteers.redemption.reserve", _("Redeem"), None, services.redemption_reserve,
           "volunteers with the points, while the item is in stock", api="reward-item-redeem",
           page="volunteers:redeem"),
    Action("volunteers.redemption.cancel", _("Cancel the redemption"), s.VolunteerReasonSerializer,
           services.redemption_cancel, OWN + " · " + HANDERS, api="redemption-cancel",
           page="volunteers:redemption-cancel", transition=(Redemption, "cancel")),
    Action("volunteers.redemption.collect", _("Handed over"), None, services.redemption_collect, HANDERS,
           api="redemption-collect", page="volunteers:team-collect", transition=(Redemption, "collect")),
    Action("volunteers.reward_item.create", _("Put on sale"), s.RewardItemCreateSerializer,
           services.reward_item_create, KEEPERS, api="shop-item-list", page="volunteers:team-shop-new"),
    Action("volunteers.reward_item.price", _("Set the price"), s.RewardItemPriceSerializer,
           services.reward_item_price, KEEPERS, api="shop-item-price", page="volunteers:team-shop-price"),
    Action("volunteers.reward_item.restock", _("Restock"), s.RewardItemRestockSerializer,
           services.reward_item_restock, KEEPERS, api="shop-item-restock", page="volunteers:team-shop-restock"),
    Action("volunteers.reward_item.withdraw", _("Take off sale"), s.RewardItemWithdrawSerializer,
           services.reward_item_withdraw, KEEPERS, api="shop-item-withdraw",
           page="volunteers:team-shop-withdraw"),
)  # fmt: skip
