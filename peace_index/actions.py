"""Every write of the peace index a person or a system performs, declared once
(governance/actions.py): the serializer of its fields, the service, who may, and its API operation
and page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from governance.actions import Action, declare
from peace_index import services
from peace_index.api import serializers as s
from peace_index.models import MethodVersion, TownshipReview

MANAGE = "a county administrator (peace.manage) of the county"

declare(
    Action(
        name="peace_index.version.create",
        label=_("Save a new draft"),
        input=s.PeaceVersionInputSerializer,
        service=services.version_draft_create,
        right=MANAGE,
        api="peace-versions",
        page="peace:methods",
    ),
    Action(
        name="peace_index.version.edit",
        label=_("Save draft"),
        input=s.PeaceVersionEditSerializer,
        service=services.version_draft_update,
        right=MANAGE,
        api="peace-version",
        page="peace:version",
        transition=(MethodVersion, "edit"),
    ),
    Action(
        name="peace_index.version.publish",
        label=_("Publish and recompute earlier months"),
        input=None,
        service=services.version_publish,
        right=MANAGE,
        api="peace-version-publish",
        page="peace:version-publish",
        transition=(MethodVersion, "publish"),
    ),
    Action(
        name="peace_index.recompute.start",
        label=_("Recompute all villages"),
        input=s.PeaceRecomputeInputSerializer,
        service=services.recompute_start,
        right=MANAGE,
        api="peace-recompute",
        page="peace:recompute",
    ),
    Action(
        name="peace_index.import.file",
        label=_("Import"),
        input=s.PeaceImportFileSerializer,
        service=services.data_import_file,
        right=MANAGE,
        api="peace-import-file",
        page="peace:imports",
    ),
    Action(
        name="peace_index.import.rows",
        label=_("Deliver rows"),
        input=s.PeaceImportInputSerializer,
        service=services.data_import,
        right=MANAGE + ", for the police case system, petition office and survey by API",
        api="peace-imports",
        systems_only=True,
    ),
    Action(
        name="peace_index.review.approve",
        label=_("Approve the month"),
        input=s.PeaceReviewInputSerializer,
        service=services.review_decide,
        right="a township official (peace.review) of the township",
        api="peace-township-review",
        page="peace:township-review",
        transition=(TownshipReview, "approve"),
    ),
    Action(
        name="peace_index.review.return",
        label=_("Return with comment"),
        input=s.PeaceReviewInputSerializer,
        service=services.review_decide,
        right="a township official (peace.review) of the township",
        api="peace-township-review",
        page="peace:township-review",
        transition=(TownshipReview, "return"),
    ),
)
