"""Who may link a chat or change its settings, and periods as treasurers name them (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from bot_gateway.domain import periods
from bot_gateway.domain.chats import Link, may_change_settings, may_link
from bot_gateway.domain.identity import Memberships
from bot_gateway.domain.parsing import Unreadable

pytestmark = pytest.mark.unit

OLGA = Memberships(communities={1: frozenset({"treasurer"})}, groups={})
MALLORY = Memberships(communities={1: frozenset({"owner"}), 2: frozenset({"treasurer"})})
NOTHING = Link(None, None)


def test_only_an_administrator_who_is_treasurer_links_a_group_chat() -> None:
    assert may_link(False, True, OLGA, NOTHING, Link(1, None)) is None
    assert may_link(False, False, OLGA, NOTHING, Link(1, None)) == "link_not_admin"
    # An owner with a community of her own: not a treasurer of the new one, or not of the
    # current one.
    assert may_link(False, True, MALLORY, NOTHING, Link(1, None)) == "link_refused_community"
    assert may_link(False, True, MALLORY, Link(1, None), Link(2, None)) == (
        "link_not_current_manager"
    )
    assert may_link(False, False, MALLORY, Link(1, None), Link(2, None)) == "link_not_admin"


def test_a_private_chat_is_its_users() -> None:
    assert may_link(True, True, MALLORY, NOTHING, Link(1, None)) is None
    assert may_link(True, True, OLGA, NOTHING, Link(None, 5)) == "link_not_yours"


def test_settings_of_a_linked_chat_only_by_its_manager() -> None:
    assert may_change_settings(False, True, MALLORY, NOTHING) is None
    assert may_change_settings(False, True, MALLORY, Link(1, None)) == "link_not_current_manager"
    assert may_change_settings(False, True, OLGA, Link(1, None)) is None
    assert may_change_settings(False, False, OLGA, Link(1, None)) == "link_not_admin"


def test_periods_by_month_name() -> None:
    today = dt.date(2026, 11, 20)
    november = periods.parse_period("Ноябрь", today)
    assert (november.name, november.start, november.end) == (
        "Ноябрь 2026",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 30),
    )
    assert periods.parse_period("january", today).name == "January 2027"
    assert periods.parse_period("Feb 2028", today).end == dt.date(2028, 2, 29)
    custom = periods.parse_period("Осень 01.09.2026 2026-11-30", today)
    assert (custom.name, custom.start) == ("Осень", dt.date(2026, 9, 1))
    for bad in ("", "Брюмер", "Ноябрь двадцать", "X 2026-12-01 2026-11-01"):
        with pytest.raises(Unreadable):
            periods.parse_period(bad, today)


def test_the_period_after_a_month_is_the_next_month_named_alike() -> None:
    december = periods.next_period("Ноябрь 2026", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "en")
    assert (december.name, december.end) == ("Декабрь 2026", dt.date(2026, 12, 31))
    january = periods.next_period(
        "December 2026", dt.date(2026, 12, 1), dt.date(2026, 12, 31), "ru"
    )
    assert january.name == "January 2027"
    after = periods.next_period("Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31), "en")
    assert after.start == dt.date(2027, 1, 1) and after.end - after.start == dt.timedelta(days=91)
