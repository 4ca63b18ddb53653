"""The API's pages: ``?limit=`` and ``?offset=``, 50 rows unless asked, never more than
``API_MAX_PAGE_SIZE`` (a larger ``limit`` is cut to it), so that no list answers everything at once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination


class ApiPagination(LimitOffsetPagination):
    def get_limit(self, request: Any) -> int | None:
        # Read per request, so that the settings in force (a deployment's, a test's) decide.
        self.max_limit = int(settings.API_MAX_PAGE_SIZE)
        return super().get_limit(request)
