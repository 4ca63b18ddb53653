"""Choice labels from the dictionary built once (governance.models.labels) read as Django's own,
in the language of each request, and an unknown value reads as itself."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from disputes.models import Dispute
from stations.models import Alert, DispatchOrder
from volunteers.models import Claim, Task


def djangos_label(instance: models.Model, field: models.Field) -> object:
    return models.Model._get_FIELD_display(instance, field)


def test_every_choice_of_every_mixed_in_model_reads_as_djangos_in_both_languages():
    checked = 0
    for model in (Dispute, Alert, DispatchOrder, Task, Claim):
        for field in model._meta.concrete_fields:
            if not field.choices:
                continue
            for value, _label in field.flatchoices:
                instance = model(**{field.attname: value})
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        ours = getattr(instance, f"get_{field.name}_display")()
                        assert ours == djangos_label(instance, field)
                        assert isinstance(ours, str)
                checked += 1
    assert checked > 50


def test_the_label_follows_the_language_of_the_request():
    d = Dispute(status=Dispute.Status.REGISTERED)
    with translation.override("en"):
        english = d.get_status_display()
    with translation.override("zh-hans"):
        chinese = d.get_status_display()
    assert english != chinese
    assert english == "Registered"


def test_an_unknown_value_reads_as_itself():
    assert Dispute(status="archived").get_status_display() == "archived"


@pytest.mark.django_db
def test_the_admin_names_every_app_in_words(client, chinese_default):
    """Third-party apps named by their labels read "AXES", "KNOX", "OTP_TOTP" to an administrator."""
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root_labels", password="x")
    client.force_login(admin)
    page = client.get("/admin/").content.decode()
    for raw in (">Axes<", ">Knox<", ">Otp_Totp<", ">Heartbeats<"):
        assert raw not in page
    assert "API 令牌" in page
