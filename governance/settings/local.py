"""The embedded default and development settings (``make run``, tests)."""

from governance.settings.base import *  # noqa: F403
