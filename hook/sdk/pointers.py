"""JSON pointers (RFC 6901): build one from parts, split one into tokens, read a document with one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hook.sdk.values import is_unresolved

__all__ = ["json_pointer", "pointer_get", "pointer_tokens"]


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def json_pointer(*parts: str | int) -> str:
    """Build a JSON pointer, escaping each part: ``json_pointer("Resources", "A/B")`` is
    ``/Resources/A~1B``; no parts is ``""`` (the whole document)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def pointer_tokens(pointer: str) -> tuple[str, ...]:
    """The unescaped parts of a JSON pointer: ``/Resources/A~1B`` is ``("Resources", "A/B")`` and
    ``""`` (the whole document) is ``()``. The inverse of :func:`json_pointer`; raises ValueError
    for text that is not a pointer (it must be empty or start with ``/``)."""
    if not pointer:
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer: it must be empty or start with '/'")
    return tuple(_unescape(raw) for raw in pointer[1:].split("/"))


#: "Not there" (distinct from a stored ``None``).
MISSING: Any = object()


#: Pointer -> its unescaped tokens. Rules read the same few dozen literal pointers on every
#: resource; bounded so pointers built from data cannot grow it without limit.
_TOKENS: dict[str, tuple[str, ...]] = {}


def _tokens(pointer: str) -> tuple[str, ...]:
    tokens = _TOKENS.get(pointer)
    if tokens is None:
        tokens = tuple(_unescape(raw) for raw in pointer.lstrip("/").split("/"))
        if len(_TOKENS) < 4096:
            _TOKENS[pointer] = tokens
    return tokens


def pointer_get(document: Any, pointer: str, default: Any = None) -> Any:
    """The value at a JSON pointer, or ``default`` when any step is missing."""
    return _walk(document, pointer, default, False)


def get_known(document: Any, pointer: str, default: Any) -> Any:
    """The value at ``pointer``; where the walk stops on an unresolved value (``TracingConfig: !If
    [...]`` on the way to ``/TracingConfig/Mode``), that value; else ``default``. One walk: rules
    read absent properties on every resource."""
    return _walk(document, pointer, default, True)


def _walk(document: Any, pointer: str, default: Any, stop_on_unresolved: bool) -> Any:
    if pointer in ("", "/"):
        return document
    node = document
    for token in _tokens(pointer):
        # ``type(node) is dict`` first: the common case, without the Mapping ABC check.
        if type(node) is dict or isinstance(node, Mapping):
            nxt = node.get(token, MISSING)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            nxt = node[int(token)]
        else:
            nxt = MISSING
        if nxt is MISSING:
            return node if stop_on_unresolved and is_unresolved(node) else default
        node = nxt
    return node
