"""Bad input across the apps: markup is escaped wherever it is shown, oversize and wrongly typed
fields get field-level errors, unknown ids are 404, malformed and huge uploads are refused, and
an upload's name is never a path: nothing of it is written to disk. Each refusal changes nothing."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from disputes.models import Dispute, Party
from peace_index.models import CriminalCase, ImportBatch
from peace_index.services import version_draft_create, version_publish
from stations.models import Alert
from tests.disputes.factories import accepted, registered, world

pytestmark = pytest.mark.django_db

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def w():
    return world()


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_markup_in_a_case_is_escaped_on_its_page_and_in_the_ledger(client, w):
    dispute = registered(w, summary=MARKUP, description=MARKUP)
    client.force_login(w.officer)
    for url in (f"/disputes/{dispute.pk}/", "/disputes/?q=script"):
        html = client.get(url).content.decode()
        assert "<script>alert(" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html


def test_oversize_and_wrongly_typed_alert_fields_are_refused_by_field(w):
    api = api_for(w.officer)
    base = {"channel": "110", "category": "dispute", "summary": "纠纷", "address": "下张村5号",
            "village_code": w.c.village_a2.code}  # fmt: skip
    too_long = api.post("/api/v1/alerts/", base | {"summary": "长" * 201}, format="json")
    assert too_long.status_code == 400 and list(too_long.json()["error"]["fields"]) == ["summary"]
    wrong_type = api.post("/api/v1/alerts/", base | {"lng": "east", "lat": [1]}, format="json")
    assert wrong_type.status_code == 400
    assert {"lng", "lat"} <= set(wrong_type.json()["error"]["fields"])
    assert Alert.objects.count() == 0


def test_unknown_ids_are_404_in_the_one_error_shape(w):
    api = api_for(w.officer)
    for url in ("/api/v1/disputes/987654/", "/api/v1/peace/villages/987654/portrait/"):
        response = api.get(url)
        assert response.status_code == 404
        assert set(response.json()["error"]) >= {"code", "message"}


def test_a_malformed_xlsx_and_a_huge_file_are_refused_and_import_nothing(w):
    dispute = accepted(w)
    api = api_for(w.officer)
    before = Party.objects.filter(dispute=dispute).count()
    broken = SimpleUploadedFile(
        "members.xlsx", b"this is not a zip file", content_type="application/octet-stream"
    )
    response = api.post(
        f"/api/v1/disputes/{dispute.pk}/parties/import/", {"file": broken}, format="multipart"
    )
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]
    huge = SimpleUploadedFile(
        "members.csv", b"role,name\n" + b"x" * (6 * 1024 * 1024), content_type="text/csv"
    )
    response = api.post(f"/api/v1/disputes/{dispute.pk}/parties/import/", {"file": huge}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["file"] == ["The file is too large."]
    assert Party.objects.filter(dispute=dispute).count() == before
    assert Dispute.objects.get(pk=dispute.pk).is_group is False


def test_an_uploads_name_is_never_a_path_and_nothing_is_written_to_disk(client, w):
    version = version_draft_create(actor=w.county_admin, county=w.c.county, name="v1")
    version_publish(actor=w.county_admin, version=version, recompute=False)
    client.force_login(w.county_admin)
    content = f"案件编号,村代码,发案日期,严重程度\nA1,{w.c.village_a1.code},2026-10-02,轻微\n".encode()
    upload = io.BytesIO(content)
    upload.name = "../../../../etc/cron.d/evil.csv"
    with mock.patch(
        "django.core.files.storage.FileSystemStorage.save", side_effect=AssertionError("written")
    ):
        url = f"/peace/counties/{w.c.county.pk}/imports/"
        preview = client.post(
            url, {"source": "cases", "first_month": "2026-10", "last_month": "2026-10", "file": upload}
        )
        assert preview.status_code == 200
        response = client.post(url, {"staged": preview.context["staged"].token})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.file_name == "evil.csv"  # the browser's name, stripped of any directory by Django
    assert CriminalCase.objects.count() == 1
