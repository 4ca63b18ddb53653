"""Who acts: a logged-in user, an anonymous visitor, or the system itself (``None``)."""

from django.contrib.auth.models import AnonymousUser, User

Actor = User | AnonymousUser | None
