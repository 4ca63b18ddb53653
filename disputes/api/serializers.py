"""What the disputes API reads and writes. Input serializers check shapes and types; the rules of
the People's Mediation Law are the services' (their field errors come back in the same shape).
Parties are always masked here: the clear value is a separate, logged request (``unmask``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes.models import (
    Agreement,
    Assignment,
    CaseTask,
    Category,
    Dispute,
    DisputeEvent,
    FollowUp,
    MediationRoom,
    Mediator,
    MediatorTeam,
    Obligation,
    Party,
    ScreeningAssignment,
    ScreeningCampaign,
    ScreeningVisit,
    Session,
    Tier,
)
from disputes.selectors import LedgerQuery, user_may_manage, user_may_mediate, user_may_unmask_parties
from disputes.services import PartyInput, TermInput, Triage
from disputes.services.registration import PERSON_TRIGGERS
from governance.api.serializers import request_key_field
from governance.models import Agency, Region
from governance.pii import validate_mobile, validate_resident_id
from governance.spreadsheets import MAX_UPLOAD_BYTES

TEXT = 500
COMPLEXITY = [("simple", _("Simple")), ("complex", _("Complex")), ("difficult", _("Difficult"))]


def _text(max_length: int = TEXT, **kwargs: Any) -> serializers.CharField:
    """Optional text: the service says when it is required (it depends on other fields)."""
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


class RowsListSerializer(serializers.ListSerializer):
    """Errors of a list of rows as one message per problem ("2: phone: ..."), like the services
    report them, instead of a list of nested objects."""

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            detail: Any = exc.detail
            # Per row: {index: errors} (or, in older DRF, a list with one entry per row); about
            # the list itself: {"non_field_errors": [...]}.
            rows = dict(enumerate(detail)) if isinstance(detail, list) else detail
            problems = []
            for index, errors in rows.items():
                if not isinstance(index, int):
                    problems += [str(m) for m in errors]
                    continue
                for name, messages in (errors or {}).items():
                    problems.append(f"{index + 1}: {name}: {' '.join(str(m) for m in messages)}")
            raise serializers.ValidationError(problems) from None


# --- reading a case ---------------------------------------------------------------------------


class DisputeListSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code", help_text="Village code.")
    village_name = serializers.CharField(source="village.name")
    township = serializers.CharField(source="village.parent.code", default=None, allow_null=True)
    township_name = serializers.CharField(source="village.parent.name", default=None, allow_null=True)

    class Meta:
        model = Dispute
        fields = [
            "id", "number", "status", "channel", "category", "risk", "tier", "key_case", "is_group",
            "village", "village_name", "township", "township_name", "summary", "amount", "people_involved",
            "escalations", "registered_at", "accepted_at", "tier_deadline", "mediation_deadline",
            "resolved_at", "resolved_tier", "closed_at",
        ]  # fmt: skip


class PartySerializer(serializers.ModelSerializer):
    """A party, masked: the name of a person (not of an organisation), the phone and the ID number."""

    masked_name = serializers.CharField()
    masked_phone = serializers.CharField()
    masked_id_number = serializers.CharField()
    village = serializers.CharField(source="village.code", default=None, allow_null=True)

    class Meta:
        model = Party
        fields = [
            "id", "role", "kind", "masked_name", "masked_phone", "masked_id_number", "village",
            "claim_amount", "consented_at", "rights_informed_at", "progress", "note",
        ]  # fmt: skip


class AssignmentSerializer(serializers.ModelSerializer):
    mediator_name = serializers.CharField(source="mediator.__str__")
    team = serializers.CharField(source="mediator.team")
    assigned_by = serializers.CharField(source="assigned_by.username", default=None, allow_null=True)

    class Meta:
        model = Assignment
        fields = [
            "id", "mediator", "mediator_name", "team", "chosen_by_party", "assigned_by", "assigned_at",
            "ended_at", "end_reason", "end_note",
        ]  # fmt: skip


class SessionSerializer(serializers.ModelSerializer):
    room_name = serializers.CharField(source="room.name", default=None, allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username")
    agencies: serializers.PrimaryKeyRelatedField[Agency] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = Session
        fields = [
            "id", "kind", "held_at", "room", "room_name", "place", "attendees", "agencies", "public",
            "minutes", "recorded_by", "created_at",
        ]  # fmt: skip


class ObligationSerializer(serializers.ModelSerializer):
    obligor_name = serializers.CharField(source="obligor.masked_name")

    class Meta:
        model = Obligation
        fields = [
            "id", "obligor", "obligor_name", "description", "amount", "due_date", "method", "status",
            "performed_at", "breach_note", "next_route",
        ]  # fmt: skip


class AgreementSerializer(serializers.ModelSerializer):
    drafted_by = serializers.CharField(source="drafted_by.username")
    obligations = ObligationSerializer(many=True)

    class Meta:
        model = Agreement
        fields = [
            "id", "facts", "responsibilities", "drafted_by", "drafted_at", "signed_at", "jc_deadline",
            "jc_status", "jc_applied_at", "jc_court", "jc_answered_at", "jc_note", "obligations",
        ]  # fmt: skip


class FollowUpSerializer(serializers.ModelSerializer):
    visited_by = serializers.CharField(source="visited_by.username")

    class Meta:
        model = FollowUp
        fields = ["id", "visited_at", "visited_by", "satisfaction", "recurred", "note"]


class CaseTaskSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name")
    created_by = serializers.CharField(source="created_by.username")

    class Meta:
        model = CaseTask
        fields = ["id", "agency", "agency_name", "title", "due_at", "done_at", "done_note", "created_by"]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = DisputeEvent
        fields = ["at", "actor", "verb", "from_status", "to_status", "note", "data"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "kind"]


class CaseRightsSerializer(serializers.Serializer):
    manage = serializers.BooleanField(help_text="Triage, accept, assign mediators, escalate.")
    mediate = serializers.BooleanField(help_text="Sessions, agreement, performance, follow-up.")
    unmask = serializers.BooleanField(help_text="See a party's data in clear, with a logged reason.")


class DisputeDetailSerializer(DisputeListSerializer):
    grid = serializers.IntegerField(source="grid_id", allow_null=True)
    registered_by = serializers.CharField(source="registered_by.username", default=None, allow_null=True)
    agencies = AgencyRefSerializer(many=True)
    owner_agency = AgencyRefSerializer(allow_null=True)
    sector_agency = AgencyRefSerializer(allow_null=True)
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    parties = PartySerializer(many=True)
    assignments = AssignmentSerializer(many=True)
    sessions = SessionSerializer(many=True)
    agreement = serializers.SerializerMethodField()
    follow_ups = FollowUpSerializer(many=True)
    tasks = CaseTaskSerializer(many=True)
    events = EventSerializer(many=True, help_text="The case's timeline, oldest first.")
    rights = serializers.SerializerMethodField(help_text="What the caller may do on this case.")

    class Meta(DisputeListSerializer.Meta):
        fields = [
            *DisputeListSerializer.Meta.fields,
            "description", "grid", "government_party", "mediators_needed", "other_process",
            "other_process_status", "triage_reason", "advised_route", "agencies", "owner_agency",
            "sector_agency", "source_alert_id", "campaign", "registered_by", "parties", "assignments",
            "sessions", "agreement", "follow_ups", "tasks", "events", "rights",
        ]  # fmt: skip

    @extend_schema_field(AgreementSerializer(allow_null=True))
    def get_agreement(self, dispute: Dispute) -> dict[str, Any] | None:
        agreement = getattr(dispute, "agreement", None)
        return AgreementSerializer(agreement).data if agreement is not None else None

    @extend_schema_field(CaseRightsSerializer)
    def get_rights(self, dispute: Dispute) -> dict[str, bool]:
        user = self.context["request"].user
        return {
            "manage": user_may_manage(user, dispute),
            "mediate": user_may_mediate(user, dispute),
            "unmask": user_may_unmask_parties(user, dispute),
        }


class LedgerQuerySerializer(serializers.Serializer):
    """The ledger's search and filters (query parameters)."""

    q = serializers.CharField(
        max_length=100, required=False, default="",
        help_text="Case number, words of the summary or the village, or a party's full phone or ID number.",
    )  # fmt: skip
    status = serializers.ChoiceField(choices=Dispute.Status.choices, required=False)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    risk = serializers.ChoiceField(choices=Dispute.Risk.choices, required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    channel = serializers.ChoiceField(choices=Dispute.Channel.choices, required=False)
    key_case = serializers.BooleanField(required=False, allow_null=True, default=None)
    is_group = serializers.BooleanField(required=False, allow_null=True, default=None)
    township = serializers.CharField(max_length=12, required=False, default="", help_text="Township code.")
    village = serializers.CharField(max_length=12, required=False, default="", help_text="Village code.")
    since = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Registered on or after."
    )
    until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Registered on or before."
    )
    open = serializers.BooleanField(required=False, default=False, help_text="Only cases still open.")
    reason = serializers.CharField(
        max_length=500, required=False, default="",
        help_text=(
            "Why a party's full phone or ID number is searched. Such a search is an unmasking: it "
            "needs the unmask right over the case and a reason, is logged as an access to personal "
            "data and counted per person; without the right or a reason it matches nothing."
        ),
    )  # fmt: skip

    def to_query(self) -> LedgerQuery:
        data = self.validated_data

        def start_of(day: Any) -> datetime | None:
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None

        until = start_of(data["until"] + timedelta(days=1)) if data["until"] else None
        return LedgerQuery(
            q=data["q"],
            status=data.get("status", ""),
            category=data.get("category", ""),
            risk=data.get("risk", ""),
            tier=str(data.get("tier", "")),
            channel=data.get("channel", ""),
            key_case=data["key_case"],
            is_group=data["is_group"],
            township=data["township"],
            village=data["village"],
            since=start_of(data["since"]),
            until=until,
            open_only=data["open"],
            reason=data["reason"],
        )


# --- registering and changing a case ----------------------------------------------------------


class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(label=_("Role"), choices=Party.Role.choices)
    kind = serializers.ChoiceField(
        label=_("Kind"), choices=Party.Kind.choices, required=False, default=Party.Kind.PERSON
    )
    name = serializers.CharField(label=_("Name"), max_length=100)
    phone = _text(
        20, label=_("Mobile phone"), help_text=_("Stored encrypted, shown masked."), validators=[validate_mobile],
        style={"inputmode": "tel", "autocomplete": "off"},
    )  # fmt: skip
    id_number = _text(
        18, label=_("ID number"), help_text=_("Stored encrypted, shown masked."),
        validators=[validate_resident_id], style={"autocomplete": "off"},
    )  # fmt: skip
    household_code = _text(30, label=_("Household number"))
    village = _text(
        12, label=_("Village code"), help_text=_("Code of the party's village, if not the case's.")
    )
    claim_amount = serializers.DecimalField(
        label=_("Amount claimed (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False,
        allow_null=True, default=None,
    )  # fmt: skip
    note = _text(300, label=_("Note"))

    class Meta:
        list_serializer_class = RowsListSerializer


def party_input(data: dict[str, Any]) -> PartyInput:
    values = dict(data)
    return PartyInput(village_code=values.pop("village"), **values)


# A person registers what they found; a case from an alert is opened by the order's transfer.
PERSON_CHANNELS = [(v, label) for v, label in Dispute.Channel.choices if v != Dispute.Channel.ALERT]


class DisputeRegisterSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(label=_("Found through"), choices=PERSON_CHANNELS)
    category = serializers.ChoiceField(label=_("Category"), choices=Category.choices)
    village = serializers.CharField(label=_("Village"), max_length=12, help_text=_("Village code."))
    summary = serializers.CharField(label=_("Summary of the dispute"), max_length=200)
    description = _text(4000, label=_("Description"))
    amount = serializers.DecimalField(
        label=_("Amount in dispute (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False,
        default=Decimal(0),
    )  # fmt: skip
    people_involved = serializers.IntegerField(
        label=_("People involved"), min_value=1, required=False, allow_null=True, default=None
    )
    risk = serializers.ChoiceField(
        label=_("Risk level"), choices=Dispute.Risk.choices, required=False, default=Dispute.Risk.BLUE
    )
    government_party = serializers.BooleanField(
        label=_("A government body is a party"), required=False, default=False
    )
    grid = serializers.IntegerField(
        label=_("Grid"), required=False, allow_null=True, default=None, help_text=_("Grid id.")
    )
    parties = PartyInputSerializer(
        many=True,
        allow_empty=False,
        label=_("Parties"),
        help_text=_("At least one applicant and one respondent."),
    )
    request_key = request_key_field()


def register_input(data: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments (``dispute_register``) from a validated registration, but the key."""
    values = dict(data)
    values.pop("request_key", None)
    values["village_code"] = values.pop("village")
    values["grid_id"] = values.pop("grid")
    values["parties"] = [party_input(p) for p in values["parties"]]
    return values


class TriageSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        label=_("Decision"),
        choices=[
            (Triage.ACCEPT, _("Mediate here")),
            (
                Triage.NOT_ACCEPTED,
                _("Not accepted: already in court, arbitration or an administrative process"),
            ),
            (Triage.REFER_POLICE, _("Refer to the police: may turn into a public-order or criminal case")),
        ],
    )
    complexity = serializers.ChoiceField(
        label=_("Complexity"), choices=COMPLEXITY, required=False, default="simple"
    )
    urgent = serializers.BooleanField(label=_("Urgent"), required=False, default=False)
    reason = _text(label=_("Reason"), help_text=_("Required unless the case is accepted."))
    advised_route = _text(label=_("Route advised"), help_text=_("Required when referred to police."))
    other_process = serializers.ChoiceField(
        label=_("Already in"), choices=Dispute.OtherProcess.choices, required=False, allow_blank=True,
        default="", help_text=_("Not accepted: the process the dispute is already in."),
    )  # fmt: skip
    other_process_status = _text(200, label=_("Status of that process"))


class ConsentSerializer(serializers.Serializer):
    rights_informed = serializers.BooleanField(
        label=_("The party was told their rights and duties in mediation"),
        help_text=_("People's Mediation Law art. 23."),
    )


class ProgressSerializer(serializers.Serializer):
    progress = serializers.ChoiceField(label=_("Progress"), choices=Party.Progress.choices)
    note = _text(300, label=_("Note"))


class PartyUnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        label=_("Data"),
        choices=[("phone", _("Mobile phone")), ("id_number", _("ID number")), ("name", _("Full name"))],
    )
    reason = serializers.CharField(label=_("Reason (logged)"), min_length=4, max_length=TEXT)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        label=_("Spreadsheet of parties (.csv or .xlsx)"),
        help_text=_(
            "First row: role, kind, name, phone, id_number, household_code, claim_amount, note "
            "(or 角色, 类型, 姓名, 手机号, 身份证号, 户号, 诉求金额, 备注)."
        ),
    )

    def validate_file(self, file: Any) -> Any:
        # Refuse before reading it into memory; the importer checks the same limit on the content.
        if file.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(_("The file is too large."))
        return file


class ImportResultSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    parties = serializers.IntegerField(help_text="Parties of the case now.")


@extend_schema_field(OpenApiTypes.INT)
class CasePartyField(serializers.PrimaryKeyRelatedField):
    """A party of the case in the view's context (``dispute``)."""

    def get_queryset(self) -> Any:
        return self.context["dispute"].parties.all()


class AssignSerializer(serializers.Serializer):
    mediator = serializers.PrimaryKeyRelatedField(
        label=_("Mediator"), queryset=Mediator.objects.select_related("user__profile")
    )
    chosen_by = CasePartyField(
        label=_("Chosen by the party"), required=False, allow_null=True, default=None,
        help_text=_("The party who chose this mediator."),
    )  # fmt: skip


class RecuseSerializer(serializers.Serializer):
    party = CasePartyField(label=_("Asked by"), help_text=_("The party asking for the recusal."))
    reason = serializers.CharField(label=_("Reason"), max_length=TEXT)
    replacement = serializers.PrimaryKeyRelatedField(
        label=_("Replacement"), queryset=Mediator.objects.select_related("user__profile"), required=False,
        allow_null=True, default=None, help_text=_("Empty: the best available mediator proposed for the case."),
    )  # fmt: skip


class MediatorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__")
    agency_name = serializers.CharField(source="agency.name")
    region = serializers.CharField(source="region.code", help_text="Code of the area served.")
    region_name = serializers.CharField(source="region.name")
    specialties = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices))
    load = serializers.IntegerField(help_text="Open cases now.")
    resolved = serializers.IntegerField(help_text="Cases closed with an agreement.")

    class Meta:
        model = Mediator
        fields = [
            "id", "name", "team", "agency", "agency_name", "region", "region_name", "specialties",
            "max_load", "load", "resolved", "bio", "active",
        ]  # fmt: skip


class MediatorFilterSerializer(serializers.Serializer):
    region = serializers.CharField(
        max_length=12, required=False, default="", help_text="Region code: mediators whose area lies in it."
    )
    team = serializers.ChoiceField(choices=MediatorTeam.choices, required=False)
    specialty = serializers.ChoiceField(choices=Category.choices, required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class ProposalSerializer(serializers.Serializer):
    mediator = MediatorSerializer()
    load = serializers.IntegerField()
    specialist = serializers.BooleanField(help_text="Knows the case's category.")
    conflicts = serializers.ListField(child=serializers.CharField(), help_text="Why they cannot take it.")
    available = serializers.BooleanField()


class SessionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        label=_("Kind"), choices=Session.Kind.choices, required=False, default=Session.Kind.MEDIATION
    )
    held_at = serializers.DateTimeField(label=_("Held at"))
    room = serializers.PrimaryKeyRelatedField(
        label=_("Mediation room"), queryset=MediationRoom.objects.all(), required=False, allow_null=True,
        default=None,
    )  # fmt: skip
    place = _text(200, label=_("Place"), help_text=_("Required without a room."))
    attendees = serializers.CharField(label=_("Attendees"), max_length=500)
    minutes = serializers.CharField(label=_("Minutes"), max_length=10000)
    agencies = serializers.PrimaryKeyRelatedField(
        label=_("Agencies present"), queryset=Agency.objects.filter(active=True), many=True, required=False,
        default=list, help_text=_("A consultation brings at least two."),
    )  # fmt: skip
    public = serializers.BooleanField(label=_("Public session"), required=False, default=False)


class TermInputSerializer(serializers.Serializer):
    obligor = serializers.IntegerField(
        label=_("Obligor"), help_text=_("Id of the party who performs the term.")
    )
    description = serializers.CharField(label=_("Term"), max_length=500)
    due_date = serializers.DateField(label=_("Due date"))
    amount = serializers.DecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False,
        allow_null=True, default=None,
    )  # fmt: skip
    method = _text(200, label=_("How"))

    class Meta:
        list_serializer_class = RowsListSerializer


def term_input(data: dict[str, Any]) -> TermInput:
    values = dict(data)
    return TermInput(obligor_id=values.pop("obligor"), **values)


class AgreementDraftSerializer(serializers.Serializer):
    facts = serializers.CharField(label=_("Facts of the dispute"), max_length=5000)
    responsibilities = serializers.CharField(label=_("Each side's responsibility"), max_length=5000)
    terms = TermInputSerializer(
        many=True, label=_("Terms"), help_text=_("The whole list: terms left out are removed.")
    )


class SignSerializer(serializers.Serializer):
    signed_by = serializers.ListField(
        label=_("Signed by"), child=serializers.IntegerField(),
        help_text=_("Every applicant and respondent must sign."),
    )  # fmt: skip


class JudicialApplySerializer(serializers.Serializer):
    court = serializers.CharField(label=_("Court"), max_length=100)


class JudicialAnswerSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField(label=_("The court confirmed the agreement"))
    note = _text(label=_("Court's reasons"), help_text=_("Required when rejected."))


class BreachSerializer(serializers.Serializer):
    note = serializers.CharField(label=_("What was not performed"), max_length=TEXT)
    next_route = serializers.CharField(label=_("Next route"), max_length=TEXT)


class EscalateSerializer(serializers.Serializer):
    trigger = serializers.ChoiceField(
        label=_("Why"), choices=PERSON_TRIGGERS, required=False, default="party_request"
    )
    reason = serializers.CharField(label=_("Reason"), max_length=TEXT)
    sector_agency = serializers.PrimaryKeyRelatedField(
        label=_("Sector authority"), queryset=Agency.objects.filter(active=True), required=False,
        allow_null=True, default=None, help_text=_("Only to hand the case to a sector authority."),
    )  # fmt: skip


class ExtendSerializer(serializers.Serializer):
    days = serializers.IntegerField(label=_("Extend by (days)"), initial=15)
    both_parties_consent = serializers.BooleanField(label=_("Both parties agree to a longer mediation"))


class TerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("Reason"), max_length=TEXT)
    advised_route = serializers.CharField(label=_("Routes left to the parties"), max_length=TEXT)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("Reason"), max_length=TEXT)


class FollowUpInputSerializer(serializers.Serializer):
    satisfaction = serializers.IntegerField(label=_("Satisfaction"), help_text=_("1 to 5."), initial=5)
    recurred = serializers.BooleanField(label=_("The dispute recurred"), required=False, default=False)
    note = _text(1000, label=_("Note"), help_text=_("Required when the dispute recurred."))


class TaskInputSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        label=_("Agency"), queryset=Agency.objects.filter(active=True)
    )
    title = serializers.CharField(label=_("Task"), max_length=200)
    due_at = serializers.DateTimeField(label=_("Due"))


class TaskDoneSerializer(serializers.Serializer):
    result = serializers.CharField(label=_("Result"), max_length=TEXT)


class AgencyAddSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        label=_("Agency"), queryset=Agency.objects.filter(active=True)
    )


# --- the case page's picks --------------------------------------------------------------------
# The API takes some objects from the URL (``parties/<id>/consent``); the case page serves all its
# actions at one URL, so there the form picks the object among the case's own. Each page
# serializer below is the API's input plus that one pick field, first.


class CaseObjectField(serializers.PrimaryKeyRelatedField):
    """One of the objects ``of(dispute)`` of the case in the context (``dispute``)."""

    def __init__(self, *, of: Any, **kwargs: Any) -> None:
        self.of = of
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        return self.of(self.context["dispute"])


class _PartyPick(serializers.Serializer):
    party = CaseObjectField(of=lambda d: d.parties.all(), label=_("Party"))


class _MediatorPick(serializers.Serializer):
    mediator = serializers.PrimaryKeyRelatedField(
        label=_("Mediator to recuse"), queryset=Mediator.objects.select_related("user__profile")
    )


class _ObligationPick(serializers.Serializer):
    obligation = CaseObjectField(
        of=lambda d: Obligation.objects.select_related("agreement").filter(agreement__dispute=d),
        label=_("Term"),
    )


class _TaskPick(serializers.Serializer):
    task = CaseObjectField(of=lambda d: d.tasks.select_related("agency"), label=_("Task"))


class ConsentPageSerializer(_PartyPick, ConsentSerializer):
    pass


class ProgressPageSerializer(_PartyPick, ProgressSerializer):
    pass


class PartyUnmaskPageSerializer(_PartyPick, PartyUnmaskSerializer):
    pass


class RecusePageSerializer(_MediatorPick, RecuseSerializer):
    pass


class PerformPageSerializer(_ObligationPick):
    pass


class BreachPageSerializer(_ObligationPick, BreachSerializer):
    pass


class TaskDonePageSerializer(_TaskPick, TaskDoneSerializer):
    pass


# --- screening --------------------------------------------------------------------------------


class ScreeningAssignmentSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village.code")
    village_name = serializers.CharField(source="village.name")
    worker = serializers.CharField(source="worker.username")
    visit_count = serializers.IntegerField(default=None, help_text="Visits recorded.")

    class Meta:
        model = ScreeningAssignment
        fields = ["id", "campaign", "village", "village_name", "worker", "households", "visit_count"]


class ScreeningCampaignSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    created_by = serializers.CharField(source="created_by.username")
    assignments = ScreeningAssignmentSerializer(many=True)

    class Meta:
        model = ScreeningCampaign
        fields = [
            "id", "name", "season", "region", "region_name", "focus", "starts_on", "ends_on", "created_by",
            "created_at", "assignments",
        ]  # fmt: skip


class CampaignInputSerializer(serializers.Serializer):
    name = serializers.CharField(label=_("Name"), max_length=100)
    season = serializers.ChoiceField(label=_("Season"), choices=ScreeningCampaign.Season.choices)
    region = serializers.CharField(label=_("Area"), max_length=12, help_text=_("Code of the area swept."))
    starts_on = serializers.DateField(label=_("Starts"))
    ends_on = serializers.DateField(label=_("Ends"))
    focus = _text(300, label=_("Focus"))

    def validate_region(self, code: str) -> Region:
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise serializers.ValidationError(_("No region has this code."))
        return region


class CampaignAssignSerializer(serializers.Serializer):
    village = serializers.CharField(label=_("Village"), max_length=12, help_text=_("Village code."))
    worker = serializers.SlugRelatedField(
        label=_("Grid worker"), slug_field="username", queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("Username of the grid worker."),
    )  # fmt: skip
    households = serializers.IntegerField(label=_("Households to visit"))

    def validate_village(self, code: str) -> Region:
        village = Region.objects.filter(code=code, level=Region.Level.VILLAGE).first()
        if village is None:
            raise serializers.ValidationError(_("No village has this code."))
        return village


class VisitInputSerializer(serializers.Serializer):
    household = serializers.CharField(label=_("Household"), max_length=100)
    result = serializers.ChoiceField(label=_("Result"), choices=ScreeningVisit.Result.choices)
    note = _text(label=_("Note"))
    category = serializers.ChoiceField(
        label=_("Category"), choices=Category.choices, required=False, allow_blank=True, default="",
        help_text=_("For a finding."),
    )  # fmt: skip
    summary = _text(200, label=_("Summary of the dispute"), help_text=_("For a finding."))
    parties = PartyInputSerializer(
        many=True, required=False, default=list, label=_("Parties"), help_text=_("For a finding.")
    )
    request_key = request_key_field()


def visit_input(data: dict[str, Any]) -> dict[str, Any]:
    """The service's arguments (``visit_record``) from a validated visit, but the key."""
    values = dict(data)
    values.pop("request_key", None)
    values["parties"] = [party_input(p) for p in values["parties"]]
    return values


class VisitSerializer(serializers.ModelSerializer):
    dispute_number = serializers.CharField(source="dispute.number", default=None, allow_null=True)

    class Meta:
        model = ScreeningVisit
        fields = [
            "id",
            "assignment",
            "household",
            "visited_at",
            "result",
            "note",
            "dispute",
            "dispute_number",
        ]
