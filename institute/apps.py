from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstituteConfig(AppConfig):
    name = "institute"
    verbose_name = _("Institute")
