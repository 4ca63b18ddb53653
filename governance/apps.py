from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from governance import jurisdiction_cache
        from governance.sessions import mark_refreshed

        # Session plumbing, not business logic: the idle timeout starts at the login.
        user_logged_in.connect(mark_refreshed, dispatch_uid="governance.sessions.mark_refreshed")
        # A jurisdiction kept between requests is dropped when what it is made of changes.
        jurisdiction_cache.connect()
