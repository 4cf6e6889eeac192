"""The one base of every error a person is told about, and the input errors.

Every user-facing error in govhook derives from :class:`GovhookError`: it carries what the user
is told (the message) and, where known, where (file, line, column, and the YAML path or JSON
pointer of the value). ``str(error)`` is the one line a person reads (``file:line:col: message``).
The CLI prints it and exits 2; the hook answers FAILED + InternalFailure with it; anything else
that escapes is a bug and is shown with its class name.

Not errors in this sense: the SDK's ``NotApplicable`` and ``InvalidValue`` (a rule's SKIP and a
property's bad value: the engine turns them into findings).
"""

from __future__ import annotations

__all__ = ["GovhookError", "InputError", "PolicyError", "TemplateError"]


class GovhookError(Exception):
    """An error whose message is for the user: what failed, and where when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        #: The YAML path (``rules.lambda.x.params``) or JSON pointer (``/Resources/Fn``) of the value.
        self.path = path

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


class InputError(GovhookError):
    """Bad input a person must fix: names the file, and the line where known."""


class TemplateError(InputError):
    """A template cannot be read or parsed. ``pointer`` (a JSON pointer into the template) lets the
    CLI add the line when the code that found the problem had only the data."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, pointer: str | None = None) -> None:
        super().__init__(message, file, line, column, pointer)

    @property
    def pointer(self) -> str | None:
        return self.path


class PolicyError(InputError):
    """A policy file is invalid. ``issues`` holds every error found (all reported at once)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 column: int | None = None, issues: list[object] | None = None, path: str | None = None) -> None:
        super().__init__(message, file, line, column, path)
        self.issues: list[object] = list(issues or [])
