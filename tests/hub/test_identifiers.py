import pytest
from django.core.exceptions import ValidationError

from hub.identifiers import (
    Messages,
    make_uscc,
    organization_code_check_character,
    region_ancestors,
    region_name,
    uscc_check_character,
    uscc_errors,
    validate_region_code,
)

# Published codes of real enterprises, checked by hand against GB 32100-2015.
REAL_USCCS = ["91350100M000100Y43", "911100001000080343", "91440300708461136T"]


@pytest.mark.parametrize("uscc", REAL_USCCS)
def test_real_codes_are_valid(uscc):
    assert uscc_errors(uscc) == []


# Registered by central authorities: region characters 100000, the whole country (GB/T 2260).
CENTRAL_USCCS = ["91100000100003962T", "911000001000013428"]


@pytest.mark.parametrize("uscc", CENTRAL_USCCS)
def test_codes_of_central_registrations_are_valid_and_named_so(uscc):
    assert uscc_errors(uscc) == []
    assert region_name(uscc[2:8]) == "全国（中央登记）"


def test_the_national_code_is_no_region_an_organization_is_in():
    with pytest.raises(ValidationError):
        validate_region_code("100000")


def test_generated_codes_are_valid():
    for serial in (1, 42, 999_999, 12_345_678):
        assert uscc_errors(make_uscc(region_code="410100", serial=serial)) == []


def test_a_valid_code_with_a_line_break_after_it_is_not_valid():
    assert uscc_errors(REAL_USCCS[0] + "\n") != []


def test_wrong_check_character_names_the_expected_one():
    valid = REAL_USCCS[0]
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    assert uscc_errors(wrong) == [str(Messages.USCC_CHECK % {"expected": valid[17], "actual": wrong[17]})]


def test_wrong_organization_code_check_is_reported():
    body = "MA000001"
    good_check = organization_code_check_character(body)
    bad_check = "1" if good_check != "1" else "2"
    first = f"91410100{body}{bad_check}"
    uscc = first + uscc_check_character(first)
    errors = uscc_errors(uscc)
    assert errors == [str(Messages.USCC_ORG_CODE % {"code": body + bad_check, "expected": good_check})]


@pytest.mark.parametrize(
    "authority, entity_type, expected",
    [
        ("B", "1", Messages.USCC_AUTHORITY % {"char": "B"}),
        ("9", "9", Messages.USCC_ENTITY_TYPE % {"char": "9", "authority": "9"}),
    ],
)
def test_authority_and_entity_type_must_fit_together(authority, entity_type, expected):
    uscc = make_uscc(region_code="410100", serial=7, authority=authority, entity_type=entity_type)
    assert str(expected) in uscc_errors(uscc)


def test_region_inside_the_code_must_be_a_real_province():
    uscc = make_uscc(region_code="990100", serial=7)
    assert uscc_errors(uscc) == [str(Messages.USCC_REGION % {"region": "990100"})]


@pytest.mark.parametrize(
    "value, message",
    [
        ("91410100", Messages.USCC_LENGTH % {"length": 8}),
        ("91410100MA000001OI", Messages.USCC_CHARACTERS % {"chars": "IO"}),
        ("91410100ma000001x5", Messages.USCC_CHARACTERS % {"chars": "amx"}),
    ],
)
def test_shape_errors_come_first(value, message):
    assert uscc_errors(value) == [str(message)]


@pytest.mark.parametrize("code", ["410000", "410100", "410105", "110101", "820000"])
def test_real_region_codes_pass(code):
    validate_region_code(code)


@pytest.mark.parametrize("code", ["41010", "4101000", "ab0100", "990000", "000000", ""])
def test_malformed_region_codes_fail(code):
    with pytest.raises(ValidationError):
        validate_region_code(code)


def test_a_district_is_covered_by_its_city_and_province():
    assert region_ancestors("410105") == ["410105", "410100", "410000"]
    assert region_ancestors("410000") == ["410000"]
