"""State machines as tables: (from-state, action, to-state) rows on the model that owns them.

The service asks the table whether an action is allowed from the object's state (and refuses
with a clear message otherwise); the pages and the API ask it what to offer. One table, so the
page cannot offer what the service refuses::

    class Summons(models.Model):
        TRANSITIONS = StateTable(
            (Status.OPEN, "verify", Status.VERIFIED),
            (Status.VERIFIED, "reopen", Status.OPEN),
        )

        def can(self, action: str) -> bool:
            return self.TRANSITIONS.allows(self.status, action)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from governance.errors import InvalidTransition


class StateTable:
    def __init__(self, *rows: tuple[Any, str, Any]) -> None:
        self.rows = tuple((str(source), action, str(target)) for source, action, target in rows)
        self._targets: dict[tuple[str, str], str] = {}
        for source, action, target in self.rows:
            if (source, action) in self._targets:
                raise ValueError(f"two rows for {action} from {source}")
            self._targets[(source, action)] = target

    @property
    def actions(self) -> list[str]:
        return sorted({action for _, action, _ in self.rows})

    def allows(self, state: str, action: str) -> bool:
        return (str(state), action) in self._targets

    def sources(self, action: str) -> frozenset[str]:
        return frozenset(source for source, a, _ in self.rows if a == action)

    def offered(self, state: str, among: Iterable[str] | None = None) -> list[str]:
        """The actions the table allows from ``state``, in the order of the table's rows."""
        wanted = set(among) if among is not None else None
        seen: list[str] = []
        for source, action, _target in self.rows:
            if source == str(state) and action not in seen and (wanted is None or action in wanted):
                seen.append(action)
        return seen

    def target(self, state: str, action: str, *, state_label: Any = None) -> str:
        """The state ``action`` leads to from ``state``; refused with a message naming both."""
        try:
            return self._targets[(str(state), action)]
        except KeyError:
            raise InvalidTransition(
                _("This cannot be done while the status is “%(status)s”.")
                % {"status": state_label if state_label is not None else state}
            ) from None
