"""Where policy parameter values come from: literals, or references such as ``{ssm: NAME}``.

The engine asks a :class:`ValueSource` to resolve each :class:`ValueRef`. Offline (the CLI
without ``--aws``) a reference resolves to its default; the hook and ``--aws`` use SSM through a
TTL cache (``hook.sources``).
"""

from __future__ import annotations

from typing import Any, Protocol

from hook.core.errors import GovhookError
from hook.core.policy_model import ValueRef

__all__ = ["OfflineValues", "ValueSource", "ValueSourceError"]


class ValueSourceError(GovhookError):
    """A referenced value could not be had (no default offline, SSM error, missing parameter)."""


class ValueSource(Protocol):
    def resolve(self, ref: ValueRef) -> Any:
        """The value, or raise ValueSourceError naming the reference and the cause."""
        ...

    def notes(self) -> list[str]:
        """Things to tell a person about the values used (a stale cached value, say)."""
        ...


class OfflineValues:
    """References resolve to their ``default``; none is fetched."""

    def resolve(self, ref: ValueRef) -> Any:
        if ref.has_default:
            return ref.default
        raise ValueSourceError(
            f"{ref.describe()} has no default and is not fetched offline: add a 'default' to the "
            "policy or run with --aws"
        )

    def notes(self) -> list[str]:
        return []
