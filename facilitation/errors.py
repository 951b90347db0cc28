"""Every exception the package raises, under one base.

`UserError` and its kinds carry a message written for the person who caused it (what is wrong and what to
do); the CLI and the UI shell show it as it is. `InternalError` is a bug or a broken installation: shown
as a short apology with no detail, and logged without workshop data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "EasiError",
    "InternalError",
    "InvalidAnswers",
    "InvalidDecision",
    "LibraryError",
    "NewRefused",
    "NotAllowed",
    "NotFound",
    "SaveRefused",
    "SettingsError",
    "StoreBusy",
    "StoreUnavailable",
    "TooManyAttempts",
    "UserError",
    "WrongPhase",
    "YamlRefused",
]


class EasiError(Exception):
    """Base class of every exception the package raises on purpose."""


class UserError(EasiError):
    """Something a person asked for or wrote cannot be done; the message says why and what to do."""


class InternalError(EasiError):
    """A bug or a broken installation, not something the user did; the message is for the operator."""


class NotFound(UserError):
    """No workshop with that code, or no seat for that token (it may have been removed or purged)."""


class NotAllowed(UserError):
    """The key, token or passcode does not give the right to do this."""


class TooManyAttempts(NotAllowed):
    """Too many wrong codes or passcodes from here in a short time; `.retry_after` says how many seconds to wait."""

    def __init__(self, message: str, retry_after: float):
        self.retry_after = retry_after
        super().__init__(message)


class WrongPhase(UserError):
    """The workshop is not at a point where this can happen (for example the stage is locked)."""


class InvalidDecision(UserError):
    """A submission breaks the rules of play; nothing of it was saved."""


class InvalidAnswers(UserError):
    """Questionnaire answers, an agreed level or an improvement action break the rules; nothing was saved."""


class SettingsError(UserError):
    """An environment variable or settings file holds a value the app cannot use."""


class StoreBusy(UserError):
    """The database stayed locked by another writer for too long; try again in a moment."""


class StoreUnavailable(UserError):
    """The database cannot be written or read (read-only, full, damaged); the message says which."""


class YamlRefused(UserError):
    """The text is not UTF-8 YAML the app accepts; `.flaws` (line, column, message) say where and why."""

    def __init__(self, flaws: Sequence[Any]):
        self.flaws = list(flaws)
        super().__init__("\n".join(f"{f.line}:{f.column}: {f.message}" for f in self.flaws))


class LibraryError(UserError):
    """A role or scenario file breaks the format; `.problems` lists every error, `str()` prints them all."""

    def __init__(self, problems: Sequence[Any]):
        self.problems = list(problems)
        super().__init__("\n".join(problem.format() for problem in self.problems))


class SaveRefused(UserError):
    """A file was not saved into the library; the message says why."""


class NewRefused(UserError):
    """A starter file was not written; the message says why and what to do."""
