"""Errors for bad input: the CLI prints them as one line and exits 2; the hook answers with them."""

from __future__ import annotations

__all__ = ["InputError", "PolicyError", "TemplateError"]


class InputError(Exception):
    """Bad input a person must fix: names the file, and the line where known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column

    def where(self) -> str:
        if not self.file:
            return ""
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


class TemplateError(InputError):
    """A template cannot be read or parsed. ``pointer`` (a JSON pointer into the template) lets the
    CLI add the line when the code that found the problem had only the data."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, pointer: str | None = None) -> None:
        super().__init__(message, file, line, column)
        self.pointer = pointer


class PolicyError(InputError):
    """A policy file is invalid. ``issues`` holds every error found (all reported at once)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, issues: list[object] | None = None) -> None:
        super().__init__(message, file, line, column)
        self.issues: list[object] = list(issues or [])
