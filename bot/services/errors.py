"""Errors a service raises for the person who asked: the message is shown to them as it is."""

from __future__ import annotations


class UserFacingError(Exception):
    """Something the person can fix. `str(error)` is a friendly sentence; `example` shows what works."""

    def __init__(self, message: str, *, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example

    def __str__(self) -> str:
        if self.example:
            return f"{self.message} For example: `{self.example}`"
        return self.message


class InvalidInput(UserFacingError):
    """What was typed cannot be used."""


class NotAllowed(UserFacingError):
    """The person may not do this (not a coordinator, not the author…)."""


class NotFound(UserFacingError):
    """The thing they named does not exist."""
