from __future__ import annotations

import copy
from datetime import date
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from peace_index.compute import parse_month
from peace_index.method import (
    BAND_THRESHOLDS,
    DEFAULT_PARAMS,
    DIMENSIONS,
    RATE,
    default_params,
    shrinkage_rules,
    validate_params_fields,
)
from peace_index.models import (
    DataSource,
    Dimension,
    Indicator,
    MethodVersion,
    RecomputeRun,
    TownshipReview,
    VillageScore,
)


class MonthField(serializers.CharField):
    """A month written YYYY-MM."""

    default_error_messages = {"invalid_month": _("Write the month as YYYY-MM, for example 2026-10.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("style", {"placeholder": "2026-10", "input_type": "text"})
        super().__init__(**kwargs)

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
    """Approve (freeze) or return a township's month; a return says why."""

    month = MonthField(label=_("Month"))
    decision = serializers.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return"))]
    )
    comment = serializers.CharField(
        label=_("Comment"),
        help_text=_("Required when the month is returned: say what is to be put right."),
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
    )


class PeaceCaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ref = serializers.CharField()


class PeacePortraitSerializer(serializers.Serializer):
    village = serializers.IntegerField(source="village.pk")
    month = MonthField()
    score = PeacePortraitScoreSerializer(allow_null=True)
    trend = PeaceScoreSerializer(many=True)
    bonus_cases = serializers.SerializerMethodField()
    bonus_orders = serializers.SerializerMethodField()
    penalty_cases = serializers.SerializerMethodField()
    veto_cases = serializers.SerializerMethodField()

    def get_bonus_cases(self, obj: Any) -> list[dict[str, Any]]:
        return [{"id": d.pk, "ref": d.number} for d in obj.bonus_cases]

    def get_bonus_orders(self, obj: Any) -> list[dict[str, Any]]:
        """Alerts the village settled before the police came (dispatch orders), in the bonus."""
        # The order's number only: the call's words are the station's, not every index reader's.
        return [{"id": o.pk, "ref": f"#{o.pk}"} for o in obj.bonus_orders]

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
    """A new draft: from the given parameters (API), else from the version in force."""

    name = serializers.CharField(label=_("Name"), max_length=100)
    params = serializers.JSONField(
        label=_("Parameters"), required=False, help_text="Empty: a copy of the version in force."
    )
    note = serializers.CharField(
        label=_("What changed"), max_length=2000, required=False, allow_blank=True, default=""
    )


def _direction(kind: str) -> Any:
    if kind == RATE:
        return _("Per 1,000 resident person-years; lower is better: L scores 100, U scores 0.")
    return _("A proportion between 0 and 1; higher is better: L scores 0, U scores 100.")


def _number(label: Any, *, help_text: Any = "") -> serializers.FloatField:
    return serializers.FloatField(label=label, help_text=help_text)


# The editor's fields and the parameter each sets: (field name, path in the parameters).
METHOD_FIELDS: list[tuple[str, tuple[str, ...]]] = [
    *[(f"dimension_{d}", ("dimensions", d)) for d in DIMENSIONS],
    *[
        (f"{name}_{part}", ("indicators", name, part))
        for name in DEFAULT_PARAMS["indicators"]
        for part in ("weight", "low", "high")
    ],
    *[(f"band_{b}", ("bands", b)) for b in BAND_THRESHOLDS],
    ("bonus_per_item", ("bonus", "per_item")),
    ("bonus_max", ("bonus", "max")),
    ("bonus_early_days", ("bonus", "early_days")),
    ("bonus_village_settled", ("bonus", "village_settled")),
    ("penalty_per_item", ("penalty", "per_item")),
    ("penalty_max", ("penalty", "max")),
    ("shrinkage_no_events_at_prior", ("shrinkage", "no_events_at_prior")),
    ("shrinkage_rate_min_cv", ("shrinkage", "rate_min_cv")),
    ("shrinkage_share_min_cv", ("shrinkage", "share_min_cv")),
    *[(f"{name}_min_cv", ("indicators", name, "min_cv")) for name in DEFAULT_PARAMS["indicators"]],
]
# Parts a version may lack (published before them): left out when given empty.
OPTIONAL_PATHS = {("indicators", name, "min_cv") for name in DEFAULT_PARAMS["indicators"]}
FIELD_OF_PATH = {".".join(path): name for name, path in METHOD_FIELDS}


def _method_fields() -> dict[str, serializers.Field]:
    dims = dict(Dimension.choices)
    indicators = dict(Indicator.choices)
    weight = _("weight")
    fields: dict[str, serializers.Field] = {}
    for d in DIMENSIONS:
        fields[f"dimension_{d}"] = _number(
            format_lazy("{} · {}", dims[d], weight),
            help_text=_("Relative weight of the dimension in the score."),
        )
    for name, spec in DEFAULT_PARAMS["indicators"].items():
        label = indicators[name]
        fields[f"{name}_weight"] = _number(
            format_lazy("{} · {}", label, weight), help_text=_("Relative weight within its dimension.")
        )
        fields[f"{name}_low"] = _number(
            format_lazy("{} · {}", label, _("lower goalpost L")), help_text=_direction(spec["kind"])
        )
        fields[f"{name}_high"] = _number(format_lazy("{} · {}", label, _("upper goalpost U")))
    fields["band_excellent"] = _number(_("Model safe village from (score)"))
    fields["band_excellent_min_dimension"] = _number(_("Model safe village: lowest dimension score at least"))
    fields["band_safe"] = _number(_("Safe village from (score)"))
    fields["band_basic"] = _number(_("Basically safe from (score)"))
    fields["bonus_per_item"] = _number(_("Bonus per verified early resolution (points)"))
    fields["bonus_max"] = _number(_("Bonus at most (points)"))
    fields["bonus_early_days"] = serializers.IntegerField(
        label=_("Early resolution within (days)"), min_value=1, max_value=365
    )
    fields["bonus_village_settled"] = serializers.BooleanField(
        label=_("An alert the village settled before the police came counts as one"),
        help_text=_("Reported by its cadre or grid worker and confirmed by the station's call-back."),
        required=False,
    )
    fields["penalty_per_item"] = _number(_("Penalty per concealed or late-reported event (points)"))
    fields["penalty_max"] = _number(_("Penalty at most (points)"))
    fields["shrinkage_no_events_at_prior"] = serializers.BooleanField(
        label=_("Score an indicator with no events at its pool's mean"),
        help_text=_(
            "A village with no dispute followed up (or no agreement due) is scored as an average "
            "one, never left out: its first dispute can then only move it by how it went."
        ),
        required=False,
    )
    floor_help = _(
        "The smallest spread between villages the pool is assumed to have, as a share of its "
        "mean (0: none; the method's default 0.5). Higher trusts each village's own numbers more."
    )
    fields["shrinkage_rate_min_cv"] = _number(
        _("Rates: least variation between villages"), help_text=floor_help
    )
    fields["shrinkage_share_min_cv"] = _number(
        _("Shares: least variation between villages"), help_text=floor_help
    )
    for name in DEFAULT_PARAMS["indicators"]:
        fields[f"{name}_min_cv"] = serializers.FloatField(
            label=format_lazy("{} · {}", indicators[name], _("least variation (empty: that of its kind)")),
            required=False,
            allow_null=True,
        )
    return fields


def params_as_fields(params: Any) -> dict[str, Any]:
    """A version's parameters as the editor's initial values."""
    out: dict[str, Any] = {}
    # A version from before the reporting-neutral rules shows the rules it follows (none).
    params = {**params, "shrinkage": shrinkage_rules(params)} if isinstance(params, dict) else params
    for name, path in METHOD_FIELDS:
        value: Any = params
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        out[name] = value
    return out


class PeaceVersionEditSerializer(serializers.Serializer):
    """Change a draft: its name, note and, per field, the parameters of the method (weights,
    goalposts, bands, bonus and penalty). The rules are the method's (``validate_params_fields``):
    their errors come back on the fields at fault. Fields not given keep the draft's values
    (context ``version``); the API may send any of them (PATCH)."""

    name = serializers.CharField(label=_("Name"), max_length=100)
    note = serializers.CharField(label=_("What changed"), max_length=2000, required=False, allow_blank=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields.update(_method_fields())
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        version = self.context.get("version")
        params = copy.deepcopy(version.params if version is not None else default_params())
        for name, path in METHOD_FIELDS:
            if name in attrs:
                target = params
                for key in path[:-1]:
                    target = target.setdefault(key, {})
                if attrs[name] is None and path in OPTIONAL_PATHS:
                    target.pop(path[-1], None)
                else:
                    target[path[-1]] = attrs[name]
        errors = validate_params_fields(params)
        if errors:
            by_field: dict[str, list[str]] = {}
            for key, messages in errors.items():
                by_field.setdefault(FIELD_OF_PATH.get(key, "non_field_errors"), []).extend(messages)
            raise serializers.ValidationError(by_field)
        out: dict[str, Any] = {"params": params}
        for key in ("name", "note"):
            if key in attrs:
                out[key] = attrs[key]
        return out


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
    months = serializers.ListField(
        label=_("Month (empty: this month)"),
        child=MonthField(allow_blank=True),
        required=False,
        max_length=36,
    )

    def validate_months(self, value: list[Any]) -> list[date] | None:
        return [m for m in value if m] or None


class PeaceImportFileSerializer(serializers.Serializer):
    """A delivery as a file (CSV or XLSX) with the source's columns, for whole months."""

    source = serializers.ChoiceField(label=_("Source"), choices=DataSource.choices)  # type: ignore[assignment]
    first_month = MonthField(label=_("First month covered"))
    last_month = MonthField(label=_("Last month covered"))
    file = serializers.FileField(label=_("File (CSV or XLSX)"))
    dry_run = serializers.BooleanField(
        label=_("Preview only"),
        help_text=_("Check the rows and say what would be added, changed and removed; import nothing."),
        required=False,
        default=False,
    )
    confirm_removals = serializers.BooleanField(
        label=_("Remove the rows of these months that the delivery leaves out"),
        help_text=_(
            "A delivery replaces its months whole: without this, one that would remove rows is refused."
        ),
        required=False,
        default=False,
    )

    def validate_file(self, value: Any) -> Any:
        from governance.spreadsheets import MAX_UPLOAD_BYTES

        if value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(_("The file is too large."))
        return value


class PeaceImportInputSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(label=_("Source"), choices=DataSource.choices)
    first_month = MonthField(label=_("First month covered"))
    last_month = MonthField(label=_("Last month covered"))
    rows = serializers.ListField(
        label=_("Rows"),
        child=serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=200)),
        max_length=50_000,
        help_text="Rows keyed by column: for cases ref, village (code), date, severity, veto, late, alert; "
        "for petitions ref, village, date, kind; for surveys village, month, respondents, safe. "
        "An empty list says the months had none.",
    )
    dry_run = serializers.BooleanField(
        label=_("Preview only"),
        help_text=_("Check the rows and say what would be added, changed and removed; import nothing."),
        required=False,
        default=False,
    )
    confirm_removals = serializers.BooleanField(
        label=_("Remove the rows of these months that the delivery leaves out"),
        help_text=_(
            "A delivery replaces its months whole: without this, one that would remove rows is refused."
        ),
        required=False,
        default=False,
    )


class PeaceImportChangeSerializer(serializers.Serializer):
    month = serializers.DateField()
    village_id = serializers.IntegerField()
    village = serializers.CharField()
    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    removed = serializers.IntegerField()


class PeaceImportPreviewSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    removed = serializers.IntegerField()
    rows = PeaceImportChangeSerializer(many=True)


class PeaceImportResultSerializer(serializers.Serializer):
    """The delivery imported (``batch``, ``rows``), or for a dry run none of it (null) and what it
    would change (``preview``)."""

    batch = serializers.IntegerField(source="batch.pk", allow_null=True, default=None)
    rows = serializers.IntegerField(source="batch.rows", allow_null=True, default=None)
    created = serializers.BooleanField()
    preview = PeaceImportPreviewSerializer(allow_null=True)
