"""Plane geometry on WGS-84 GeoJSON polygons, enough to place a point in a village.

At village scale (a few kilometres) treating longitude and latitude as plane coordinates is
exact enough for "inside or outside"; the database prefilters by bounding box first.
"""

from __future__ import annotations

import math
from typing import Any

Ring = list[list[float]]


def polygons_of(geometry: dict[str, Any]) -> list[list[Ring]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def bounding_box(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat) of a Polygon or MultiPolygon."""
    xs = [p[0] for polygon in polygons_of(geometry) for ring in polygon for p in ring]
    ys = [p[1] for polygon in polygons_of(geometry) for ring in polygon for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(geometry: dict[str, Any], lng: float, lat: float) -> bool:
    """Whether the point lies inside the polygon (outer ring minus holes), by ray casting."""
    for polygon in polygons_of(geometry):
        if _in_ring(lng, lat, polygon[0]) and not any(_in_ring(lng, lat, hole) for hole in polygon[1:]):
            return True
    return False


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
