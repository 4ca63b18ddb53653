"""The shared core's own actions (see ``governance.actions`` for what a declaration holds)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance import actions_tokens  # noqa: F401  (API tokens: their owner's and the county's)
from governance.actions import Action, declare
from governance.api.serializers import (
    MarkReadSerializer,
    MembershipCreateSerializer,
    RegionCreateSerializer,
    UnmaskSerializer,
)
from governance.services.notifications import notification_mark_read
from governance.services.people import membership_create, personal_data_unmask
from governance.services.regions import region_create

declare(
    Action(
        name="governance.notification.read",
        label=_("Mark as read"),
        input=MarkReadSerializer,
        service=notification_mark_read,
        right="the notification's recipient",
        api="notification-read",
        page="inbox-mark-read",
    ),
    Action(
        name="governance.person.unmask",
        label=_("Show unmasked"),
        input=UnmaskSerializer,
        service=personal_data_unmask,
        right="personal_data.unmask over the person (police and the county), with a logged reason",
        api="person-unmask",
        page="person-page-unmask",
    ),
    # Regions and memberships are the county administrator's, in the Django admin.
    Action(
        name="governance.region.create",
        label=_("Add a region"),
        input=RegionCreateSerializer,
        service=region_create,
        right="region.manage over the parent region",
        api="region-list",
        page="admin:governance_region_add",
    ),
    Action(
        name="governance.membership.create",
        label=_("Add a member"),
        input=MembershipCreateSerializer,
        service=membership_create,
        right="membership.manage over the agency's region",
        api="membership-list",
        page="admin:governance_membership_add",
    ),
)
