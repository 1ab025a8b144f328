"""Naming people in a command: the name someone was added under, matched regardless of case.

``/pay Иван Петров 2000`` names the owner before the amount; ``/pay 2000 Иван Петров наличными``
names them at the start of the comment (the longest name that fits wins, and the rest stays the
comment).

>>> owners = [(1, "Иван"), (2, "Иван Петров")]
>>> named(owners, "иван петров")
(2, 'Иван Петров')
>>> named_in_comment(owners, "Иван Петров наличными")
(2, 'Иван Петров', 'наличными')
"""

from __future__ import annotations

from collections.abc import Iterable

#: (user id, the name they were added under); the name may be empty (not known yet).
Person = tuple[int, str]


def named(people: Iterable[Person], text: str) -> Person | None:
    """The person added under exactly ``text`` (case aside), if any."""
    wanted = text.casefold()
    return next(((u, n) for u, n in people if n and n.casefold() == wanted), None)


def named_in_comment(people: Iterable[Person], comment: str) -> tuple[int, str, str | None] | None:
    """The person whose name starts the comment (as whole words), with what is left of it."""
    for user_id, name in sorted(people, key=lambda p: -len(p[1])):
        if name and (comment + " ").casefold().startswith(name.casefold() + " "):
            return user_id, name, comment[len(name) :].strip() or None
    return None


def nobody_named_means_oneself(is_owner: bool, is_treasurer: bool) -> bool:
    """A payment naming nobody is the sender's own, unless the sender is a treasurer who is no
    owner: they pick the owner from a keyboard. (A charge always names whom, else the treasurer
    picks: nobody charges themselves by leaving the name out.)"""
    return is_owner or not is_treasurer
