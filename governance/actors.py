"""Who acts: a logged-in user, an anonymous visitor, or the system itself (``None``)."""

from django.contrib.auth.models import AnonymousUser, User

Actor = User | AnonymousUser | None


def user_of(actor: Actor) -> User | None:
    """The person behind ``actor``, for the columns that record who did something: ``None`` for
    the system and for an anonymous visitor."""
    return actor if isinstance(actor, User) else None
