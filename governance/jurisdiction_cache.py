"""A user's jurisdiction kept between requests (the cache of ``governance.selectors.jurisdiction_for``).

Working it out costs three queries and about 7 ms (memberships with their agencies and regions,
the served regions, django-guardian's grants), on every page of every user. It changes when a
membership, an agency, a region or a grant does, which is rare; so it is kept in the shared cache
under a *generation*: any change to those rows draws a new generation, and every jurisdiction
stored under an older one is ignored from then on. There is no window in which a revoked role
still opens a page:

* the generation is drawn at once (the writing request itself sees the change), and again when
  the transaction commits, so a request that read the old rows while the change was not yet
  committed cannot store them under the new generation;
* the rows are read from the primary, never from a lagging replica;
* a connection whose open transaction has drawn a generation stores nothing: what it reads may
  be rolled back, and the generation drawn at once would then stay current;
* writes that bypass the model signals (``QuerySet.update``, ``bulk_create``), a restore and
  every ``migrate`` (which may come with new role capabilities) call ``invalidate`` themselves;
* the key holds the user's ``date_joined`` as well as the id, so a database rebuilt with the
  same ids never meets an older user's entry, and entries expire after ``TTL`` anyway.

If the cache cannot be reached, the jurisdiction is worked out from the database as before.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction

if TYPE_CHECKING:
    from governance.selectors import Jurisdiction

log = logging.getLogger(__name__)

GENERATION_KEY = "rz:jurisdiction:generation"
# A bound on any entry's life, whatever happens to the generation.
TTL = 600


def _key(user: Any) -> str:
    joined = user.date_joined.timestamp() if getattr(user, "date_joined", None) else 0
    return f"rz:jurisdiction:{user.pk}:{joined:.6f}"


def load(user: Any) -> tuple[Jurisdiction | None, str | None]:
    """The stored jurisdiction of ``user`` if it is of the current generation, and the current
    generation (drawn if there is none), to store a new one under: it is read *before* the rows
    the new one is made of. ``(None, None)`` when the cache is out of reach."""
    key = _key(user)
    try:
        found = cache.get_many([GENERATION_KEY, key])
        generation, entry = found.get(GENERATION_KEY), found.get(key)
        if generation is None:
            # Another process may draw one at the same moment: the one in the cache wins.
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            return None, cache.get(GENERATION_KEY)
    except Exception:  # a cache that is down costs the queries, never the page
        log.warning("jurisdiction cache unavailable", exc_info=True)
        return None, None
    if entry is not None and entry[0] == generation:
        return entry[1], generation
    return None, generation


def _invalidation_pending() -> bool:
    """Whether the open transaction has changed rows a jurisdiction is made of (it may roll back)."""
    conn = transaction.get_connection()
    return conn.in_atomic_block and any(entry[1] is _new_generation for entry in conn.run_on_commit)


def store(user: Any, generation: str | None, jurisdiction: Jurisdiction) -> None:
    if generation is None or _invalidation_pending():
        return
    try:
        cache.set(_key(user), (generation, jurisdiction), timeout=TTL)
    except Exception:
        log.warning("jurisdiction cache unavailable", exc_info=True)


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Entries written under the old generation expire after TTL; until the cache is back
        # nobody reads them either (load fails the same way).
        log.warning("jurisdiction cache unavailable: generation not renewed", exc_info=True)


def invalidate() -> None:
    """Every stored jurisdiction is stale: now, and again when the current transaction commits."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _changed(sender: Any, **kwargs: Any) -> None:
    invalidate()


def _m2m_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        invalidate()


def connect() -> None:
    """Draw a new generation whenever a row a jurisdiction is made of changes (apps.ready)."""
    from django.contrib.auth.models import User
    from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from governance.models import Agency, Membership, Region

    for model in (Membership, Agency, Region, UserObjectPermission, GroupObjectPermission):
        uid = f"governance.jurisdiction_cache.{model.__name__}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete")
    for through in (Agency.served_regions.through, User.groups.through):
        m2m_changed.connect(
            _m2m_changed, sender=through, dispatch_uid=f"governance.jurisdiction_cache.{through}"
        )
    # Migrations write through historical models (no signal above) and a deploy may bring new
    # role capabilities: every migrate starts a new generation.
    post_migrate.connect(_changed, dispatch_uid="governance.jurisdiction_cache.migrate")
