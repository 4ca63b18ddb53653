"""What the volunteers API reads and writes. Input serializers check shapes and types; the rules
are the services'. Volunteers' personal data is only ever shown masked here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.api.serializers import request_key_field
from governance.models import Agency
from volunteers.models import (
    Claim,
    Course,
    Lesson,
    PointsEntry,
    QuizQuestion,
    Redemption,
    RewardItem,
    Task,
    Team,
    Volunteer,
)


class TeamSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    region = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "agency", "region", "active"]


class VolunteerSerializer(serializers.ModelSerializer):
    """Masked, whoever asks: volunteers never see others' data, staff unmask through the people
    API with a logged reason."""

    name = serializers.CharField(source="masked_name", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True)
    id_number = serializers.CharField(source="masked_id_number", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "id", "team", "team_name", "status", "status_reason", "name", "phone", "id_number", "skills",
            "availability", "star", "hours_12m", "applied_at", "vetted_at", "activated_at",
        ]  # fmt: skip
        read_only_fields = fields


class WordsField(serializers.ListField):
    """A list of short words. A page's one text input "急救, 驾驶" (or "急救，驾驶") is the list
    ["急救", "驾驶"], as the API's JSON list would be."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list) and all(isinstance(item, str) for item in data):
            data = [w.strip() for item in data for w in item.replace("，", ",").split(",") if w.strip()]
        return super().to_internal_value(data)


class ApplySerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(label=_("Team"), queryset=Team.objects.filter(active=True))
    real_name = serializers.CharField(label=_("Real name"), max_length=50)
    phone = serializers.CharField(label=_("Mobile phone"), max_length=20)
    id_number = serializers.CharField(label=_("ID number"), max_length=20)
    record_check_consent = serializers.BooleanField(label=_("I consent to a check of my criminal record"))
    skills = WordsField(
        label=_("Skills (comma separated)"), child=serializers.CharField(max_length=30), required=False,
        default=list,
    )  # fmt: skip
    availability = serializers.CharField(
        label=_("When you are available"), max_length=200, required=False, allow_blank=True, default=""
    )


class VolunteerReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label=_("Reason"), max_length=500, required=False, allow_blank=True, default=""
    )


class VolunteerStatusReasonSerializer(serializers.Serializer):
    """A step of a volunteer's status that needs a reason (reject, suspend, retire)."""

    reason = serializers.CharField(label=_("Reason"), max_length=500)


class TaskSerializer(serializers.ModelSerializer):
    # "task_type", not "kind": other parts of the API name other choice sets "kind", and the
    # schema's enums are named after the field.
    task_type = serializers.ChoiceField(source="kind", choices=Task.Kind.choices, read_only=True)
    free = serializers.IntegerField(read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id", "team", "team_name", "task_type", "title", "description", "starts_at", "ends_at", "place", "lng",
            "lat", "radius_m", "capacity", "taken", "free", "min_star", "required_course", "points", "status",
            "recurrence", "repeat_until", "series", "version", "cancelled_at", "cancel_reason",
        ]  # fmt: skip
        read_only_fields = fields


class TaskCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        label=_("Reason for cancelling"), max_length=300, required=False, allow_blank=True, default=""
    )


class VolunteerUnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        label=_("Data to see"),
        choices=[("real_name", _("real name")), ("phone", _("mobile phone")), ("id_number", _("ID number"))],
    )
    reason = serializers.CharField(
        label=_("Reason for seeing it"), max_length=500, required=False, allow_blank=True, default=""
    )


class VolunteerTaskInputSerializer(serializers.Serializer):
    """Publishing a task (or the first of a recurring series, such as a school-gate duty on school
    days): the service keeps the rules (pairs, the window, the radius...)."""

    team = serializers.PrimaryKeyRelatedField(label=_("Volunteer team"), queryset=Team.objects.all())
    task_type = serializers.ChoiceField(label=_("Type"), choices=Task.Kind.choices)
    title = serializers.CharField(label=_("Title"), max_length=200)
    description = serializers.CharField(
        label=_("Description"), max_length=2000, required=False, allow_blank=True, default=""
    )
    starts_at = serializers.DateTimeField(label=_("Starts at"))
    ends_at = serializers.DateTimeField(label=_("Ends at"))
    place = serializers.CharField(label=_("Place"), max_length=200)
    lng = serializers.FloatField(label=_("Longitude"), min_value=-180, max_value=180)
    lat = serializers.FloatField(label=_("Latitude"), min_value=-90, max_value=90)
    radius_m = serializers.IntegerField(
        label=_("Check-in radius (m)"), required=False, default=300, min_value=20, max_value=5000
    )
    capacity = serializers.IntegerField(
        label=_("People needed"), min_value=2, help_text=_("Volunteers work in pairs: at least two.")
    )
    points = serializers.IntegerField(label=_("Points"), min_value=0, max_value=1000)
    min_star = serializers.IntegerField(
        label=_("Minimum star level"), required=False, default=0, min_value=0, max_value=5
    )
    required_course = serializers.PrimaryKeyRelatedField(
        label=_("Required course"),
        queryset=Course.objects.filter(active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    recurrence = serializers.ChoiceField(
        label=_("Repeats"), choices=Task.Recurrence.choices, required=False, default=""
    )
    repeat_until = serializers.DateField(
        label=_("Repeat until"), required=False, allow_null=True, default=None
    )
    request_key = request_key_field()


class TaskEditSerializer(serializers.Serializer):
    title = serializers.CharField(label=_("Title"), max_length=200, required=False)
    description = serializers.CharField(
        label=_("Description"), max_length=2000, required=False, allow_blank=True
    )
    starts_at = serializers.DateTimeField(label=_("Starts at"), required=False)
    ends_at = serializers.DateTimeField(label=_("Ends at"), required=False)
    place = serializers.CharField(label=_("Place"), max_length=200, required=False)
    lng = serializers.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    lat = serializers.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    radius_m = serializers.IntegerField(
        label=_("Check-in radius (m)"), required=False, min_value=20, max_value=5000
    )
    capacity = serializers.IntegerField(label=_("People needed"), required=False, min_value=2)
    min_star = serializers.IntegerField(
        label=_("Minimum star level"), required=False, min_value=0, max_value=5
    )
    points = serializers.IntegerField(label=_("Points"), required=False, min_value=0, max_value=1000)


class ClaimTaskSerializer(serializers.ModelSerializer):
    task_type = serializers.ChoiceField(source="kind", choices=Task.Kind.choices, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "task_type",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "lng",
            "lat",
            "radius_m",
            "points",
        ]


class ClaimSerializer(serializers.ModelSerializer):
    task = ClaimTaskSerializer(read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.masked_name", read_only=True)
    task_changed = serializers.BooleanField(read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id", "task", "volunteer", "volunteer_name", "status", "claimed_at", "task_changed", "checked_in_at",
            "check_in_distance_m", "checked_out_at", "check_out_distance_m", "minutes", "verified_at",
        ]  # fmt: skip
        read_only_fields = fields


class PositionSerializer(serializers.Serializer):
    """Where the phone is. Without a position the service refuses with the reason ("your phone's
    location is needed"): one message for the page and the API."""

    lng = serializers.FloatField(label=_("Longitude"), required=False, allow_null=True, default=None)
    lat = serializers.FloatField(label=_("Latitude"), required=False, allow_null=True, default=None)
    client_at = serializers.DateTimeField(
        label=_("Recorded at"),
        required=False,
        allow_null=True,
        default=None,
        help_text="When the phone recorded it (offline queue).",
    )


class PointsEntrySerializer(serializers.ModelSerializer):
    entry_type = serializers.ChoiceField(source="kind", choices=PointsEntry.Kind.choices, read_only=True)

    class Meta:
        model = PointsEntry
        fields = ["id", "entry_type", "amount", "reason", "claim", "redemption", "at"]


class AdjustSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        label=_("Points to add (negative to take away)"), min_value=-10_000, max_value=10_000
    )
    reason = serializers.CharField(label=_("Reason"), max_length=300)


class RewardItemSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = RewardItem
        fields = ["id", "agency", "agency_name", "name", "description", "price", "stock", "active"]


class RewardItemCreateSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(label=_("Shop of"), queryset=Agency.objects.all())
    name = serializers.CharField(label=_("Item"), max_length=100)
    description = serializers.CharField(
        label=_("Description"), max_length=500, required=False, allow_blank=True, default=""
    )
    price = serializers.IntegerField(label=_("Price in points"), min_value=1, max_value=100_000)
    stock = serializers.IntegerField(label=_("In stock"), min_value=0, max_value=100_000)
    request_key = request_key_field()


class RewardItemPriceSerializer(serializers.Serializer):
    price = serializers.IntegerField(label=_("Price in points"), min_value=1, max_value=100_000)


class RewardItemRestockSerializer(serializers.Serializer):
    add = serializers.IntegerField(label=_("Units to add"), min_value=1, max_value=100_000)
    request_key = request_key_field()


class RewardItemWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(label=_("Reason for taking it off sale"), max_length=300)


class RedemptionSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    volunteer_name = serializers.CharField(source="volunteer.masked_name", read_only=True)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "item",
            "item_name",
            "volunteer",
            "volunteer_name",
            "points",
            "status",
            "reserved_at",
            "closed_at",
            "reason",
        ]


class StandingSerializer(serializers.Serializer):
    volunteer_id = serializers.IntegerField()
    masked_name = serializers.CharField()
    team = serializers.CharField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=1)
    star = serializers.IntegerField()


class VolunteerMeSerializer(serializers.Serializer):
    volunteer = VolunteerSerializer()
    star = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    balance = serializers.IntegerField()
    next_star = serializers.IntegerField(allow_null=True)
    next_hours = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: Any) -> Any:
        volunteer, progress = instance
        return {
            "volunteer": VolunteerSerializer(volunteer).data,
            "star": progress.star,
            "hours": str(progress.hours),
            "balance": progress.balance,
            "next_star": progress.next_star,
            "next_hours": progress.next_hours,
        }


class LessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["number", "title", "body"]


class QuizQuestionSerializer(serializers.ModelSerializer):
    """The question and its choices; never the answer."""

    class Meta:
        model = QuizQuestion
        fields = ["number", "text", "choices"]


class CourseSerializer(serializers.ModelSerializer):
    lessons = LessonSerializer(many=True, read_only=True)
    questions = QuizQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Course
        fields = ["id", "title", "description", "pass_mark", "lessons", "questions"]


class QuizAnswersSerializer(serializers.Serializer):
    # Left out, the list is empty: the service says "Answer every question." (page and API alike).
    answers = serializers.ListField(
        label=_("Answers"), child=serializers.IntegerField(min_value=0), max_length=100, default=list
    )


class QuizResultSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    score = serializers.IntegerField(allow_null=True)
    certificate = serializers.IntegerField(allow_null=True)


class FiguresRowSerializer(serializers.Serializer):
    # "name", not "label": a serializer field's own attribute is called label.
    name = serializers.CharField(source="label")
    team = serializers.IntegerField(source="team_id", allow_null=True)
    task_type = serializers.CharField(source="kind", help_text="Empty on a team's row (every type).")
    active_volunteers = serializers.IntegerField(source="on_roll", allow_null=True)
    volunteers_served = serializers.IntegerField(source="served")
    tasks = serializers.IntegerField()
    places_offered = serializers.IntegerField(source="offered")
    places_taken = serializers.IntegerField(source="taken")
    fill_rate = serializers.FloatField(allow_null=True)
    attended = serializers.IntegerField()
    no_shows = serializers.IntegerField()
    no_show_rate = serializers.FloatField(allow_null=True)
    hours = serializers.FloatField()
    points_earned = serializers.IntegerField(source="earned")
    points_redeemed = serializers.IntegerField(source="redeemed")
    points_adjusted = serializers.IntegerField(source="adjusted")
    points_expired = serializers.IntegerField(source="expired")


class FiguresSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    teams = FiguresRowSerializer(many=True)
    total = FiguresRowSerializer()
    task_types = FiguresRowSerializer(source="kinds", many=True)
