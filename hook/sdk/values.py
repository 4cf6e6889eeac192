"""Property values as CloudFormation sends them: unresolved markers and the typed readers.

CloudFormation may send ``"128"`` and ``"true"``; the ``as_*`` helpers accept both and raise
:class:`NotApplicable` (SKIP) for a value nobody can know before deployment, :class:`InvalidValue`
for one of the wrong kind.

JSON pointers (RFC 6901) are built, split and read here too: :func:`json_pointer`,
:func:`pointer_tokens`, :func:`pointer_get`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "FactUnavailable", "InvalidValue", "NotApplicable", "Unresolved", "ValueUnknown", "as_bool", "as_int", "as_list", "as_str",
    "describe_value", "is_unresolved", "json_pointer", "pointer_get", "pointer_tokens",
]


#: The keys of a one-key mapping that make it an unresolved CloudFormation intrinsic function.
INTRINSIC_KEYS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::FindInMap",
        "Fn::ForEach",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Transform",
        "Fn::And",
        "Fn::Equals",
        "Fn::Not",
        "Fn::Or",
    }
)


class InvalidValue(ValueError):
    """A property holds a value of the wrong kind (``MemorySize: "lots"``).

    Raised by the ``as_*`` helpers; the engine reports it as a FAIL at that path, since
    CloudFormation would reject the value too.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class NotApplicable(Exception):
    """Raised by a rule to SKIP, with the reason a person will read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FactUnavailable(NotApplicable):
    """An account fact cannot be known (offline, no permission, API error): the rule SKIPs."""


class ValueUnknown(NotApplicable):
    """A value the rule needs is not known before deployment (an unresolved intrinsic or parameter):
    the rule SKIPs, and the CLI shows the skip by default, since it is a gap in what was checked.
    The ``ctx.get_*`` helpers raise it; raise it yourself (not plain NotApplicable) for the same case."""


class Unresolved:
    """A value the adapter could not resolve (an intrinsic, a parameter without default...).

    Rules never guess: reading an unresolved value through the ``ctx`` helpers raises
    :class:`NotApplicable` naming the path and the expression.

    What is known about where the value comes from is kept: ``resource_type`` for a reference to a
    resource in the template, ``parameters`` for the template parameters the CLI cannot know
    (no ``Default``, an ``AWS::SSM::Parameter::Value<...>`` type) whose value flows into this one.
    """

    __slots__ = ("expr", "parameters", "reason", "resource_type")

    def __init__(self, expr: Any, reason: str = "", resource_type: str | None = None,
                 parameters: tuple[str, ...] = ()) -> None:
        self.expr = expr
        self.reason = reason
        #: For a ``Ref``/``GetAtt`` of a resource in the template: that resource's type. The value is
        #: not known, but what it is an attribute of is (``!GetAtt Queue.Arn`` is an SQS queue's ARN).
        self.resource_type = resource_type
        #: The template parameters, in the order met, that the CLI cannot know (no ``Default`` and no
        #: ``--param``, or resolved by CloudFormation from SSM) and whose *value* becomes part of this
        #: one: ``!Ref DbPassword``, ``!Sub "postgres://app:${DbPassword}@db"``, a ``Fn::Join`` or a
        #: branch of an ``Fn::If`` holding one. A parameter that only selects (a condition, a
        #: ``Fn::FindInMap`` key, a ``Fn::Select`` index) is not listed: its value is not in this one.
        self.parameters = parameters

    def describe(self) -> str:
        text = _short_expr(self.expr)
        return f"{text} ({self.reason})" if self.reason else text

    def __repr__(self) -> str:
        return f"Unresolved({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolved) and other.expr == self.expr

    def __hash__(self) -> int:
        return hash(repr(self.expr))


def _short_expr(expr: Any) -> str:
    """An unresolved value described by its shape, never its contents: ``!If on condition IsProd``,
    ``!Ref DbPassword``, ``!GetAtt Role.Arn``, ``!Sub (refers to Env)``. What an intrinsic holds
    (a literal under ``!If``, the text of a ``!Sub``) can be a secret, and these descriptions reach
    the hook's annotations, the decision log and every CLI report."""
    if isinstance(expr, Mapping) and len(expr) == 1:
        key, value = next(iter(expr.items()))
        if key == "Ref":
            return f"!Ref {_name(value)}"
        if key == "Condition":
            return f"!Condition {_name(value)}"
        if isinstance(key, str) and key.startswith("Fn::"):
            return _shape_of(key[4:], value)
    return _shape(expr)


def _name(value: Any) -> str:
    """A logical name (parameter, resource, condition, mapping) as written, or its shape."""
    if isinstance(value, str) and _NAME.fullmatch(value):
        return value
    return f"({_shape(value)})"


_NAME = re.compile(r"[A-Za-z0-9:._\-]{1,128}")


def _shape_of(fn: str, value: Any) -> str:
    head = f"!{fn}"
    if fn == "If" and isinstance(value, list) and value:
        return f"{head} on condition {_name(value[0])}"
    if fn == "GetAtt":
        parts = value.split(".", 1) if isinstance(value, str) else value
        if isinstance(parts, list) and all(isinstance(p, str) for p in parts) and parts:
            return f"{head} " + ".".join(_name(p) for p in parts)
        return head
    if fn == "FindInMap" and isinstance(value, list) and value:
        return f"{head} in mapping {_name(value[0])}"
    if fn == "Sub":
        text = value[0] if isinstance(value, list) and value else value
        names = list(dict.fromkeys(re.findall(r"\$\{([^}!][^}]*)\}", text)))[:5] if isinstance(text, str) else []
        shown = [n for n in names if _NAME.fullmatch(n)]
        return f"{head} (refers to {', '.join(shown)})" if shown else head
    if fn == "ImportValue" and isinstance(value, str) and _NAME.fullmatch(value):
        return f"{head} {value}"
    return head


def _shape(value: Any) -> str:
    """What kind of value this is, without its contents."""
    if isinstance(value, Mapping):
        if len(value) == 1 and isinstance(next(iter(value)), str) and (
                next(iter(value)) == "Ref" or str(next(iter(value))).startswith("Fn::")):
            return _short_expr(value)
        return f"a map of {len(value)} key" + ("" if len(value) == 1 else "s")
    if isinstance(value, list):
        return f"a list of {len(value)} item" + ("" if len(value) == 1 else "s")
    if isinstance(value, str):
        # A variable reference as written (serverless ``${ssm:/path}``, ``${self:custom.x}``) names
        # where the value comes from, not the value.
        if value.startswith("${") and value.endswith("}") and len(value) <= 200 and "\n" not in value:
            return repr(value)
        return f"a string of {len(value)} characters"
    return type(value).__name__


def _compact(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_unresolved(value: Any) -> bool:
    """True for a value nobody can know before deployment.

    That is an :class:`Unresolved` marker (CLI), or a raw intrinsic function such as
    ``{"Ref": "Memory"}`` (STACK-level templates arrive unresolved).
    """
    kind = type(value)
    if kind is dict:  # the common cases first, without the Mapping ABC check
        return len(value) == 1 and next(iter(value)) in INTRINSIC_KEYS
    if kind is str or kind is int or kind is list or kind is bool or value is None:
        return False
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return key in INTRINSIC_KEYS
    return False


def describe_value(value: Any) -> str:
    """A short human rendering of a property value for messages."""
    if isinstance(value, Unresolved):
        return value.describe()
    if is_unresolved(value):
        return _short_expr(value)
    if isinstance(value, str):
        return repr(value)
    return _compact(value)


def _unresolved(path: str, value: Any) -> NotApplicable:
    where = path or "value"
    return ValueUnknown(f"{where} is not known before deployment: {describe_value(value)}")


def as_int(value: Any, path: str = "") -> int | None:
    """An integer from ``128`` or ``"128"``; None when absent.

    Raises NotApplicable for an unresolved value and InvalidValue for anything that is not an
    integer (``"12x"``, ``True``).
    """
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        raise InvalidValue(f"{path or 'value'} must be an integer, got {value!r}", path)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise InvalidValue(f"{path or 'value'} must be an integer, got {value!r}", path)


def as_bool(value: Any, path: str = "") -> bool | None:
    """A boolean from ``true`` or ``"true"`` (any case); None when absent."""
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"{path or 'value'} must be a boolean, got {value!r}", path)


def as_str(value: Any, path: str = "") -> str | None:
    """A string (numbers are turned into their text); None when absent."""
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidValue(f"{path or 'value'} must be a string, got {_compact(value)}", path)


def as_list(value: Any, path: str = "") -> list[Any]:
    """A list; a comma-separated string is split (SSM StringList); absent gives []."""
    if value is None:
        return []
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise InvalidValue(f"{path or 'value'} must be a list, got {_compact(value)}", path)


# -- JSON pointers --------------------------------------------------------------------------------


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def json_pointer(*parts: str | int) -> str:
    """Build a JSON pointer, escaping each part: ``json_pointer("Resources", "A/B")`` is
    ``/Resources/A~1B``; no parts is ``""`` (the whole document)."""
    out = []
    for part in parts:
        text = part if type(part) is str else str(part)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        out.append(text)
    return "/" + "/".join(out) if out else ""


def pointer_tokens(pointer: str) -> tuple[str, ...]:
    """The unescaped parts of a JSON pointer: ``/Resources/A~1B`` is ``("Resources", "A/B")`` and
    ``""`` (the whole document) is ``()``. The inverse of :func:`json_pointer`; raises ValueError
    for text that is not a pointer (it must be empty or start with ``/``)."""
    if not pointer:
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"{pointer!r} is not a JSON pointer: it must be empty or start with '/'")
    if "~" not in pointer:  # nothing escaped: the parts as they are
        return tuple(pointer[1:].split("/"))
    return tuple(_unescape(raw) for raw in pointer[1:].split("/"))


#: "Not there" (distinct from a stored ``None``).
MISSING: Any = object()


#: Pointer -> its unescaped tokens. Rules read the same few dozen literal pointers on every
#: resource; bounded so pointers built from data cannot grow it without limit.
_TOKENS: dict[str, tuple[str, ...]] = {}


def _tokens(pointer: str) -> tuple[str, ...]:
    tokens = _TOKENS.get(pointer)
    if tokens is None:
        raw = pointer.lstrip("/").split("/")
        tokens = tuple(raw) if "~" not in pointer else tuple(_unescape(t) for t in raw)
        if len(_TOKENS) < 4096 and len(pointer) <= 256:
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
    tokens = _TOKENS.get(pointer)
    for token in tokens if tokens is not None else _tokens(pointer):
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
