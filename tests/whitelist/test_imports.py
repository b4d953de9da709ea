"""Whitelist imports: every kind of bad row, GB18030 and XLSX files, re-import idempotency,
upload limits and types, maker-checker publication, scoping, memberships and follow-up."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from hub.identifiers import make_uscc
from hub.models import AuditEvent
from lending.models import Match
from tests.hub.factories import OrganizationFactory, UserFactory
from tests.lending.factories import ProductFactory
from whitelist.models import Whitelist, WhitelistEntry, WhitelistImport
from whitelist.services.imports import import_run

pytestmark = pytest.mark.django_db

HEADER = "uscc,name,reason,recommended_amount,valid_until"
FUTURE = (timezone.localdate() + timedelta(days=365)).isoformat()


def uscc(serial):
    return make_uscc(region_code="410100", serial=serial)


def csv_bytes(*lines, encoding="utf-8", bom=False):
    text = "\n".join([HEADER, *lines]) + "\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


@pytest.fixture
def whitelist(api_client_for, platform_admin):
    body = {
        "name": "郑州市专精特新企业白名单",
        "kind": "specialized",
        "region_code": "410100",
        "policy_basis": "郑政〔2026〕1号",
    }
    return api_client_for(platform_admin).post("/api/v1/whitelists/", body, format="json").json()


@pytest.fixture
def checker(platform_admin):
    """A colleague of the importer: the one who may publish."""
    return UserFactory(organization=platform_admin.organization, role="staff")


def upload(client, whitelist_id, content: bytes, name="list.csv", capture=None):
    file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(f"/api/v1/whitelists/{whitelist_id}/imports/", {"file": file}, format="multipart")


def run(response, django_capture_on_commit_callbacks=None):
    assert response.status_code == 202, response.content
    import_run(import_id=response.json()["id"])
    return WhitelistImport.objects.get(pk=response.json()["id"])


def test_a_platform_creates_a_whitelist(whitelist):
    assert (whitelist["status"], whitelist["kind"], whitelist["version"]) == ("draft", "specialized", None)


def test_a_clean_csv_becomes_the_draft(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    response = upload(
        client,
        whitelist["id"],
        csv_bytes(f"{uscc(1)},郑州甲科技有限公司,专精特新,500000.00,{FUTURE}", f"{uscc(2)},郑州乙制造有限公司,,,"),
    )

    assert set(response.json()) >= {"id", "status", "total_rows", "processed_rows"}
    done = run(response)

    assert (done.status, done.total_rows, done.processed_rows, done.accepted, done.rejected) == (
        "succeeded",
        2,
        2,
        2,
        0,
    )
    detail = client.get(f"/api/v1/whitelist-imports/{done.pk}/").json()
    assert detail["errors"] == [] and detail["status"] == "succeeded"
    entries = {entry.uscc: entry for entry in WhitelistEntry.objects.all()}
    assert entries[uscc(1)].recommended_amount == Decimal("500000.00")
    assert entries[uscc(2)].valid_until is None


def test_every_kind_of_bad_row_is_reported_with_row_field_and_message(api_client_for, platform_admin, whitelist):
    good = uscc(10)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    lines = [
        f"{good},好企业,,100.00,{FUTURE}",  # row 2: fine
        f"{wrong_check},校验码错误,,,",  # row 3: check character
        ",没有代码,,,",  # row 4: missing uscc
        f"{uscc(11)},,,,",  # row 5: missing name
        f"{uscc(12)},金额错误,,五十万,",  # row 6: amount not a number
        f"{uscc(13)},金额为负,,-5,",  # row 7: negative amount
        f"{uscc(14)},金额三位小数,,1.005,",  # row 8: too many decimals
        f"{uscc(15)},日期错误,,,2026-02-30",  # row 9: impossible date
        f"{uscc(16)},已过期,,,2020-01-01",  # row 10: past date
        f"{good},重复,,,",  # row 11: duplicate of row 2
        "91410100MA00000X,太短,,,",  # row 12: length
    ]
    done = run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(*lines)))

    errors = {(error.row, error.field): error.message for error in done.errors.all()}
    assert done.status == "succeeded" and done.accepted == 1 and done.rejected == 10
    assert "check character" in errors[(3, "uscc")] or "校验码" in errors[(3, "uscc")]
    assert set(errors) >= {
        (3, "uscc"),
        (4, "uscc"),
        (5, "name"),
        (6, "recommended_amount"),
        (7, "recommended_amount"),
        (8, "recommended_amount"),
        (9, "valid_until"),
        (10, "valid_until"),
        (11, "uscc"),
        (12, "uscc"),
    }
    assert "2" in errors[(11, "uscc")]  # names the row it duplicates
    assert list(WhitelistEntry.objects.values_list("uscc", flat=True)) == [good]


def test_the_error_report_downloads_as_csv(api_client_for, platform_admin, whitelist):
    done = run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(",没有代码,,,")))

    response = api_client_for(platform_admin).get(f"/api/v1/whitelist-imports/{done.pk}/errors.csv")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "row,field,message"
    assert text.splitlines()[1].startswith("2,uscc,")


def test_gb18030_and_bom_csv_files_are_read(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(20)},郑州市中原区某某商贸有限公司,,,", encoding="gb18030")))
    assert WhitelistEntry.objects.get().name == "郑州市中原区某某商贸有限公司"

    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(21)},郑州BOM公司,,,", bom=True)))
    assert WhitelistEntry.objects.get().name == "郑州BOM公司"


def test_an_xlsx_file_is_read_with_native_dates_and_numbers(api_client_for, platform_admin, whitelist):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([uscc(30), "郑州表格公司", "首贷培育", 300000, timezone.localdate() + timedelta(days=100)])
    sheet.append([uscc(31), "坏日期公司", "", "", "明年"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    done = run(upload(api_client_for(platform_admin), whitelist["id"], buffer.getvalue(), name="list.xlsx"))

    assert (done.accepted, done.rejected) == (1, 1)
    entry = WhitelistEntry.objects.get()
    assert entry.recommended_amount == Decimal("300000.00") and entry.valid_until is not None
    assert done.errors.get().field == "valid_until"


def test_importing_the_same_file_twice_changes_nothing(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    content = csv_bytes(f"{uscc(40)},甲,,1.00,", f"{uscc(41)},乙,,,")
    run(upload(client, whitelist["id"], content))
    before = list(WhitelistEntry.objects.order_by("uscc").values_list("pk", "uscc", "name", "recommended_amount"))

    again = run(upload(client, whitelist["id"], content))

    assert again.status == "succeeded"
    assert (
        list(WhitelistEntry.objects.order_by("uscc").values_list("pk", "uscc", "name", "recommended_amount")) == before
    )


def test_a_new_file_replaces_the_draft(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(50)},甲,,,", f"{uscc(51)},乙,,,")))

    run(upload(client, whitelist["id"], csv_bytes(f"{uscc(51)},乙（更名）,,,", f"{uscc(52)},丙,,,")))

    assert dict(WhitelistEntry.objects.values_list("uscc", "name")) == {uscc(51): "乙（更名）", uscc(52): "丙"}


def test_running_an_import_twice_is_harmless(api_client_for, platform_admin, whitelist):
    response = upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(60)},甲,,,"))
    run(response)

    assert import_run(import_id=response.json()["id"]) == "succeeded"
    assert WhitelistEntry.objects.count() == 1


def test_a_file_without_the_header_fails_with_a_clear_message(api_client_for, platform_admin, whitelist):
    done = run(upload(api_client_for(platform_admin), whitelist["id"], b"code,title\nx,y\n"))

    assert done.status == "failed" and "uscc" in done.error
    assert AuditEvent.objects.filter(action="whitelist.import_failed", object_id=str(done.pk)).exists()


def test_other_file_types_are_415_and_large_ones_413(api_client_for, platform_admin, whitelist, settings):
    client = api_client_for(platform_admin)

    pdf = upload(client, whitelist["id"], b"%PDF-1.7 ...", name="list.pdf")
    zip_named_csv = upload(client, whitelist["id"], b"PK\x03\x04 not a workbook", name="list.zip")
    settings.WHITELIST_MAX_UPLOAD_BYTES = 100
    large = upload(client, whitelist["id"], csv_bytes(*[f"{uscc(70 + i)},企业{i},,," for i in range(10)]))

    assert pdf.status_code == 415 and pdf.json()["error"]["code"] == "unsupported_file_type"
    assert zip_named_csv.status_code == 415
    assert large.status_code == 413 and "file" in large.json()["error"]["fields"]
    assert not WhitelistImport.objects.exists()


def test_a_missing_file_field_is_named(api_client_for, platform_admin, whitelist):
    response = api_client_for(platform_admin).post(
        f"/api/v1/whitelists/{whitelist['id']}/imports/", {}, format="multipart"
    )

    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


# --- publication ----------------------------------------------------------------------------------


def test_the_importer_cannot_publish_a_colleague_can(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(80)},甲,,,")))

    refused = api_client_for(platform_admin).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    published = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    assert refused.status_code == 403 and refused.json()["error"]["code"] == "maker_checker"
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert (published.json()["version"], published.json()["added"]) == (1, 1)
    entries = api_client_for(checker).get(f"/api/v1/whitelists/{whitelist['id']}/entries/").json()["results"]
    assert [(row["uscc"], row["name"]) for row in entries] == [(uscc(80), "甲")]


def test_the_diff_counts_added_removed_and_changed(api_client_for, platform_admin, checker, whitelist):
    importer = api_client_for(platform_admin)
    run(upload(importer, whitelist["id"], csv_bytes(f"{uscc(90)},甲,,,", f"{uscc(91)},乙,,,")))
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    run(upload(importer, whitelist["id"], csv_bytes(f"{uscc(91)},乙,,2.00,", f"{uscc(92)},丙,,,")))

    assert importer.get(f"/api/v1/whitelists/{whitelist['id']}/diff/").json() == {
        "added": 1,
        "removed": 1,
        "changed": 1,
    }
    second = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/").json()
    assert (second["version"], second["entries"], second["added"], second["removed"], second["changed"]) == (
        2,
        2,
        1,
        1,
        1,
    )
    # The first version stays frozen.
    assert Whitelist.objects.get().versions.get(number=1).entries.count() == 2


def test_other_organizations_cannot_read_or_change_a_whitelist(api_client_for, whitelist, bank_officer, outsider):
    other_platform = UserFactory(organization=OrganizationFactory(kind="platform"), role="admin")
    for intruder in (api_client_for(other_platform), api_client_for(bank_officer), api_client_for(outsider)):
        assert intruder.get(f"/api/v1/whitelists/{whitelist['id']}/").status_code == 404
        assert upload(intruder, whitelist["id"], csv_bytes(f"{uscc(99)},甲,,,")).status_code == 404
        assert intruder.post(f"/api/v1/whitelists/{whitelist['id']}/publish/").status_code == 404
    assert not WhitelistImport.objects.exists()


def test_a_regulator_over_the_region_reads_it(api_client_for, regulator_user, whitelist):
    assert api_client_for(regulator_user).get(f"/api/v1/whitelists/{whitelist['id']}/").status_code == 200


@pytest.mark.parametrize("persona", ["bank_officer", "enterprise_admin"])
def test_only_platforms_and_regulators_create_whitelists(request, api_client_for, persona):
    body = {"name": "x", "kind": "local", "region_code": "410100"}

    assert (
        api_client_for(request.getfixturevalue(persona)).post("/api/v1/whitelists/", body, format="json").status_code
        == 403
    )


# --- banks: follow-up, memberships, eligibility ----------------------------------------------------------


def test_published_entries_become_follow_up_matches_for_banks_serving_the_region(
    api_client_for, platform_admin, checker, whitelist, bank, enterprise, django_capture_on_commit_callbacks
):
    far_bank = OrganizationFactory(kind="bank", code="FAR", region_code="110000")
    unregistered = uscc(101)
    run(
        upload(
            api_client_for(platform_admin),
            whitelist["id"],
            csv_bytes(f"{enterprise.code},{enterprise.name},专精特新,800000.00,", f"{unregistered},未注册企业,,,"),
        )
    )

    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    matches = Match.objects.filter(source="whitelist")
    assert {(m.bank_id, m.enterprise_code) for m in matches} == {(bank.pk, enterprise.code), (bank.pk, unregistered)}
    assert not matches.filter(bank=far_bank).exists()
    registered = matches.get(enterprise_code=enterprise.code)
    assert registered.enterprise == enterprise and registered.intended_amount == Decimal("800000.00")
    assert registered.contact_due_at.date() == (registered.created_at + timedelta(days=30)).date()
    # Each match is audited in the enterprise's chain, or the bank's for one not registered.
    created = {event.object_id: event for event in AuditEvent.objects.filter(action="match.intent")}
    assert set(created) == {str(match.pk) for match in matches}
    assert created[str(registered.pk)].organization_id == enterprise.pk
    assert created[str(matches.get(enterprise_code=unregistered).pk)].organization_id == bank.pk
    from whitelist.services.whitelists import new_entries_push

    version = Whitelist.objects.get().current_version
    assert new_entries_push(version_id=version.pk, previous_version_id=None, actor_id=checker.pk) == 0  # idempotent


def test_coverage_and_overdue_follow_ups(
    api_client_for,
    platform_admin,
    checker,
    whitelist,
    bank,
    bank_officer,
    enterprise,
    regulator_user,
    django_capture_on_commit_callbacks,
):
    run(
        upload(
            api_client_for(platform_admin),
            whitelist["id"],
            csv_bytes(f"{enterprise.code},{enterprise.name},,,", f"{uscc(111)},乙,,,"),
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    contacted = Match.objects.get(enterprise_code=enterprise.code)
    api_client_for(bank_officer).post(
        f"/api/v1/matches/{contacted.pk}/progress/", {"status": "signed", "amount": "500000.00"}, format="json"
    )
    Match.objects.filter(enterprise_code=uscc(111)).update(contact_due_at=timezone.now() - timedelta(days=1))

    coverage = api_client_for(regulator_user).get(f"/api/v1/whitelists/{whitelist['id']}/coverage/").json()
    overdue = api_client_for(platform_admin).get(f"/api/v1/whitelists/{whitelist['id']}/overdue/").json()["results"]

    assert coverage == {
        "listed": 2,
        "contacted": 1,
        "credit_granted": 1,
        "signed_amount": "500000.00",
        "disbursed_amount": "0.00",
        "overdue": 1,
    }
    assert [row["enterprise"] for row in overdue] == [uscc(111)]


def test_banks_see_memberships_and_applications_carry_the_flag(
    api_client_for, platform_admin, checker, whitelist, bank, bank_officer, enterprise, enterprise_admin
):
    from tests.connectors.factories import AuthorizationFactory

    run(
        upload(
            api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{enterprise.code},{enterprise.name},推荐,,")
        )
    )
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    memberships = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).json()
    assert [(row["name"], row["reason"], row["version"]) for row in memberships] == [
        ("郑州市专精特新企业白名单", "推荐", 1)
    ]
    lower = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code.lower()})
    assert lower.json() == memberships  # codes are read as upper case, as everywhere
    bad = api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": "not-a-code"})
    assert bad.status_code == 400 and "uscc" in bad.json()["error"]["fields"]
    assert (
        api_client_for(enterprise_admin).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).status_code
        == 403
    )

    product = ProductFactory(bank=bank, eligibility={"whitelist_required": True})
    AuthorizationFactory(enterprise=enterprise, bank=bank, granted_by=enterprise_admin)
    application = (
        api_client_for(enterprise_admin)
        .post(
            "/api/v1/applications/",
            {"product": product.pk, "amount": "200000.00", "term_months": 12, "purpose": "研发"},
            format="json",
        )
        .json()
    )
    assert application["whitelisted"] is True
    rules = api_client_for(enterprise_admin).get("/api/v1/recommendations/").json()[0]["rules"]
    assert rules == [{"rule": "whitelist_required", "result": "passed", "detail": rules[0]["detail"]}]

    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/archive/")
    assert api_client_for(bank_officer).get("/api/v1/whitelist-memberships/", {"uscc": enterprise.code}).json() == []


def test_publishing_an_unchanged_draft_again_is_refused(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(120)},甲,,,")))
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    again = api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")

    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_changed"


def test_an_archived_whitelist_refuses_uploads_with_409(api_client_for, platform_admin, whitelist):
    client = api_client_for(platform_admin)
    client.post(f"/api/v1/whitelists/{whitelist['id']}/archive/")

    response = upload(client, whitelist["id"], csv_bytes(f"{uscc(130)},甲,,,"))

    assert response.status_code == 409 and response.json()["error"]["code"] == "archived"


def test_a_failed_import_does_not_make_its_uploader_the_maker(api_client_for, platform_admin, checker, whitelist):
    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{uscc(121)},甲,,,")))
    run(upload(api_client_for(checker), whitelist["id"], b"code,title\nx,y\n"))  # fails: no header

    assert api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/").status_code == 200


def test_a_running_import_shows_no_errors_until_it_ends(api_client_for, platform_admin, whitelist):
    response = upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(",没有代码,,,"))
    WhitelistImport.objects.filter(pk=response.json()["id"]).update(status="running")
    ImportRowError = WhitelistImport.errors.rel.related_model
    ImportRowError.objects.create(whitelist_import_id=response.json()["id"], row=2, field="uscc", message="x")

    detail = api_client_for(platform_admin).get(f"/api/v1/whitelist-imports/{response.json()['id']}/").json()

    assert detail["errors"] == [] and detail["errors_total"] == 1


def test_a_passing_database_error_in_the_follow_up_push_is_retried(
    api_client_for, platform_admin, checker, whitelist, bank, enterprise, monkeypatch
):
    from django.db import OperationalError

    from whitelist import tasks

    run(upload(api_client_for(platform_admin), whitelist["id"], csv_bytes(f"{enterprise.code},{enterprise.name},,,")))
    monkeypatch.setattr(tasks.push_new_entries, "delay_on_commit", lambda *args: None)  # delivered by hand below
    api_client_for(checker).post(f"/api/v1/whitelists/{whitelist['id']}/publish/")
    version = Whitelist.objects.get().current_version
    real_push, calls = tasks.new_entries_push, []

    def fails_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_push(**kwargs)

    monkeypatch.setattr(tasks, "new_entries_push", fails_once)
    result = tasks.push_new_entries.apply(args=(version.pk, None, checker.pk), throw=False)  # eager: retried at once

    assert result.get() == 1 and len(calls) == 2
    assert Match.objects.filter(source="whitelist", bank=bank, enterprise_code=enterprise.code).count() == 1
