"""CloudFormation templates as data: YAML with short-form tags, JSON, and line numbers on demand."""

from __future__ import annotations

import json
from typing import Any

import yaml

from hook.core.errors import TemplateError
from hook.core.model import Location

__all__ = ["CfnLoader", "Locator", "load_template_text", "read_source"]

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
    # Aliases share nodes: what is built from them is shared too, but everything that reads the
    # template afterwards (resolver, SAM, rules) walks it as a tree. A "billion laughs" document is
    # a few hundred bytes whose tree has 10^9 nodes: it is refused here, before it is built.
    check_alias_expansion(root)
    return loader.construct_document(root)


#: The most nodes a YAML document may have once its aliases are expanded. A 1 MB template (the
#: most CloudFormation accepts) has about 250,000 nodes; legitimate anchors (shared tags,
#: environments) multiply that by little.
EXPANDED_NODES_LIMIT = 1_000_000


def check_alias_expansion(root: Any, limit: int = EXPANDED_NODES_LIMIT) -> None:
    """Raise :class:`TemplateError` (at the anchor that multiplies) when the document's tree, with
    every alias expanded, would have more than ``limit`` nodes, or when an alias contains itself.
    Each node is visited once (sizes are memoised), so this costs as much as the document is long."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_.discard(key)
            children = _children(node)
            total = 1 + sum(size[id(c)] for c in children)
            if total > limit:
                mark = node.start_mark
                raise TemplateError(
                    f"YAML aliases expand this node to more than {limit:,} values (an alias bomb?); "
                    "CloudFormation would not accept a template this large", None, mark.line + 1, mark.column + 1)
            size[key] = total
            continue
        if key in size:
            continue
        if key in open_:
            mark = node.start_mark
            raise TemplateError("a YAML alias refers to a node that contains it (a recursive structure)",
                                None, mark.line + 1, mark.column + 1)
        open_.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) not in size:
                stack.append((child, False))


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_template_text(text: str, file: str = "<template>") -> dict[str, Any]:
    """Parse a template (JSON or YAML); errors name the file and line."""
    return load_template_nodes(text, file)[0]


def read_source(path: str, what: str = "template") -> str:
    """A template file's text; an unreadable file (not a regular file, over CloudFormation's 1 MB,
    not UTF-8) is a :class:`TemplateError` naming it (:mod:`hook.inputs.files`)."""
    from hook.inputs.files import read_text_file

    return read_text_file(path, what)


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
        except TemplateError as exc:
            if exc.file is None:
                raise TemplateError(exc.message, file, exc.line, exc.column) from exc
            raise
    if not isinstance(data, dict):
        raise TemplateError("a template must be a mapping with Resources", file, 1, 1)
    return data, node


class Locator:
    """Line and column of a JSON pointer in a source file, composed lazily on first use."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._roots: dict[str, Any] = {}
        # Per file: mapping node id -> {key: (key node, value node)}; pointer -> (nearest node,
        # node at the pointer or None); pointer -> Location. Dropped when the file is re-added.
        self._index: dict[str, dict[int, dict[str, tuple[Any, Any]]]] = {}
        self._walked: dict[str, dict[str, tuple[Any, Any]]] = {}
        self._located: dict[str, dict[str, Location]] = {}

    def add(self, file: str, text: str, node: Any = None) -> None:
        """Register a file's text; pass its already composed node tree to skip a second parse."""
        self._texts[file] = text
        if node is not None:
            self._roots[file] = node
        else:
            self._roots.pop(file, None)
        for memo in (self._index, self._walked, self._located):
            memo.pop(file, None)

    def _root(self, file: str) -> Any:
        if file not in self._roots:
            text = self._texts.get(file)
            try:
                self._roots[file] = yaml.compose(text, Loader=CfnLoader) if text is not None else None
            except yaml.YAMLError:
                self._roots[file] = None
        return self._roots[file]

    def locate(self, file: str, pointer: str) -> Location | None:
        node = self._root(file)
        if node is None:
            return None
        located = self._located.setdefault(file, {})
        found = located.get(pointer)
        if found is None:
            walked = self._walked.setdefault(file, {})
            index = self._index.setdefault(file, {})
            mark = _walk(node, pointer, walked, index)[0].start_mark
            found = located[pointer] = Location(file, mark.line + 1, mark.column + 1)
        return found


def _walk(
    root: Any, pointer: str, walked: dict[str, tuple[Any, Any]], index: dict[int, dict[str, tuple[Any, Any]]]
) -> tuple[Any, Any]:
    """``(nearest node, node at the pointer or None)``. Parents are remembered in ``walked``, so
    the failures of one resource walk the template down to its properties once."""
    if "/" not in pointer:
        return root, root  # the first segment of a pointer names nothing ("" is the root)
    hit = walked.get(pointer)
    if hit is not None:
        return hit
    parent, _, raw = pointer.rpartition("/")
    best, node = _walk(root, parent, walked, index)
    nxt = None
    if node is not None:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, yaml.MappingNode):
            keys = index.get(id(node))
            if keys is None:
                keys = {}
                # Last wins, as in the data: a `<<: *base` merge is flattened in front of the
                # keys written beside it, and those override it.
                for key_node, value_node in node.value:
                    keys[str(getattr(key_node, "value", ""))] = (key_node, value_node)
                index[id(node)] = keys
            found = keys.get(token)
            if found is not None:
                best, nxt = found
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            nxt = node.value[int(token)]
            best = nxt
    result = (best, nxt)
    walked[pointer] = result
    return result
