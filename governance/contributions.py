"""What each app adds to the builds the core composes (the demo county, the benchmark city),
found by module name as Django finds ``admin.py``: the core never imports the apps built on it."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule


def app_contributions(name: str) -> list[ModuleType]:
    """The ``<app>.<name>`` module of every installed app but the core, in the order each one
    declares in ``ORDER`` (lowest first; ties keep the order of ``INSTALLED_APPS``). An app whose
    build reads another's rows declares a higher number than that one."""
    found = [
        import_module(f"{config.name}.{name}")
        for config in apps.get_app_configs()
        if config.name != "governance" and module_has_submodule(config.module, name)
    ]
    for module in found:
        if not isinstance(getattr(module, "ORDER", None), int):
            raise ImproperlyConfigured(
                f"{module.__name__} must declare ORDER (an int): its place in the build."
            )
    return sorted(found, key=lambda module: module.ORDER)
