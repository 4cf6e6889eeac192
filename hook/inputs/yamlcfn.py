"""CloudFormation templates as data: YAML with short-form tags, and JSON.

Line numbers come from the node tree :func:`load_template_nodes` returns, read by the one location
layer (:mod:`hook.inputs.locations`).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from hook.core.errors import TemplateError

__all__ = ["CfnLoader", "load_template_nodes", "load_template_text", "read_source"]

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "GetAtt": "Fn::GetAtt",
}
_FN_TAGS = (
    "Base64", "Cidr", "FindInMap", "GetAZs", "If", "ImportValue", "Join", "Select", "Split", "Sub",
    "Transform", "And", "Equals", "Not", "Or", "Length", "ToJsonString", "ForEach",
)


class CfnLoader(_Base):  # type: ignore[misc]
    """A safe loader that reads CloudFormation's short-form tags as their long form.

    Timestamps stay strings (``AWSTemplateFormatVersion: 2010-09-09``, policy ``Version``).
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # The C composer asks for every scalar's tag; templates repeat the same few hundred
        # values (keys, types, runtimes), so the answer of the regex scan is remembered.
        if kind is yaml.ScalarNode and type(self) is CfnLoader:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_RESOLVED) < 65536:
                    _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)


#: ``(scalar value, implicit flags) -> tag`` for CfnLoader (its resolvers never change after import).
_RESOLVED: dict[tuple[str, Any], str] = {}


def _construct(loader: Any, node: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _make(name: str, short: str) -> Any:
    def construct(loader: Any, node: Any) -> Any:
        value = _construct(loader, node)
        if short == "GetAtt" and isinstance(value, str):
            head, _, tail = value.partition(".")
            value = [head, tail]
        return {name: value}

    return construct


for _short, _long in _TAGS.items():
    CfnLoader.add_constructor(f"!{_short}", _make(_long, _short))
for _fn in _FN_TAGS:
    CfnLoader.add_constructor(f"!{_fn}", _make(f"Fn::{_fn}", _fn))

# Timestamps stay strings, as CloudFormation reads them.
CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in CfnLoader.yaml_implicit_resolvers.copy().items()
}


# -- construction ----------------------------------------------------------------------------------
#
# The C parser composes the node tree; PyYAML's constructor then walks it in Python with general
# machinery (a generator per mapping, state dictionaries, a Hashable check per key, a flatten pass
# per mapping). Templates are plain trees of str/int/bool/null/map/list plus the CloudFormation
# tags, so :func:`_construct_fast` builds exactly that directly, and hands anything else back to
# PyYAML: a scalar of another kind (float, octal, ``!!binary``...) is built by PyYAML's own
# constructor; a document with merge keys, non-string keys, aliased collections or an unknown tag
# on a collection is built entirely by PyYAML, so the result is the same object PyYAML would build;
# so is a document PyYAML refuses, so that the error (and its line) is the one PyYAML reports.

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}
_SHORT_TAGS: dict[str, str] = {f"!{k}": v for k, v in _TAGS.items()} | {f"!{fn}": f"Fn::{fn}" for fn in _FN_TAGS}


class _Generic(Exception):
    """This document needs PyYAML's general constructor."""


def _construct_fast(loader: Any, root: Any) -> Any:
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    seen: set[int] = set()

    def build(node: Any) -> Any:
        kind = type(node)
        tag = node.tag
        if kind is scalar_node:
            value = node.value
            if tag == _STR:
                return value
            if tag == _INT and value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)
            if tag == _BOOL and value.lower() in _BOOLS:
                return _BOOLS[value.lower()]
            if tag == _NULL:
                return None
            if tag in _SHORT_TAGS:
                if id(node) in seen:
                    raise _Generic  # an aliased tag builds one shared dict in PyYAML
                seen.add(id(node))
                if tag == "!GetAtt":
                    head, _, tail = value.partition(".")
                    return {"Fn::GetAtt": [head, tail]}
                return {_SHORT_TAGS[tag]: value}
            # Any other scalar (float, octal, sexagesimal, !!binary...): PyYAML's own constructor.
            return loader.construct_object(node, deep=True)
        if id(node) in seen:
            raise _Generic  # an alias: PyYAML shares the object, so let it build the document
        seen.add(id(node))
        if kind is mapping_node:
            if tag != _MAP and tag not in _SHORT_TAGS:
                raise _Generic
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not scalar_node or key_node.tag != _STR:
                    raise _Generic  # merge keys (<<), non-string keys
                out[key_node.value] = build(value_node)
        elif kind is sequence_node:
            if tag != _SEQ and tag not in _SHORT_TAGS:
                raise _Generic
            items = [build(child) for child in node.value]
            if tag == "!GetAtt":
                return {"Fn::GetAtt": items}
            return {_SHORT_TAGS[tag]: items} if tag != _SEQ else items
        else:
            raise _Generic
        return out if tag == _MAP else {_SHORT_TAGS[tag]: out}

    try:
        return build(root)
    except Exception:  # _Generic, or a scalar PyYAML refuses: its own walk reports the first error
        pass
    finally:  # the state PyYAML's construct_document leaves behind
        loader.state_generators = []
        loader.constructed_objects = {}
        loader.recursive_objects = {}
        loader.deep_construct = False
    return loader.construct_document(root)


def load_template_text(text: str, file: str = "<template>") -> dict[str, Any]:
    """Parse a template (JSON or YAML); errors name the file and line."""
    return load_template_nodes(text, file)[0]


def read_source(path: str, what: str = "template") -> str:
    """A template file's text; an unreadable file is a :class:`TemplateError` naming it."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read {what}: {getattr(exc, 'strerror', None) or exc}", path) from exc


def load_template_nodes(text: str, file: str = "<template>") -> tuple[dict[str, Any], Any]:
    """The template and, for YAML, its node tree (one parse serves data and line numbers)."""
    node: Any = None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno) from exc
    else:
        try:
            loader = CfnLoader(text)
            try:
                node = loader.get_single_node()
                data = _construct_fast(loader, node) if node is not None else None
            finally:
                loader.dispose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            problem = exc.problem or exc.context or "invalid YAML"
            line = mark.line + 1 if mark is not None else None
            col = mark.column + 1 if mark is not None else None
            raise TemplateError(f"not valid YAML: {problem}", file, line, col) from exc
        except yaml.YAMLError as exc:
            raise TemplateError(f"not valid YAML: {exc}", file) from exc
    if not isinstance(data, dict):
        raise TemplateError("a template must be a mapping with Resources", file, 1, 1)
    return data, node
