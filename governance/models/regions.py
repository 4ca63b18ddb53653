"""The administrative region tree and the grids inside villages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def path_ancestors(path: str) -> list[str]:
    """Materialised paths of the ancestors of the region at ``path``, root first."""
    codes = [c for c in path.split("/") if c]
    return ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes))]


class Region(models.Model):
    """A node of province > city > county > township > village.

    ``path`` is a materialised path of codes (``/330000/330800/330802/330802001000/``) so that
    "everything under this township" is one indexed prefix query, never a walk of the tree.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        CITY = 2, _("City")
        COUNTY = 3, _("County")
        TOWNSHIP = 4, _("Township")
        VILLAGE = 5, _("Village")

    class UrbanRural(models.TextChoices):
        # National Bureau of Statistics urban-rural classification codes (统计用城乡划分代码).
        MAIN_URBAN = "111", _("Main urban area")
        URBAN_FRINGE = "112", _("Urban-rural fringe")
        TOWN_CENTRE = "121", _("Town centre")
        TOWN_FRINGE = "122", _("Town-rural fringe")
        SPECIAL_AREA = "123", _("Special area")
        TOWNSHIP_CENTRE = "210", _("Township centre")
        RURAL = "220", _("Village")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=100, unique=True, editable=False)
    urban_rural = models.CharField(
        _("urban-rural class"), max_length=3, choices=UrbanRural.choices, blank=True
    )
    population = models.PositiveIntegerField(_("resident population"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    # Bounding box of the boundary, kept by the region services: an indexed prefilter for
    # "which village is this point in" before the exact polygon test.
    min_lng = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lng = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="region_level_range"),
        ]
        indexes = [
            models.Index(fields=["level", "path"], name="region_level_path"),
            models.Index(fields=["level", "min_lng", "max_lng"], name="region_level_bbox"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_urban(self) -> bool:
        return self.urban_rural.startswith("1")

    def ancestor_paths(self) -> list[str]:
        return path_ancestors(self.path)


class Grid(models.Model):
    """A block of roughly 100-300 households inside a village; police grids fused with service grids."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Service grid")
        POLICE = "police", _("Police grid")

    village = models.ForeignKey(
        Region, verbose_name=_("village"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SERVICE)
    households = models.PositiveIntegerField(_("households"), default=0)
    workers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("grid workers"), blank=True, related_name="grids"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["village__code", "code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.UniqueConstraint(fields=["village", "code"], name="grid_code_unique_in_village")
        ]

    def __str__(self) -> str:
        return self.name
