"""Every write of the volunteers app. See the modules for the rules each one keeps."""

from volunteers.services.claims import (
    claim_cancel,
    claim_check_in,
    claim_check_out,
    claim_no_show,
    claim_verify,
    claim_withdraw,
    reminder_sweep,
    task_claim,
)
from volunteers.services.people import (
    team_create,
    team_leader_set,
    volunteer_activate,
    volunteer_apply,
    volunteer_reject,
    volunteer_retire,
    volunteer_suspend,
    volunteer_vet,
)
from volunteers.services.points import (
    points_adjust,
    redemption_cancel,
    redemption_collect,
    redemption_reserve,
    reward_item_create,
    reward_item_restock,
)
from volunteers.services.publishing import (
    TaskInput,
    occurrences_generate,
    occurrences_sweep,
    task_edit,
    task_publish,
)
from volunteers.services.stars import quiz_submit, star_recompute

__all__ = [
    "TaskInput",
    "claim_cancel",
    "claim_check_in",
    "claim_check_out",
    "claim_no_show",
    "claim_verify",
    "claim_withdraw",
    "occurrences_generate",
    "occurrences_sweep",
    "points_adjust",
    "quiz_submit",
    "redemption_cancel",
    "redemption_collect",
    "redemption_reserve",
    "reminder_sweep",
    "reward_item_create",
    "reward_item_restock",
    "star_recompute",
    "task_claim",
    "task_edit",
    "task_publish",
    "team_create",
    "team_leader_set",
    "volunteer_activate",
    "volunteer_apply",
    "volunteer_reject",
    "volunteer_retire",
    "volunteer_suspend",
    "volunteer_vet",
]
