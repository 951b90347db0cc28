"""Exceptions the package raises for people to read: each message says what is wrong and what to do."""

from __future__ import annotations

__all__ = [
    "EasiError",
    "InvalidDecision",
    "NotAllowed",
    "NotFound",
    "WrongPhase",
]


class EasiError(Exception):
    """Base class: the message is written for the person who caused it."""


class NotFound(EasiError):
    """No workshop with that code, or no seat for that token (it may have been removed or purged)."""


class NotAllowed(EasiError):
    """The key, token or passcode does not give the right to do this."""


class WrongPhase(EasiError):
    """The workshop is not at a point where this can happen (for example the stage is locked)."""


class InvalidDecision(EasiError):
    """A submission breaks the rules of play; nothing of it was saved."""
