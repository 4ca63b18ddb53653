"""Navigation flag of the peace index for every page (the base template shows the link)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from peace_index.selectors import user_uses_index


def peace_links(request: HttpRequest) -> dict[str, Any]:
    return {"uses_peace_index": user_uses_index(getattr(request, "user", None))}
