"""The writes on integrating systems (Open311 clients): the county administrator issues and revokes
their keys. Imported by ``stations.actions``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.actions import Action, declare
from stations.api.integrations import IntegrationClientIssueSerializer
from stations.services.integrations import integration_client_issue, integration_client_revoke

RIGHT = "the county administrator (agency.manage over the system's agency); a superuser"

declare(
    Action(
        name="stations.integration_client.issue",
        label=_("Issue a key"),
        input=IntegrationClientIssueSerializer,
        service=integration_client_issue,
        right=RIGHT,
        api="integration-client-list",
        page="stations:integrations",
    ),
    Action(
        name="stations.integration_client.revoke",
        label=_("Revoke the key"),
        input=None,
        service=integration_client_revoke,
        right=RIGHT,
        api="integration-client-revoke",
        page="stations:integration-revoke",
    ),
)
