"""A small, fast JSON Schema (draft 2020-12 subset) validator for policies and rule parameters.

Why not ``jsonschema`` on this path: its import alone costs more than the whole rest of a cold
start (measured in ``bench/README.md``). The subset covers what govhook's own schemas and rule ``params_schema`` use:
``type enum const minimum maximum exclusiveMinimum exclusiveMaximum minLength maxLength
pattern format(date) items prefixItems minItems maxItems uniqueItems properties required
additionalProperties patternProperties propertyNames minProperties anyOf oneOf allOf not
if/then/else $ref(#/$defs/..., #/definitions/...)``. Annotation keywords (``title``,
``description``, ``default``, ``examples``, ``$schema``, ``$id``, ``$comment``) are ignored. Any
other keyword is refused by :func:`check_supported`, so a schema never silently means less
than it says. The test suite checks agreement with ``jsonschema`` on generated instances.

It is govhook's one schema module: :func:`walk` visits every nested schema, and the checks built on
it are :func:`check_supported`, :func:`definition_problems` (a rule's ``params_schema``, checked
when the rule class is defined) and :func:`keys_at` (the keys allowed at a path, for "did you
mean" suggestions in policy errors).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from hook.core._record import Frozen
from hook.sdk import json_pointer, pointer_tokens

__all__ = ["SUPPORTED_KEYWORDS", "SchemaError", "check_supported", "definition_problems", "keys_at", "resolve",
           "validate", "walk"]

ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated",
     "$defs", "definitions", "markdownDescription"}
)
SUPPORTED_KEYWORDS = frozenset(
    {
        "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "format", "items", "prefixItems", "minItems",
        "maxItems", "uniqueItems", "properties", "required", "additionalProperties",
        "patternProperties", "propertyNames", "minProperties", "maxProperties", "anyOf", "oneOf",
        "allOf", "not", "if", "then", "else", "$ref",
    }
) | ANNOTATIONS


class SchemaError(Frozen):
    """One validation error: a JSON pointer into the instance and a sentence."""

    _fields = ("path", "message", "keyword")
    path: str
    message: str
    keyword: str

    def __init__(self, path: str, message: str, keyword: str = "") -> None:
        self.__dict__.update(path=path, message=message, keyword=keyword)

    def __str__(self) -> str:
        where = self.path or "(top level)"
        return f"{where}: {self.message}"


def _ptr(path: str, key: str | int) -> str:
    return path + json_pointer(key)


_TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true/false)",
    "null": "null",
}


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list | tuple)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "null":
        return value is None
    return False


def _kind_of(value: Any) -> str:
    for k in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if _is_type(value, k):
            return k
    return type(value).__name__


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Validator:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> Mapping[str, Any]:
        return resolve(self.root, ref)

    def errors(self, value: Any, schema: Any, path: str) -> list[SchemaError]:
        if schema is True or schema == {}:
            return []
        if schema is False:
            return [SchemaError(path, "is not allowed here", "false")]
        out: list[SchemaError] = []
        if "$ref" in schema:
            out.extend(self.errors(value, self.resolve(schema["$ref"]), path))
        kind = schema.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            if not any(_is_type(value, k) for k in kinds):
                want = " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
                got = f"got {_kind_of(value)} {_show(value)}"
                return [*out, SchemaError(path, f"must be {want}, {got}", "type")]
        if "const" in schema and not _equal(value, schema["const"]):
            out.append(SchemaError(path, f"must be {_show(schema['const'])}, got {_show(value)}", "const"))
        if "enum" in schema and not any(_equal(value, e) for e in schema["enum"]):
            choices = ", ".join(_show(e) for e in schema["enum"])
            out.append(SchemaError(path, f"must be one of {choices}; got {_show(value)}", "enum"))
        if _is_type(value, "number"):
            out.extend(self._number(value, schema, path))
        elif isinstance(value, str):
            out.extend(self._string(value, schema, path))
        elif isinstance(value, list | tuple):
            out.extend(self._array(list(value), schema, path))
        elif isinstance(value, Mapping):
            out.extend(self._object(value, schema, path))
        for sub in schema.get("allOf", ()):
            out.extend(self.errors(value, sub, path))
        if "anyOf" in schema:
            branches = [self.errors(value, sub, path) for sub in schema["anyOf"]]
            if all(branches):
                out.extend(_best(branches, path, "anyOf"))
        if "oneOf" in schema:
            branches = [self.errors(value, sub, path) for sub in schema["oneOf"]]
            ok = sum(1 for b in branches if not b)
            if ok == 0:
                out.extend(_best(branches, path, "oneOf"))
            elif ok > 1:
                out.append(SchemaError(path, "matches more than one allowed form", "oneOf"))
        if "not" in schema and not self.errors(value, schema["not"], path):
            out.append(SchemaError(path, f"{_show(value)} is not allowed here", "not"))
        if "if" in schema:
            if not self.errors(value, schema["if"], path):
                if "then" in schema:
                    out.extend(self.errors(value, schema["then"], path))
            elif "else" in schema:
                out.extend(self.errors(value, schema["else"], path))
        return out

    def _number(self, value: float, schema: Mapping[str, Any], path: str) -> list[SchemaError]:
        out = []
        if "minimum" in schema and value < schema["minimum"]:
            out.append(SchemaError(path, f"must be at least {schema['minimum']}, got {value}", "minimum"))
        if "maximum" in schema and value > schema["maximum"]:
            out.append(SchemaError(path, f"must be at most {schema['maximum']}, got {value}", "maximum"))
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            out.append(SchemaError(path, f"must be more than {schema['exclusiveMinimum']}, got {value}", "exclusiveMinimum"))
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            out.append(SchemaError(path, f"must be less than {schema['exclusiveMaximum']}, got {value}", "exclusiveMaximum"))
        return out

    def _string(self, value: str, schema: Mapping[str, Any], path: str) -> list[SchemaError]:
        out = []
        if "minLength" in schema and len(value) < schema["minLength"]:
            what = "must not be empty" if schema["minLength"] == 1 else f"must have at least {schema['minLength']} characters"
            out.append(SchemaError(path, what, "minLength"))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(SchemaError(path, f"must have at most {schema['maxLength']} characters", "maxLength"))
        if "pattern" in schema and not _regex(schema["pattern"]).search(value):
            out.append(SchemaError(path, f"{_show(value)} does not match the pattern {schema['pattern']}", "pattern"))
        if schema.get("format") == "date":
            try:
                date.fromisoformat(value)
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError
            except ValueError:
                out.append(SchemaError(path, f"{_show(value)} is not a date (YYYY-MM-DD)", "format"))
        return out

    def _array(self, value: list[Any], schema: Mapping[str, Any], path: str) -> list[SchemaError]:
        out = []
        if "minItems" in schema and len(value) < schema["minItems"]:
            what = "must not be empty" if schema["minItems"] == 1 else f"must have at least {schema['minItems']} items"
            out.append(SchemaError(path, what, "minItems"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            out.append(SchemaError(path, f"must have at most {schema['maxItems']} items, has {len(value)}", "maxItems"))
        if schema.get("uniqueItems"):
            seen: list[Any] = []
            for i, item in enumerate(value):
                if any(_equal(item, s) for s in seen):
                    out.append(SchemaError(_ptr(path, i), f"{_show(item)} is listed twice", "uniqueItems"))
                seen.append(item)
        prefix = schema.get("prefixItems", [])
        for i, sub in enumerate(prefix):
            if i < len(value):
                out.extend(self.errors(value[i], sub, _ptr(path, i)))
        items = schema.get("items")
        if items is not None:
            for i in range(len(prefix), len(value)):
                out.extend(self.errors(value[i], items, _ptr(path, i)))
        return out

    def _object(self, value: Mapping[str, Any], schema: Mapping[str, Any], path: str) -> list[SchemaError]:
        out = []
        props = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                out.append(SchemaError(path, f"'{name}' is required", "required"))
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            out.append(SchemaError(path, "must not be empty", "minProperties"))
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            out.append(SchemaError(path, f"must have at most {schema['maxProperties']} entries", "maxProperties"))
        pattern_props = schema.get("patternProperties", {})
        additional = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key, sub_value in value.items():
            sub_path = _ptr(path, key)
            if names is not None:
                for err in self.errors(key, names, path):
                    out.append(SchemaError(sub_path, f"key {key!r}: {err.message}", "propertyNames"))
            matched = False
            if key in props:
                matched = True
                out.extend(self.errors(sub_value, props[key], sub_path))
            for pattern, sub in pattern_props.items():
                if _regex(pattern).search(str(key)):
                    matched = True
                    out.extend(self.errors(sub_value, sub, sub_path))
            if not matched:
                if additional is False:
                    out.append(SchemaError(sub_path, f"unknown key '{key}'", "additionalProperties"))
                elif isinstance(additional, Mapping):
                    out.extend(self.errors(sub_value, additional, sub_path))
        return out


def _best(branches: list[list[SchemaError]], path: str, keyword: str) -> list[SchemaError]:
    """The most telling errors of failed alternatives.

    When exactly one alternative accepted the value's type (``null`` or an object, and the
    value is an object), that is the one meant: all its errors, so every mistake is reported at
    once. Otherwise the single error that got deepest, or one naming the accepted types.
    """
    # Prefer branches that failed on something other than the type of the value itself.
    typed = [b for b in branches if not (len(b) == 1 and b[0].keyword == "type" and b[0].path == path)]
    if len(typed) == 1:
        return typed[0]
    if typed:
        deepest = max((e for b in typed for e in b), key=lambda e: e.path.count("/"))
        return [deepest]
    kinds = [b[0].message.split(", got")[0].removeprefix("must be ") for b in branches]
    got = branches[0][0].message.split(", got", 1)[-1].strip() if branches and branches[0] else ""
    return [SchemaError(path, f"must be {' or '.join(kinds)}, got {got}", keyword)]


def validate(instance: Any, schema: Mapping[str, Any]) -> list[SchemaError]:
    """Every error of ``instance`` against ``schema``, in document order."""
    return _Validator(schema).errors(instance, schema, "")


def resolve(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    """The schema a local ``$ref`` (``#/$defs/name``) points at."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node: Any = root
    for part in pointer_tokens(ref[1:]):
        node = node[part]
    return node  # type: ignore[no-any-return]


# -- walking schemas (one walker: the keyword checks, rule definitions, key suggestions) -----------

#: Keywords whose value maps names to schemas, holds one schema, or lists schemas: walked in this order.
_NAMED = ("properties", "patternProperties", "$defs", "definitions")
_SINGLE = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else")
_LISTED = ("prefixItems", "anyOf", "oneOf", "allOf")

Location = tuple[str | int, ...]


def walk(schema: Any, where: Location = ()) -> Iterator[tuple[Location, Any]]:
    """Every schema inside ``schema``, itself first, each with its location: the keywords and
    names that lead to it (``("properties", "max")``, ``("anyOf", 0)``)."""
    yield where, schema
    if not isinstance(schema, Mapping):
        return
    for key in _NAMED:
        named = schema.get(key)
        if isinstance(named, Mapping):
            for name, sub in named.items():
                yield from walk(sub, (*where, key, name))
    for key in _SINGLE:
        sub = schema.get(key)
        if isinstance(sub, Mapping):
            yield from walk(sub, (*where, key))
    for key in _LISTED:
        listed = schema.get(key)
        if isinstance(listed, list):
            for i, sub in enumerate(listed):
                yield from walk(sub, (*where, key, i))


def check_supported(schema: Any, where: str = "#") -> list[str]:
    """Keywords in ``schema`` this validator does not implement (empty when all are known)."""
    problems: list[str] = []
    for loc, sub in walk(schema):
        at = "/".join([where, *(str(part) for part in loc)])
        if isinstance(sub, bool):
            continue
        if not isinstance(sub, Mapping):
            problems.append(f"{at}: a schema must be an object")
            continue
        problems.extend(f"{at}: unsupported keyword {key!r}" for key in sub if key not in SUPPORTED_KEYWORDS)
    return problems


_TYPES = frozenset(_TYPE_NAMES)


def definition_problems(schema: Any, where: str) -> list[str]:
    """What is wrong with a rule's ``params_schema`` as a definition (checked when the rule class
    is defined): not an object, an unknown ``type``, ``properties`` that is not an object, a
    keyword this validator does not implement. Locations read ``where.max``, ``where.anyOf[0]``."""
    if not isinstance(schema, Mapping):
        return [f"{where}: params_schema must be a JSON Schema object"]
    problems: list[str] = []
    for loc, sub in walk(schema):
        at = where + _dotted(loc)
        if isinstance(sub, bool):
            continue
        if not isinstance(sub, Mapping):
            problems.append(f"{at}: params_schema must be a JSON Schema object")
            continue
        kind = sub.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
        problems.extend(f"{at}: unknown JSON Schema type {k!r}" for k in kinds if k not in _TYPES)
        if "properties" in sub and not isinstance(sub["properties"], Mapping):
            problems.append(f"{at}: 'properties' must be an object")
        problems.extend(f"{at}: unsupported JSON Schema keyword {key!r} (govhook's validator does not implement it)"
                        for key in sub if key not in SUPPORTED_KEYWORDS)
    return problems


def _dotted(loc: Location) -> str:
    out = ""
    i = 0
    while i < len(loc):
        key = loc[i]
        if key == "properties" and i + 1 < len(loc):
            out += f".{loc[i + 1]}"
            i += 2
        elif key in _NAMED and i + 1 < len(loc):
            out += f".{key}.{loc[i + 1]}"
            i += 2
        elif key in _LISTED and i + 1 < len(loc):
            out += f".{key}[{loc[i + 1]}]"
            i += 2
        else:
            out += f".{key}"
            i += 1
    return out


def keys_at(schema: Mapping[str, Any], path: Location) -> list[str]:
    """The property names the schema allows at an instance path (``("rules", "lambda.x")``): what
    an unknown key there is compared with to suggest the nearest one. Empty when unknown."""
    node: Any = schema
    for part in path:
        if not isinstance(node, Mapping):
            return []
        if "$ref" in node:
            node = resolve(schema, node["$ref"])
        node = _child(node, part)
        if node is None:
            return []
    if isinstance(node, Mapping) and "$ref" in node:
        node = resolve(schema, node["$ref"])
    return list(node.get("properties", {})) if isinstance(node, Mapping) else []


def _child(node: Mapping[str, Any], part: str | int) -> Any:
    """The schema of one key or index of an instance the schema ``node`` describes."""
    props = node.get("properties", {})
    if isinstance(part, str) and part in props:
        return props[part]
    additional = node.get("additionalProperties")
    if isinstance(additional, Mapping):
        branches = additional.get("anyOf")
        if branches:
            return next((b for b in branches if b.get("type") == "object"), additional)
        return additional
    items = node.get("items")
    return items if isinstance(items, Mapping) else None
