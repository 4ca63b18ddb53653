"""Group disputes: parties imported from a spreadsheet, every row checked before any is added."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from disputes.models import Dispute, Party
from disputes.services import group_parties_import, party_progress
from governance.errors import PermissionDenied, ValidationFailed
from tests.disputes.factories import accepted, world

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8-sig")


def test_a_good_file_adds_every_party_and_makes_a_group_case_at_the_township() -> None:
    w = world()
    dispute = accepted(w, category="consumer", summary="健身房预付卡退费")
    content = csv_bytes(
        ["角色,姓名,手机号,诉求金额"] + [f"申请人,会员{i},1380000{i:04d},{1000 + i}" for i in range(40)]
    )
    added = group_parties_import(actor=w.officer, dispute=dispute, file_name="members.csv", content=content)
    assert added == 40
    dispute.refresh_from_db()
    assert dispute.parties.count() == 42
    assert (dispute.is_group, dispute.key_case, dispute.tier, dispute.people_involved) == (True, True, 2, 42)
    member = dispute.parties.get(name="会员7")
    assert (member.role, str(member.claim_amount), member.masked_phone) == (
        "applicant",
        "1007.00",
        "138****0007",
    )
    assert dispute.events.filter(verb="parties_imported", data__added=40).exists()


def test_bad_rows_are_reported_by_line_and_nothing_is_imported() -> None:
    w = world()
    dispute = accepted(w)
    content = csv_bytes(
        [
            "role,name,phone,id_number,claim_amount",
            "applicant,张一,13800000011,,100",
            "applicant,,13800000012,,100",
            "boss,王二,123,,abc",
            "applicant,赵三,,330802199001011230,",
        ]
    )
    with pytest.raises(ValidationFailed) as exc:
        group_parties_import(actor=w.officer, dispute=dispute, file_name="bad.csv", content=content)
    rows = exc.value.fields["rows"]
    assert rows[0] == "Line 3, name: This field is required."
    assert any(r.startswith("Line 4, role:") for r in rows)
    assert any(r.startswith("Line 4, phone:") for r in rows)
    assert any(r.startswith("Line 4, claim_amount:") for r in rows)
    assert any(r.startswith("Line 5, id_number:") for r in rows)
    assert "nothing was imported" in exc.value.message
    assert dispute.parties.count() == 2
    assert not dispute.events.filter(verb="parties_imported").exists()


def test_an_xlsx_file_is_read_like_a_csv() -> None:
    w = world()
    dispute = accepted(w)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "角色", "手机"])
    sheet.append(["钱五", "被申请人", 13800000021])
    sheet.append(["孙六", "第三人", None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert (
        group_parties_import(actor=w.officer, dispute=dispute, file_name="p.xlsx", content=buffer.getvalue())
        == 2
    )
    assert set(dispute.parties.filter(name__in=["钱五", "孙六"]).values_list("role", flat=True)) == {
        "respondent",
        "third",
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("x.txt", b"a,b", "Upload a .csv or .xlsx file."),
        ("x.xlsx", b"not a zip", "The file is not a readable XLSX workbook."),
        ("x.csv", b"", "The file is empty."),
        ("x.csv", b"foo,bar\n1,2\n", "The first row must name the columns."),
        ("x.csv", b"name\n" + b"a\n" * 5001, "The file has more than 5000 rows."),
    ],
)
def test_a_file_that_is_not_a_party_list_is_refused(name: str, content: bytes, message: str) -> None:
    w = world()
    dispute = accepted(w)
    with pytest.raises(ValidationFailed, match=message):
        group_parties_import(actor=w.officer, dispute=dispute, file_name=name, content=content)
    assert dispute.parties.count() == 2


def test_a_huge_upload_is_refused_before_it_is_read() -> None:
    w = world()
    dispute = accepted(w)
    with pytest.raises(ValidationFailed, match="larger than 5 MB"):
        group_parties_import(
            actor=w.officer, dispute=dispute, file_name="x.csv", content=b"x" * (5 * 1024 * 1024 + 1)
        )


def test_someone_outside_the_case_cannot_import() -> None:
    w = world()
    dispute = accepted(w)
    with pytest.raises(PermissionDenied):
        group_parties_import(
            actor=w.officer_b, dispute=dispute, file_name="x.csv", content=csv_bytes(["name", "a"])
        )
    assert Party.objects.count() == 2


def test_progress_per_party_is_tracked_on_the_timeline() -> None:
    w = world()
    dispute = accepted(w)
    party = dispute.parties.get(role="applicant")
    party_progress(actor=w.officer, party=party, progress="settled", note="已退款")
    party_progress(actor=w.officer, party=party, progress="settled")
    party.refresh_from_db()
    assert (party.progress, party.note) == ("settled", "已退款")
    assert Dispute.objects.get(pk=dispute.pk).events.filter(verb="party_progress").count() == 1
    with pytest.raises(ValidationFailed):
        party_progress(actor=w.officer, party=party, progress="vanished")
