"""Bank details are checked as a bank checks them: real banks' published details pass, and a
typo in any digit that carries a check is refused with a reason naming the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError
from sosenki_contracts.bank_details import (
    BankDetails,
    BankDetailsInput,
    account_control_key,
    account_key_valid,
    check_bank_details,
    check_correspondent_account,
    check_inn,
    inn_check_digits,
)

pytestmark = pytest.mark.unit

# Published details of real banks and companies (BIK, correspondent account; INN).
REAL_BANKS = [
    ("044525225", "30101810400000000225"),  # Sberbank, Moscow
    ("044525974", "30101810145250000974"),  # T-Bank
    ("044525187", "30101810700000000187"),  # VTB
    ("044525593", "30101810200000000593"),  # Alfa-Bank
]
REAL_INNS = ["7707083893", "7736207543", "7728168971", "7702070139", "500100732259"]

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def details(**changes: Any) -> dict[str, Any]:
    return {**BankDetails.example(), **changes}


@pytest.mark.parametrize(("bik", "corr"), REAL_BANKS)
def test_real_banks_correspondent_accounts_pass(bik: str, corr: str) -> None:
    assert check_correspondent_account(corr, bik) == corr


@pytest.mark.parametrize("inn", REAL_INNS)
def test_real_inns_pass(inn: str) -> None:
    assert check_inn(inn) == inn


def test_the_example_is_valid_and_kept_as_given() -> None:
    model = BankDetails.model_validate(BankDetails.example())
    assert model.model_dump() == BankDetails.example()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=9, max_size=10))
def test_an_inn_is_valid_only_with_its_own_check_digits(body: str) -> None:
    inn = body + inn_check_digits(body)
    assert check_inn(inn) == inn
    last = int(inn[-1])
    wrong = inn[:-1] + str((last + 1) % 10)
    with pytest.raises(ValueError, match="wrong check digit"):
        check_inn(wrong)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=3, max_size=3),
    st.text(alphabet="0123456789", min_size=20, max_size=20),
    st.integers(min_value=0, max_value=19),
    st.integers(min_value=1, max_value=9),
)
def test_the_control_key_catches_any_single_digit_typo(
    prefix: str, raw: str, position: int, delta: int
) -> None:
    account = raw[:8] + account_control_key(prefix, raw) + raw[9:]
    assert account_key_valid(prefix, account)
    # Weights 7, 1 and 3 are all prime to 10: changing one digit always changes the sum's last
    # digit, so every single typo is caught.
    typo = account[:position] + str((int(account[position]) + delta) % 10) + account[position + 1 :]
    assert not account_key_valid(prefix, typo)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"inn": "7707083894"}, "INN 7707083894 has a wrong check digit"),
        ({"inn": "77070838"}, "INN must be 10 digits"),
        ({"inn": "77070838９3"}, "INN must be 10 digits"),
        ({"kpp": None}, "KPP is required with a 10-digit INN"),
        ({"kpp": "77360100"}, "KPP must be 9 characters"),
        ({"kpp": "7736ab001"}, "KPP must be 9 characters"),
        ({"inn": "500100732259"}, "A 12-digit INN (a person) has no KPP"),
        ({"bik": "04452522"}, "BIK must be 9 digits"),
        ({"account": "4070381003800000000"}, "Account must be 20 digits"),
        ({"account": "40703810138000000007"}, "does not match BIK 044525225"),
        ({"correspondent_account": "30101810400000000226"}, "must start with 30101"),
        ({"correspondent_account": "30101810500000000225"}, "wrong control key"),
        ({"bik": "044525974"}, "must start with 30101 and end with"),
        ({"recipient_name": "ТСН | Сосенки"}, "must not contain '|'"),
        ({"recipient_name": "   "}, "must not be blank"),
        ({"recipient_name": "x" * 161}, "at most 160"),
        ({"bank_name": "ПАО Сбербанк России, Московский банк, доп. офис"}, "at most 45"),
        ({"bank_name": "Сбер\nбанк"}, "control characters"),
    ],
)
def test_wrong_details_are_refused_with_the_reason(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(reason)):
        BankDetails.model_validate(details(**changes))


def test_a_person_without_kpp_is_accepted() -> None:
    model = BankDetails.model_validate(details(inn="500100732259", kpp=None))
    assert model.kpp is None


def test_a_kpp_with_letters_in_the_reason_code_is_accepted() -> None:
    assert BankDetails.model_validate(details(kpp="7736AB001")).kpp == "7736AB001"


def test_the_wire_shape_takes_any_digits_and_the_check_names_every_fault() -> None:
    # The command carries the shape only, so a wrong INN reaches the use case and gets a
    # rejection naming it (over Kafka too), not a dead letter.
    sent = BankDetailsInput.model_validate(details(inn="7707083894", recipient_name="A|B"))
    with pytest.raises(ValueError) as refused:
        check_bank_details(sent)
    # A field's own fault first (the cross-field checks run once every field is well formed).
    assert str(refused.value) == (
        "bank_details.recipient_name: must not contain '|' (the payment standard's separator)"
    )
    with pytest.raises(ValueError) as refused:
        check_bank_details(BankDetailsInput.model_validate(details(inn="7707083894")))
    assert str(refused.value) == "bank_details: INN 7707083894 has a wrong check digit"
    assert check_bank_details(BankDetailsInput.model_validate(details())).model_dump() == (
        BankDetails.example()
    )
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        BankDetailsInput.model_validate(details(swift="SABRRUMM"))


def test_the_documented_example_is_valid() -> None:
    (example,) = BankDetailsInput.model_json_schema()["examples"]
    assert example == BankDetails.example()
    assert check_bank_details(BankDetailsInput.model_validate(example)).inn == "7707083893"
