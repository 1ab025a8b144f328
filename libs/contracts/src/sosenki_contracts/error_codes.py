"""Stable, machine-readable codes carried beside every 4xx ``detail`` (and in command rejections).

The ``detail`` is an English sentence for a developer reading a log; the ``code`` is what a client
(the bot, the Mini App, an integrator) branches on and translates. A code, once published, keeps
its meaning: add new ones, never rename or reuse one. Each line says when it is given.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Generic, one per status: the default of each error class when no rule is more specific.
    BAD_REQUEST = "bad_request"  # the input breaks a rule (400)
    UNAUTHORIZED = "unauthorized"  # no valid bearer token (401)
    FORBIDDEN = "forbidden"  # the caller may not do this (403)
    NOT_FOUND = "not_found"  # the thing asked about does not exist, or is hidden (404)
    CONFLICT = "conflict"  # the current state does not allow it (409)
    PAYLOAD_TOO_LARGE = "payload_too_large"  # the request body is over the size limit (413)
    RATE_LIMITED = "rate_limited"  # too many writes; retry after Retry-After seconds (429)
    UNAVAILABLE = "unavailable"  # a dependency is down; retry after Retry-After seconds (503)
    INTERNAL = "internal"  # a defect on our side (500): never expected
    # The HTTP edge (every service).
    INVALID_INPUT = "invalid_input"  # the request does not match its schema; detail names the field
    ROUTE_NOT_FOUND = "route_not_found"  # no such URL
    METHOD_NOT_ALLOWED = "method_not_allowed"  # the URL exists but not with this HTTP method
    TOKEN_MISSING = "token_missing"  # no "Authorization: Bearer ..." header
    TOKEN_INVALID = "token_invalid"  # the token is malformed, badly signed or its claims are wrong
    TOKEN_EXPIRED = "token_expired"  # the token has expired: get a new one
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"  # Idempotency-Key is empty or too long
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"  # the key was used for a different request
    IDEMPOTENCY_KEY_IN_PROGRESS = "idempotency_key_in_progress"  # the key's first call still runs
    # What the database refused (db_errors).
    VALUE_OUT_OF_RANGE = "value_out_of_range"  # a number or date is beyond what can be stored
    VALUE_NOT_STORABLE = "value_not_storable"  # a text too long, a character that cannot be stored
    ALREADY_EXISTS = "already_exists"  # it duplicates something that exists
    REFERENCE_MISSING = "reference_missing"  # it refers to something missing or still in use
    # Access (who may do what).
    COMMUNITY_NOT_FOUND = "community_not_found"  # no such community, or the caller is not in it
    GROUP_NOT_FOUND = "group_not_found"  # no such group, or the caller is not a member
    NOT_A_TREASURER = "not_a_treasurer"  # only a treasurer of the community may do this
    NOT_A_GROUP_OWNER = "not_a_group_owner"  # only an owner of the group may do this
    BALANCE_SHEET_TREASURERS_ONLY = "balance_sheet_treasurers_only"  # owners may not see it here
    NOT_INVOLVED = "not_involved"  # only the people concerned (payer, participant) or an owner may
    OWN_RECORDS_ONLY = "own_records_only"  # an owner may only see or change their own records
    # Ledger: communities, owners, periods.
    OWNER_NOT_FOUND = "owner_not_found"  # no such owner in the community
    USER_NOT_FOUND = "user_not_found"  # no such user
    PERIOD_NOT_FOUND = "period_not_found"  # no such period
    METER_NOT_FOUND = "meter_not_found"  # no such meter
    ENTRY_NOT_FOUND = "entry_not_found"  # no such contribution, expense or charge
    BUDGET_ITEM_NOT_FOUND = "budget_item_not_found"  # no such budget item
    ALREADY_AN_OWNER = "already_an_owner"  # the user is already an owner of the community
    ALREADY_A_TREASURER = "already_a_treasurer"  # the user is already a treasurer
    OWNER_INACTIVE = "owner_inactive"  # the owner is already inactive
    SHARE_NOT_POSITIVE = "share_not_positive"  # an ownership share must be above zero
    AMOUNT_NOT_POSITIVE = "amount_not_positive"  # an amount must be above zero
    AMOUNT_INVALID = "amount_invalid"  # too many decimal places for its currency, or too large
    NAME_EMPTY = "name_empty"  # a name, description or reason must not be empty
    PERIOD_NOT_OPEN = "period_not_open"  # the period is closed: nothing can be recorded in it
    PERIOD_CLOSED = "period_closed"  # the period is already closed
    PERIOD_NOT_CLOSED = "period_not_closed"  # the period must be closed first
    PERIOD_CARRIED_FORWARD = "period_carried_forward"  # already carried forward: cannot change
    PERIOD_OVERLAPS = "period_overlaps"  # the dates overlap another period of the community
    PERIOD_DATES_INVALID = "period_dates_invalid"  # end before start, or a date outside the period
    NO_OPEN_PERIOD = "no_open_period"  # no open period covers the date
    CARRY_FORWARD_INVALID = "carry_forward_invalid"  # the two periods cannot carry forward
    ALREADY_REVERSED = "already_reversed"  # the entry has already been reversed
    NOT_REVERSIBLE = "not_reversible"  # a reversal or an opening balance cannot be reversed
    ALREADY_APPLIED = "already_applied"  # a budget item or a usage bill was already applied
    NO_OWNERS = "no_owners"  # there is nobody to allocate or charge to
    NOTHING_TO_BILL = "nothing_to_bill"  # no consumption to bill, or zero total usage
    METER_TYPE_REQUIRED = "meter_type_required"  # usage-based allocation needs a meter type
    READING_INVALID = "reading_invalid"  # a meter reading goes backwards, repeats a date, ...
    BANK_DETAILS_INVALID = "bank_details_invalid"  # an INN, KPP, account or BIK is malformed
    NO_BANK_DETAILS = "no_bank_details"  # the community has no bank details for a payment QR code
    NOTHING_TO_PAY = "nothing_to_pay"  # the owner owes nothing: no payment QR code
    # Splits: groups, expenses, settlements.
    EXPENSE_NOT_FOUND = "expense_not_found"  # no such expense
    LIST_NOT_FOUND = "list_not_found"  # no such list
    ITEM_NOT_FOUND = "item_not_found"  # no such list item
    SETTLEMENT_NOT_FOUND = "settlement_not_found"  # no such settlement
    SPLIT_NOT_FOUND = "split_not_found"  # no such expense split
    SPLIT_INVALID = "split_invalid"  # the split does not add up or names nobody
    VERSION_STALE = "version_stale"  # the expense changed since the version given
    PAYMENT_EXCEEDS_DEBT = "payment_exceeds_debt"  # paying more than remains of the share
    NOT_A_MEMBER = "not_a_member"  # the person named is not a member of the group
    ALREADY_A_MEMBER = "already_a_member"  # the user is already a member of the group
    LAST_OWNER = "last_owner"  # the group's last owner cannot leave
    BALANCE_NOT_ZERO = "balance_not_zero"  # a member with a non-zero balance cannot leave
    ALREADY_DELETED = "already_deleted"  # the expense or settlement has been deleted
    LIST_FINALISED = "list_finalised"  # the list (or item) has already been charged
    ALREADY_PAID = "already_paid"  # payments exist: the change would rewrite them
    NOT_RECURRING = "not_recurring"  # the expense is not (or no longer) recurring
    RECURRENCE_INVALID = "recurrence_invalid"  # the recurrence of an expense is wrong
    EXCHANGE_RATE_INVALID = "exchange_rate_invalid"  # missing, superfluous or wrong rate
    USER_REQUIRED = "user_required"  # the call must name (or be made by) a user
    CURRENCY_MISMATCH = "currency_mismatch"  # the amount's currency is not the group's
    # Recurring.
    PATTERN_NOT_FOUND = "pattern_not_found"  # no such recurrence pattern
    PATTERN_STATE = "pattern_state"  # the pattern is not active / paused / already ended
    SCHEDULE_INVALID = "schedule_invalid"  # frequency, interval, dates or timezone are wrong
    TEMPLATE_INVALID = "template_invalid"  # the command template would be refused
    # Bot gateway.
    NOT_AN_INVITER = "not_an_inviter"  # only a treasurer / group owner may invite there
    INVITEE_ELSEWHERE = "invitee_elsewhere"  # the person also belongs where you do not manage
    INVITATION_INVALID = "invitation_invalid"  # expired, already used or unknown invitation
    TELEGRAM_ALREADY_LINKED = "telegram_already_linked"  # the account belongs to another user


#: The code each status gets when nothing more specific is said.
DEFAULT_BY_STATUS: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.INTERNAL,
    503: ErrorCode.UNAVAILABLE,
}


def default_code(status: int) -> str:
    """The generic code of an HTTP status (``bad_request`` for an unlisted 4xx)."""
    if status in DEFAULT_BY_STATUS:
        return DEFAULT_BY_STATUS[status].value
    return ErrorCode.INTERNAL.value if status >= 500 else ErrorCode.BAD_REQUEST.value


#: The status each code is given with (400 when not listed).
STATUS_OF: dict[str, int] = {
    **{c.value: s for s, c in DEFAULT_BY_STATUS.items()},
    ErrorCode.ROUTE_NOT_FOUND: 404,
    ErrorCode.TOKEN_MISSING: 401,
    ErrorCode.TOKEN_INVALID: 401,
    ErrorCode.TOKEN_EXPIRED: 401,
    ErrorCode.IDEMPOTENCY_KEY_REUSED: 409,
    ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS: 409,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.REFERENCE_MISSING: 409,
    ErrorCode.NOT_A_TREASURER: 403,
    ErrorCode.NOT_A_GROUP_OWNER: 403,
    ErrorCode.BALANCE_SHEET_TREASURERS_ONLY: 403,
    ErrorCode.NOT_INVOLVED: 403,
    ErrorCode.OWN_RECORDS_ONLY: 403,
    ErrorCode.USER_REQUIRED: 403,
    ErrorCode.NOT_AN_INVITER: 403,
    ErrorCode.INVITEE_ELSEWHERE: 403,
    ErrorCode.ALREADY_AN_OWNER: 409,
    ErrorCode.ALREADY_A_TREASURER: 409,
    ErrorCode.OWNER_INACTIVE: 409,
    ErrorCode.PERIOD_CLOSED: 409,
    ErrorCode.PERIOD_NOT_CLOSED: 409,
    ErrorCode.PERIOD_CARRIED_FORWARD: 409,
    ErrorCode.PERIOD_OVERLAPS: 409,
    ErrorCode.CARRY_FORWARD_INVALID: 400,
    ErrorCode.ALREADY_REVERSED: 409,
    ErrorCode.ALREADY_APPLIED: 409,
    ErrorCode.VERSION_STALE: 409,
    ErrorCode.PAYMENT_EXCEEDS_DEBT: 409,
    ErrorCode.ALREADY_A_MEMBER: 409,
    ErrorCode.LAST_OWNER: 409,
    ErrorCode.BALANCE_NOT_ZERO: 409,
    ErrorCode.ALREADY_DELETED: 409,
    ErrorCode.LIST_FINALISED: 409,
    ErrorCode.ALREADY_PAID: 409,
    ErrorCode.NOT_RECURRING: 409,
    ErrorCode.PATTERN_STATE: 409,
    ErrorCode.TELEGRAM_ALREADY_LINKED: 409,
    ErrorCode.NO_BANK_DETAILS: 409,
    ErrorCode.NOTHING_TO_PAY: 409,
    **{c.value: 404 for c in ErrorCode if c.value.endswith("_not_found")},
}


def status_of(code: str) -> int:
    """The HTTP status a code is given with (what an OpenAPI document lists it under)."""
    return STATUS_OF.get(code, 400)


__all__ = ["DEFAULT_BY_STATUS", "STATUS_OF", "ErrorCode", "default_code", "status_of"]
