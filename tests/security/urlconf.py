"""Every URL pattern of the platform, read from the URL configuration (``get_resolver()``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace: "disputes:case", "admin:index", "dispute-detail"
    route: str  # the pattern as written, prefixes joined: "disputes/<int:dispute_id>/"
    params: tuple[str, ...]  # the URL kwargs it takes
    callback: Callable[..., Any]

    @property
    def is_format_variant(self) -> bool:
        """DRF's ``.json`` twin of a route: the same view, listed once under the plain route."""
        return "(?P<format>" in self.route or "<drf_format_suffix:format>" in self.route

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods the view answers: a viewset's mapped actions, an APIView's handlers; for a
        plain Django view, GET and POST (a view that takes no POST must refuse it)."""
        actions = getattr(self.callback, "actions", None)
        if actions:
            return tuple(m.upper() for m in actions if m not in ("head", "options"))
        api_view = getattr(self.callback, "cls", None)
        if api_view is not None:
            return tuple(m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(api_view, m))
        return ("GET", "POST")


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = entry.name or ""
            full_name = f"{namespace}:{name}" if namespace else name
            params = tuple(entry.pattern.regex.groupindex)
            yield Route(full_name, prefix + str(entry.pattern), params, entry.callback)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver(), "", ""))


def routes_to_check() -> list[Route]:
    """One route per (name, route), without DRF's format twins; the API root of each router once."""
    seen: set[str] = set()
    result = []
    for route in all_routes():
        if route.is_format_variant or route.route in seen:
            continue
        seen.add(route.route)
        result.append(route)
    return result
