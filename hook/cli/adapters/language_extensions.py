"""``Fn::ForEach`` (the ``AWS::LanguageExtensions`` transform), offline.

CloudFormation runs this transform before SAM and before resource hooks, so the resource hook sees
``OrdersFunction`` and ``BillingFunction``, never ``Fn::ForEach::Functions``. The CLI does the same:
each loop is unrolled over its collection (a literal list, or ``!Ref`` to a ``CommaDelimitedList``
parameter with a default or a ``--param`` value), with ``${Id}``/``&{Id}`` in keys and ``Fn::Sub``
strings and ``!Ref Id`` replaced by the item. A collection that cannot be known is an input error
that says which parameter to pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hook.cli.adapters.guards import RESOURCE_LIMIT
from hook.core.errors import TemplateError
from hook.sdk import json_pointer

__all__ = ["expand_foreach", "uses_foreach"]

_PREFIX = "Fn::ForEach::"
#: Every fragment the loops of one template may unroll, at all levels together.
_FRAGMENT_BUDGET = 10 * RESOURCE_LIMIT


def uses_foreach(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return "AWS::LanguageExtensions" in names


class _Expander:
    def __init__(self, template: Mapping[str, Any], parameters: Mapping[str, str], file: str | None) -> None:
        self.file = file
        self.parameters = parameters
        declared = template.get("Parameters")
        self.declared: Mapping[str, Any] = declared if isinstance(declared, Mapping) else {}
        #: Fragments unrolled so far, all loops together: checked as the expansion grows, so a
        #: loop of 10^6 items (or loops nested to that) stops at the limit, not after building it.
        self.made = 0

    def collection(self, loop: str, value: Any) -> list[str]:
        if isinstance(value, list) and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            return [str(v) for v in value]
        if isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("Ref"), str):
            name = value["Ref"]
            spec = self.declared.get(name)
            raw: Any = None
            if name in self.parameters:
                raw = self.parameters[name]
            elif isinstance(spec, Mapping) and "Default" in spec:
                raw = spec["Default"]
            if isinstance(raw, str):
                return [part.strip() for part in raw.split(",")]
            if isinstance(raw, list):
                return [str(part) for part in raw]
            raise TemplateError(
                f"{_PREFIX}{loop}: its collection !Ref {name} is not known before deployment; "
                f"pass --param {name}=a,b", self.file)
        raise TemplateError(f"{_PREFIX}{loop}: the collection must be a list or a !Ref to a list parameter", self.file)

    def mapping(self, node: Mapping[str, Any], pointer: str, origin: dict[str, str]) -> dict[str, Any]:
        """Unroll the loops among a mapping's keys; ``origin`` maps each generated key to the
        JSON pointer of the template it came from."""
        out: dict[str, Any] = {}
        for key, value in node.items():
            if not (isinstance(key, str) and key.startswith(_PREFIX)):
                out[key] = value
                continue
            loop = key[len(_PREFIX):]
            if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                    and isinstance(value[2], Mapping)):
                raise TemplateError(f"{key} must be [Identifier, Collection, {{OutputKey: Template}}]", self.file)
            ident, items, body = value
            body_pointer = pointer + json_pointer(key, 2)
            for item in self.collection(loop, items):
                inner: dict[str, str] = {}
                unrolled = self.mapping(_bind(body, ident, item), body_pointer, inner)
                for out_key, fragment in unrolled.items():
                    if out_key in out:
                        raise TemplateError(f"{key} produces '{out_key}' twice", self.file)
                    self.made += 1
                    if len(out) >= RESOURCE_LIMIT or self.made > _FRAGMENT_BUDGET:
                        raise TemplateError(
                            f"{key} expands to more than {RESOURCE_LIMIT} entries; CloudFormation accepts at "
                            f"most {RESOURCE_LIMIT} resources in one template", self.file, pointer=pointer + json_pointer(key))
                    out[out_key] = fragment
                    origin[out_key] = inner.get(out_key, body_pointer + json_pointer(_template_key(body, ident, item, out_key)))
        return out


def _sub_text(text: str, ident: str, item: str) -> str:
    text = text.replace("${" + ident + "}", item)
    return text.replace("&{" + ident + "}", re.sub(r"[^A-Za-z0-9]", "", item))


def _bind(node: Any, ident: str, item: str) -> Any:
    """A loop body with the identifier replaced by one item."""
    if isinstance(node, list):
        return [_bind(v, ident, item) for v in node]
    if isinstance(node, Mapping):
        if len(node) == 1:
            key, arg = next(iter(node.items()))
            if key == "Ref" and arg == ident:
                return item
            if key == "Fn::Sub" and isinstance(arg, str):
                return {key: _sub_text(arg, ident, item)}
            if key == "Fn::Sub" and isinstance(arg, list) and arg and isinstance(arg[0], str):
                return {key: [_sub_text(arg[0], ident, item), *[_bind(a, ident, item) for a in arg[1:]]]}
        return {(_sub_text(k, ident, item) if isinstance(k, str) else k): _bind(v, ident, item) for k, v in node.items()}
    return node


def _template_key(body: Mapping[str, Any], ident: str, item: str, out_key: str) -> str:
    """The key as written in the loop body that produced ``out_key`` (for line numbers)."""
    for key in body:
        if isinstance(key, str) and _sub_text(key, ident, item) == out_key:
            return key
    return out_key


def expand_foreach(
    template: Mapping[str, Any], parameters: Mapping[str, str], *, file: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The template with every ``Fn::ForEach`` loop under ``Resources`` (and inside resources'
    properties) unrolled, and for each generated resource the JSON pointer of its loop body."""
    out = dict(template)
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return out, {}
    expander = _Expander(template, parameters, file)
    origin: dict[str, str] = {}
    unrolled = expander.mapping(resources, "/Resources", origin)
    for logical_id, resource in list(unrolled.items()):
        props = resource.get("Properties") if isinstance(resource, Mapping) else None
        if isinstance(props, Mapping) and any(isinstance(k, str) and k.startswith(_PREFIX) for k in props):
            unrolled[logical_id] = {**resource, "Properties": expander.mapping(props, "", {})}
    out["Resources"] = unrolled
    transform = template.get("Transform")
    rest = [t for t in (transform if isinstance(transform, list) else [transform]) if t != "AWS::LanguageExtensions"]
    if rest:
        out["Transform"] = rest if len(rest) > 1 else rest[0]
    else:
        out.pop("Transform", None)
    return out, origin
