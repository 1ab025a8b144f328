"""A community's bank details, where owners pay: checked as a Russian bank checks them.

The rules (each a check digit an honest typo breaks):

- **INN** (taxpayer number): 10 digits for an organisation, 12 for a person. The last digit (two
  for 12) is ``(Σ digit × weight) mod 11 mod 10`` with the tax service's weights.
  ``7707083893`` is valid; ``7707083894`` is not.
- **KPP** (registration reason code): 9 characters, ``NNNNPPNNN`` where ``PP`` is two digits or
  capital Latin letters. An organisation (10-digit INN) has one; a person (12-digit INN) has none.
- **BIK** (bank identifier): 9 digits.
- **Correspondent account**: 20 digits, ``30101…`` ending with the BIK's last three digits.
- **Account**: 20 digits. Both accounts carry the Central Bank's control key: prefix the account
  with a 3-digit number taken from the BIK (for the account: the BIK's last three digits; for the
  correspondent account: ``0`` and the BIK's 5th and 6th digits), weigh the 23 digits with
  ``7, 1, 3, 7, 1, 3, …`` and the sum of the products ends in 0. With BIK ``044525225``,
  ``30101810400000000225`` is a valid correspondent account.
- **Names**: the recipient at most 160 characters and the bank at most 45 (the payment-QR
  standard's limits, GOST R 56042-2014), one line, without ``|`` (the standard's separator).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from sosenki_contracts.bounds import check_text

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11_WEIGHTS = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]
_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}")


def _digits(value: str, length: int, what: str) -> list[int]:
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise ValueError(f"{what} must be {length} digits")
    return [int(c) for c in value]


def _check_digit(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_check_digits(first: str) -> str:
    """The check digit(s) that complete an INN's first 9 (organisation) or 10 (person) digits."""
    digits = [int(c) for c in first]
    if len(digits) == 9:
        return str(_check_digit(digits, _INN10_WEIGHTS))
    eleventh = _check_digit(digits, _INN11_WEIGHTS)
    return f"{eleventh}{_check_digit([*digits, eleventh], _INN12_WEIGHTS)}"


def check_inn(value: str) -> str:
    """An INN of 10 or 12 digits whose check digits are right."""
    if len(value) not in (10, 12) or not value.isascii() or not value.isdigit():
        raise ValueError("INN must be 10 digits (an organisation) or 12 digits (a person)")
    body = value[:9] if len(value) == 10 else value[:10]
    if value[len(body) :] != inn_check_digits(body):
        raise ValueError(f"INN {value} has a wrong check digit")
    return value


def check_kpp(value: str) -> str:
    if not _KPP.fullmatch(value):
        raise ValueError(
            "KPP must be 9 characters: 4 digits, 2 digits or capital Latin letters, 3 digits"
        )
    return value


def check_bik(value: str) -> str:
    _digits(value, 9, "BIK")
    return value


def account_key_valid(prefix: str, account: str) -> bool:
    """The Central Bank's control key: the 23 digits weighed 7, 1, 3, … sum to a multiple of 10."""
    digits = [int(c) for c in prefix + account]
    return sum(d * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True)) % 10 == 0


def account_control_key(prefix: str, account: str) -> str:
    """The control key (the account's 9th digit) that makes ``account`` valid with ``prefix``."""
    digits = [int(c) for c in prefix + account[:8] + "0" + account[9:]]
    total = sum(d * w for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=True))
    return str(total % 10 * 3 % 10)


def check_account(account: str, bik: str) -> str:
    """A settlement account at the bank ``bik``: 20 digits with the right control key."""
    _digits(account, 20, "Account")
    if not account_key_valid(bik[6:9], account):
        raise ValueError(f"Account {account} does not match BIK {bik} (wrong control key)")
    return account


def check_correspondent_account(account: str, bik: str) -> str:
    """The bank's correspondent account at the Central Bank: 20 digits, ``30101…`` ending with
    the BIK's last three digits, with the right control key."""
    _digits(account, 20, "Correspondent account")
    if not account.startswith("30101") or account[-3:] != bik[-3:]:
        raise ValueError(
            f"Correspondent account {account} must start with 30101 and end with the BIK's "
            f"last three digits ({bik[-3:]})"
        )
    if not account_key_valid("0" + bik[4:6], account):
        raise ValueError(
            f"Correspondent account {account} does not match BIK {bik} (wrong control key)"
        )
    return account


def _payee_text(value: str) -> str:
    check_text(value, field="name")
    if "|" in value:
        raise ValueError("must not contain '|' (the payment standard's separator)")
    if not value.strip():
        raise ValueError("must not be blank")
    return value.strip()


_Text = AfterValidator(_payee_text)
RecipientName = Annotated[str, StringConstraints(min_length=1, max_length=160), _Text]
BankName = Annotated[str, StringConstraints(min_length=1, max_length=45), _Text]
Digits = Annotated[str, StringConstraints(strip_whitespace=True)]


class BankDetailsFields(BaseModel):
    """Bank details as events and views carry them: read tolerantly, checked when written."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    recipient_name: str = Field(description="The recipient as the bank knows it")
    inn: str = Field(description="The recipient's INN: 10 digits, or 12 for a person")
    kpp: str | None = Field(
        default=None, description="The recipient's KPP (9 characters); only with a 10-digit INN"
    )
    account: str = Field(description="The recipient's settlement account: 20 digits")
    bank_name: str = Field(description="The recipient's bank")
    bik: str = Field(description="The bank's BIK: 9 digits")
    correspondent_account: str = Field(description="The bank's correspondent account: 20 digits")


_Short = Annotated[str, StringConstraints(max_length=300)]


class BankDetailsInput(BankDetailsFields):
    """Bank details as a treasurer sends them (the command and the REST body): only their shape
    is checked on the wire; the use case checks the rest (``check_bank_details``) so that a
    command with a wrong INN gets a rejection naming it, like a REST call, not a dead letter."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "recipient_name": "ТСН «Сосенки»",
                    "inn": "7707083893",
                    "kpp": "773601001",
                    "account": "40703810038000000007",
                    "bank_name": "ПАО Сбербанк",
                    "bik": "044525225",
                    "correspondent_account": "30101810400000000225",
                }
            ]
        },
    )

    recipient_name: _Short = Field(description="The recipient as the bank knows it (≤ 160)")
    inn: _Short = Field(description="The recipient's INN: 10 digits, or 12 for a person")
    kpp: _Short | None = Field(
        default=None, description="The recipient's KPP (9 characters); only with a 10-digit INN"
    )
    account: _Short = Field(description="The recipient's settlement account: 20 digits")
    bank_name: _Short = Field(description="The recipient's bank (≤ 45)")
    bik: _Short = Field(description="The bank's BIK: 9 digits")
    correspondent_account: _Short = Field(description="The bank's correspondent account: 20 digits")


class BankDetails(BankDetailsFields):
    """Where owners pay the community (printed on statements and encoded in the payment QR),
    as a treasurer sets them: every check digit verified."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    recipient_name: RecipientName = Field(description="The recipient as the bank knows it")
    inn: Digits = Field(description="The recipient's INN: 10 digits, or 12 for a person")
    kpp: Digits | None = Field(
        default=None, description="The recipient's KPP (9 characters); only with a 10-digit INN"
    )
    account: Digits = Field(description="The recipient's settlement account: 20 digits")
    bank_name: BankName = Field(description="The recipient's bank")
    bik: Digits = Field(description="The bank's BIK: 9 digits")
    correspondent_account: Digits = Field(description="The bank's correspondent account: 20 digits")

    @model_validator(mode="after")
    def _check(self) -> BankDetails:
        check_inn(self.inn)
        if len(self.inn) == 10 and self.kpp is None:
            raise ValueError("KPP is required with a 10-digit INN (an organisation)")
        if len(self.inn) == 12 and self.kpp is not None:
            raise ValueError("A 12-digit INN (a person) has no KPP")
        if self.kpp is not None:
            check_kpp(self.kpp)
        check_bik(self.bik)
        check_correspondent_account(self.correspondent_account, self.bik)
        check_account(self.account, self.bik)
        return self

    @classmethod
    def example(cls) -> dict[str, Any]:
        return {
            "recipient_name": "ТСН «Сосенки»",
            "inn": "7707083893",
            "kpp": "773601001",
            "account": "40703810038000000007",
            "bank_name": "ПАО Сбербанк",
            "bik": "044525225",
            "correspondent_account": "30101810400000000225",
        }


def check_bank_details(details: BankDetailsFields) -> BankDetails:
    """``details`` checked by every rule above; a ValueError names what is wrong, field by field:
    ``bank_details: INN 7707083894 has a wrong check digit``."""
    try:
        return BankDetails.model_validate(details.model_dump())
    except ValidationError as exc:
        reasons = []
        for error in exc.errors():
            where = ".".join(["bank_details", *(str(part) for part in error["loc"])])
            reasons.append(f"{where}: {str(error['msg']).removeprefix('Value error, ')}")
        raise ValueError("; ".join(reasons)) from None


__all__ = [
    "BankDetails",
    "BankDetailsFields",
    "BankDetailsInput",
    "account_control_key",
    "account_key_valid",
    "check_account",
    "check_bank_details",
    "check_bik",
    "check_correspondent_account",
    "check_inn",
    "check_kpp",
    "inn_check_digits",
]
