"""Every write of the stations app. ``dispatch``: intake, the order's life, the clocks;
``summons``: the whistle and report-in; ``integrations``: keys of integrating systems."""

from stations.services.dispatch import (
    DEFAULT_PRIORITY,
    STEP_LABELS,
    STEPS,
    TRANSFER_TARGETS,
    IntakeResult,
    alert_intake,
    order_step,
    sla_sweep,
)
from stations.services.redispatch import order_redispatch

__all__ = [
    "DEFAULT_PRIORITY",
    "STEPS",
    "STEP_LABELS",
    "TRANSFER_TARGETS",
    "IntakeResult",
    "alert_intake",
    "order_redispatch",
    "order_step",
    "sla_sweep",
]
