"""The third-party apps under the names people read in the admin (their own configs name none,
so the admin showed "AXES", "KNOX", "OTP_TOTP"). Same apps, same labels: only what is shown."""

from __future__ import annotations

from axes.apps import AppConfig as AxesBase
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpBase


class AxesConfig(AxesBase):
    verbose_name = _("Failed logins and lockouts")


class KnoxConfig(AppConfig):
    name = "knox"
    verbose_name = _("API tokens")


class TotpConfig(TotpBase):
    verbose_name = _("Authenticator apps (two factors)")
