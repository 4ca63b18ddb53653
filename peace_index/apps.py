from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeaceIndexConfig(AppConfig):
    name = "peace_index"
    verbose_name = _("Peace index")
