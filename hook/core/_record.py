"""Small value classes with what ``@dataclass`` gave them, without its cost at import.

Each ``@dataclass`` generates and ``exec``s the source of its methods when its module is imported
(and ``dataclasses`` imports ``inspect``); the CLI and the handler's cold start import about twenty
of them (the cost is measured in ``bench/README.md``). These bases give
the same behaviour from code compiled once into the ``.pyc``: ``==`` over the fields when the
classes are the same, the dataclass ``repr``, and for :class:`Frozen` a hash over the fields and
no assignment after ``__init__``. A subclass lists its fields in ``_fields`` (in ``__init__``
order) and sets them in ``__init__``; a frozen one through ``self.__dict__``.

What they do not have is the ``dataclasses`` module's introspection (``fields``, ``replace``,
``asdict``): nothing in govhook or its rule packs uses it on these classes.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["Frozen", "FrozenInstanceError", "Record"]


class FrozenInstanceError(AttributeError):
    """A field of an immutable value was assigned (as ``dataclasses.FrozenInstanceError``)."""


class Record:
    """``==`` and ``repr`` over ``_fields``, as ``@dataclass`` gives them; not hashable."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._fields])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            assert isinstance(other, Record)
            return self._values() == other._values()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # as @dataclass(eq=True) without frozen

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__qualname__}({inner})"


class Frozen(Record):
    """Immutable, as ``@dataclass(frozen=True)``: hashable over its fields, no assignment."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
