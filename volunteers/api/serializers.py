"""What the volunteers API reads and writes. Input serializers check shapes and types; the rules
are the services'. Volunteers' personal data is only ever shown masked here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class ApplySerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.filter(active=True))
    real_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20)
    id_number = serializers.CharField(max_length=20)
    record_check_consent = serializers.BooleanField()
    skills = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)
    availability = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VolunteerReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


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
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VolunteerUnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(
        choices=[("real_name", _("real name")), ("phone", _("mobile phone")), ("id_number", _("ID number"))]
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VolunteerTaskInputSerializer(serializers.Serializer):
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    task_type = serializers.ChoiceField(choices=Task.Kind.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    radius_m = serializers.IntegerField(required=False, default=300)
    capacity = serializers.IntegerField()
    points = serializers.IntegerField(min_value=0)
    min_star = serializers.IntegerField(required=False, default=0)
    recurrence = serializers.ChoiceField(choices=Task.Recurrence.choices, required=False, default="")
    repeat_until = serializers.DateField(required=False, allow_null=True, default=None)


class TaskEditSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)
    place = serializers.CharField(max_length=200, required=False)
    lng = serializers.FloatField(required=False)
    lat = serializers.FloatField(required=False)
    radius_m = serializers.IntegerField(required=False)
    capacity = serializers.IntegerField(required=False)
    min_star = serializers.IntegerField(required=False)
    points = serializers.IntegerField(required=False, min_value=0)


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
    lng = serializers.FloatField()
    lat = serializers.FloatField()
    client_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="When the phone recorded it (offline queue)."
    )


class PointsEntrySerializer(serializers.ModelSerializer):
    entry_type = serializers.ChoiceField(source="kind", choices=PointsEntry.Kind.choices, read_only=True)

    class Meta:
        model = PointsEntry
        fields = ["id", "entry_type", "amount", "reason", "claim", "redemption", "at"]


class AdjustSerializer(serializers.Serializer):
    amount = serializers.IntegerField()
    reason = serializers.CharField(max_length=300)


class RewardItemSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = RewardItem
        fields = ["id", "agency", "agency_name", "name", "description", "price", "stock", "active"]


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
    answers = serializers.ListField(child=serializers.IntegerField(min_value=0), max_length=100)


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
