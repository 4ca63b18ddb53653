"""Pages of long registers whose cost does not grow with the years behind them."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows. A register of ten years (the dispute ledger of a county holds
    80,000 cases) would otherwise be counted to the last row on every page, so that the first
    page of today's cases cost more each year. Past the cap the page says "more than <cap>"
    and its pages stop there: a search or a filter narrows the list, an export takes it whole.

    The count is ``SELECT COUNT(*) FROM (SELECT ... ORDER BY ... LIMIT cap + 1)``: with the
    list's ordering on an index the database stops after ``cap + 1`` visible rows."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return int(self.object_list[: self.cap + 1].count())  # type: ignore[attr-defined]

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @property
    def capped(self) -> bool:
        """True when there are more rows than the count says."""
        return self._counted > self.cap
