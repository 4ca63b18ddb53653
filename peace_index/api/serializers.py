from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from peace_index.forms import parse_month
from peace_index.models import DataSource, MethodVersion, RecomputeRun, TownshipReview, VillageScore


class MonthField(serializers.CharField):
    """A month written YYYY-MM."""

    default_error_messages = {"invalid_month": _("Write the month as YYYY-MM, for example 2026-10.")}

    def to_internal_value(self, data: Any) -> date:  # type: ignore[override]
        month = parse_month(super().to_internal_value(data)[:8])
        if month is None:
            self.fail("invalid_month")
        return month

    def to_representation(self, value: Any) -> str:
        return f"{value:%Y-%m}"


class PeaceScoreSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    month = MonthField(read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = VillageScore
        fields = [
            "village", "village_code", "village_name", "month", "version", "score", "band", "se", "dimensions",
            "bonus", "penalty", "veto", "peer_rank", "rank_low", "rank_high", "peer_size",
        ]  # fmt: skip


class PeacePortraitScoreSerializer(PeaceScoreSerializer):
    class Meta(PeaceScoreSerializer.Meta):
        fields = [*PeaceScoreSerializer.Meta.fields, "decomposition"]


class PeaceRankingRowSerializer(serializers.Serializer):
    village = serializers.IntegerField(source="village.pk")
    village_name = serializers.CharField(source="village.name")
    score = PeaceScoreSerializer(allow_null=True)
    change_month = serializers.FloatField(allow_null=True)
    change_year = serializers.FloatField(allow_null=True)
    trend_month = serializers.IntegerField(help_text="+1 / -1 when the change is larger than noise, else 0.")
    trend_year = serializers.IntegerField()


class PeaceReviewSerializer(serializers.ModelSerializer):
    month = MonthField(read_only=True)

    class Meta:
        model = TownshipReview
        fields = ["township", "month", "status", "comment", "reviewed_by", "reviewed_at"]


class PeaceRankingSerializer(serializers.Serializer):
    township = serializers.IntegerField(source="township.pk")
    month = MonthField()
    version = serializers.IntegerField(source="version.number", allow_null=True)
    review = PeaceReviewSerializer(allow_null=True)
    rows = PeaceRankingRowSerializer(many=True)


class PeaceReviewInputSerializer(serializers.Serializer):
    month = MonthField()
    decision = serializers.ChoiceField(choices=["approve", "return"])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PeaceCaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()


class PeacePortraitSerializer(serializers.Serializer):
    village = serializers.IntegerField(source="village.pk")
    month = MonthField()
    score = PeacePortraitScoreSerializer(allow_null=True)
    trend = PeaceScoreSerializer(many=True)
    bonus_cases = serializers.SerializerMethodField()
    penalty_cases = serializers.SerializerMethodField()
    veto_cases = serializers.SerializerMethodField()

    def get_bonus_cases(self, obj: Any) -> list[dict[str, Any]]:
        return [{"id": d.pk, "ref": d.number} for d in obj.bonus_cases]

    def get_penalty_cases(self, obj: Any) -> list[dict[str, Any]]:
        return [{"id": c.pk, "ref": c.external_ref} for c in obj.penalty_cases]

    def get_veto_cases(self, obj: Any) -> list[dict[str, Any]]:
        return [{"id": c.pk, "ref": c.external_ref} for c in obj.veto_cases]


class PeaceVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MethodVersion
        fields = ["id", "county", "number", "name", "params", "status", "note", "published_at"]
        read_only_fields = ["id", "county", "number", "status", "published_at"]


class PeaceVersionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    params = serializers.JSONField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class PeaceVersionUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    params = serializers.JSONField(required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class PeaceRunSerializer(serializers.ModelSerializer):
    total = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "county",
            "version",
            "months",
            "status",
            "done",
            "total",
            "percent",
            "scores_written",
            "error",
        ]


class PeaceRecomputeInputSerializer(serializers.Serializer):
    months = serializers.ListField(child=MonthField(), required=False, max_length=36)


class PeaceImportInputSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=DataSource.choices)
    first_month = MonthField()
    last_month = MonthField()
    rows = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=200)),
        max_length=50_000,
        help_text="Rows keyed by column: for cases ref, village (code), date, severity, veto, late, alert; "
        "for petitions ref, village, date, kind; for surveys village, month, respondents, safe. "
        "An empty list says the months had none.",
    )


class PeaceImportResultSerializer(serializers.Serializer):
    batch = serializers.IntegerField(source="batch.pk")
    rows = serializers.IntegerField(source="batch.rows")
    created = serializers.BooleanField()
