"""Writes to the region tree and grids."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from governance.actors import Actor
from governance.errors import Conflict, ValidationFailed
from governance.geo import bounding_box
from governance.models import Grid, Region
from governance.services.audit import audit_record, diff, snapshot

_SIX = re.compile(r"^\d{6}$")
_TWELVE = re.compile(r"^\d{12}$")


def region_code_error(*, code: str, level: int, parent: Region | None) -> str | None:
    """Why ``code`` is not a valid code for a region of ``level`` under ``parent`` (None if it is).

    GB/T 2260 six-digit codes down to the county (PP CC DD), then the twelve-digit statistical
    codes (county + TTT township + VVV village).
    """
    L = Region.Level
    if level in (L.PROVINCE, L.CITY, L.COUNTY) and not _SIX.match(code):
        return _("A province, city or county code has 6 digits.")
    if level in (L.TOWNSHIP, L.VILLAGE) and not _TWELVE.match(code):
        return _("A township or village code has 12 digits.")
    if level == L.PROVINCE:
        return None if code.endswith("0000") else _("A province code ends in 0000.")
    if parent is None:
        return _("Only a province has no parent region.")
    if parent.level != level - 1:
        return _("The parent region must be one level above.")
    if level == L.CITY:
        ok = code[:2] == parent.code[:2] and code.endswith("00") and not code.endswith("0000")
        return None if ok else _("A city code starts with its province's 2 digits and ends in 00.")
    if level == L.COUNTY:
        ok = code[:4] == parent.code[:4] and not code.endswith("00")
        return None if ok else _("A county code starts with its city's 4 digits and does not end in 00.")
    if level == L.TOWNSHIP:
        ok = code[:6] == parent.code and code[9:] == "000" and code[6:9] != "000"
        return None if ok else _("A township code is its county's 6 digits, 3 digits, then 000.")
    ok = code[:9] == parent.code[:9] and code[9:] != "000"
    return None if ok else _("A village code is its township's first 9 digits and 3 digits other than 000.")


def boundary_error(boundary: Any) -> str | None:
    """Why ``boundary`` is not a usable GeoJSON Polygon or MultiPolygon in WGS-84 (None if it is)."""
    if boundary is None:
        return None
    if not isinstance(boundary, dict) or boundary.get("type") not in ("Polygon", "MultiPolygon"):
        return _("The boundary must be a GeoJSON Polygon or MultiPolygon.")
    polygons = boundary.get("coordinates") or []
    if boundary["type"] == "Polygon":
        polygons = [polygons]
    try:
        for polygon in polygons:
            for ring in polygon:
                if len(ring) < 4 or ring[0] != ring[-1]:
                    return _("Each boundary ring needs at least 4 positions and must be closed.")
                for lng, lat, *_rest in ring:
                    if not (-180 <= float(lng) <= 180 and -90 <= float(lat) <= 90):
                        return _("Boundary positions must be longitude, latitude in WGS-84.")
    except (TypeError, ValueError):
        return _("The boundary coordinates are malformed.")
    return None


_EDITABLE = ("name", "urban_rural", "population", "households", "boundary")
_BBOX_FIELDS = ("min_lng", "min_lat", "max_lng", "max_lat")


def _bbox(boundary: dict[str, Any] | None) -> dict[str, float | None]:
    values = bounding_box(boundary) if boundary else (None, None, None, None)
    return dict(zip(_BBOX_FIELDS, values, strict=True))


@transaction.atomic
def region_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    level: int,
    parent: Region | None = None,
    urban_rural: str = "",
    population: int = 0,
    households: int = 0,
    boundary: dict[str, Any] | None = None,
) -> Region:
    code = code.strip()
    fields: dict[str, list[str]] = {}
    if (error := region_code_error(code=code, level=level, parent=parent)) is not None:
        fields["code"] = [error]
    if not name.strip():
        fields["name"] = [_("This field is required.")]
    if (error := boundary_error(boundary)) is not None:
        fields["boundary"] = [error]
    if urban_rural and urban_rural not in Region.UrbanRural.values:
        fields["urban_rural"] = [_("Unknown urban-rural class.")]
    if population < 0 or households < 0:
        fields["population"] = [_("Population and households cannot be negative.")]
    if fields:
        raise ValidationFailed(_("The region is not valid."), fields=fields)
    region = Region(
        **_bbox(boundary),
        code=code,
        name=name.strip(),
        level=level,
        parent=parent,
        path=f"{parent.path if parent else '/'}{code}/",
        urban_rural=urban_rural,
        population=population,
        households=households,
        boundary=boundary,
    )
    try:
        with transaction.atomic():
            region.save()
    except IntegrityError as exc:
        raise Conflict(
            _("A region with code %(code)s already exists.") % {"code": code},
            fields={"code": [_("This code is already used.")]},
        ) from exc
    audit_record(
        actor=actor, verb="region.create", target=region, changes=diff({}, snapshot(region, _EDITABLE))
    )
    return region


@transaction.atomic
def region_update(*, actor: Actor, region: Region, **changes: Any) -> Region:
    """Change a region's descriptive fields. The code, level and parent (its place in the tree)
    are fixed: a region that moved is a new region in the statistical tables too."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed."), fields={k: [_("Read-only.")] for k in sorted(unknown)}
        )
    region = Region.objects.select_for_update().get(pk=region.pk)
    if "boundary" in changes and (error := boundary_error(changes["boundary"])) is not None:
        raise ValidationFailed(_("The region is not valid."), fields={"boundary": [error]})
    before = snapshot(region, _EDITABLE)
    for key, value in changes.items():
        setattr(region, key, value)
    changed = diff(before, snapshot(region, _EDITABLE))
    if changed:
        extra = []
        if "boundary" in changed:
            for key, value in _bbox(region.boundary).items():
                setattr(region, key, value)
            extra = list(_BBOX_FIELDS)
        region.save(update_fields=[*changed, *extra, "updated_at"])
        audit_record(actor=actor, verb="region.update", target=region, changes=changed)
    return region


@transaction.atomic
def grid_create(
    *,
    actor: Actor,
    village: Region,
    code: str,
    name: str,
    kind: str = Grid.Kind.SERVICE,
    households: int = 0,
) -> Grid:
    if village.level != Region.Level.VILLAGE:
        raise ValidationFailed(
            _("The grid is not valid."), fields={"village": [_("A grid lies inside a village.")]}
        )
    if Grid.objects.filter(village=village, code=code).exists():
        raise Conflict(
            _("The grid is not valid."), fields={"code": [_("This code is already used in the village.")]}
        )
    grid = Grid.objects.create(village=village, code=code, name=name, kind=kind, households=households)
    audit_record(
        actor=actor, verb="grid.create", target=grid, changes=diff({}, {"village": village.pk, "code": code})
    )
    return grid


@transaction.atomic
def grid_assign_worker(*, actor: Actor, grid: Grid, worker: User) -> Grid:
    """Put a grid worker on a grid. Assigning twice is a no-op."""
    if grid.workers.filter(pk=worker.pk).exists():
        return grid
    grid.workers.add(worker)
    audit_record(actor=actor, verb="grid.assign_worker", target=grid, changes={"worker": [None, worker.pk]})
    return grid
