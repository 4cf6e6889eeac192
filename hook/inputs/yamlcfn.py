"""CloudFormation templates as data: YAML with short-form tags, and JSON.

Line numbers come from the node tree :func:`load_template_nodes` returns, read by the one location
layer (:mod:`hook.inputs.locations`).
"""

from __future__ import annotations

import json
from typing import Any

from hook.core.errors import TemplateError
from hook.core.yaml_import import yaml
from hook.inputs.fast_yaml import construct_document

__all__ = ["SHORT_TAGS", "CfnLoader", "load_template_nodes", "load_template_text", "read_source"]

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

    PyYAML's composer calls ``descend_resolver``, ``resolve`` and ``ascend_resolver`` for every
    node. Without path resolvers (PyYAML's experimental ``add_path_resolver``, which this loader
    refuses) the two path methods do nothing and a collection's tag is the default one, so here
    they are C callables doing the same nothing (``slice(node, index)``, ``tuple()``), without a
    Python frame per node. A subclass gets PyYAML's own three methods back (it may add resolvers).
    """

    descend_resolver: Any = slice
    ascend_resolver: Any = tuple

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.descend_resolver = yaml.resolver.BaseResolver.descend_resolver
        cls.ascend_resolver = yaml.resolver.BaseResolver.ascend_resolver
        cls.resolve = yaml.resolver.BaseResolver.resolve  # type: ignore[method-assign]

    @classmethod
    def add_path_resolver(cls, *args: Any, **kwargs: Any) -> None:
        if cls is CfnLoader:
            raise TypeError("CfnLoader takes no path resolvers (its composer skips them); subclass it")
        super().add_path_resolver(*args, **kwargs)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # Templates repeat the same few hundred scalars (keys, types, runtimes), so the answer of
        # the regex scan is remembered.
        if kind is _SCALAR:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = _BASE_RESOLVE(self, kind, value, implicit)
                _remember(key, tag)
            return tag
        if kind is _MAPPING:
            return self.DEFAULT_MAPPING_TAG
        if kind is _SEQUENCE:
            return self.DEFAULT_SEQUENCE_TAG
        return _BASE_RESOLVE(self, kind, value, implicit)


_SCALAR, _MAPPING, _SEQUENCE = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
_BASE_RESOLVE: Any = yaml.resolver.BaseResolver.resolve

#: ``(scalar value, implicit flags) -> tag`` for CfnLoader (its resolvers never change after import).
#: Bounded by bytes as well as entries: only short scalars (the keys, types and runtimes templates
#: repeat) are kept, and the oldest half goes when either bound is reached. A STACK payload full of
#: long distinct strings would otherwise pin megabytes in a warm Lambda.
_RESOLVED: dict[tuple[str, Any], str] = {}
_RESOLVED_BYTES = [0]
MAX_SCALAR = 256
MAX_RESOLVED_ENTRIES = 16384
MAX_RESOLVED_BYTES = 2 * 1024 * 1024


def _remember(key: tuple[str, Any], tag: str) -> None:
    size = len(key[0])
    if size > MAX_SCALAR:
        return
    if len(_RESOLVED) >= MAX_RESOLVED_ENTRIES or _RESOLVED_BYTES[0] + size > MAX_RESOLVED_BYTES:
        for old in list(_RESOLVED)[: len(_RESOLVED) // 2 + 1]:
            del _RESOLVED[old]
            _RESOLVED_BYTES[0] -= len(old[0])
    _RESOLVED[key] = tag
    _RESOLVED_BYTES[0] += size


def scalar_cache_size() -> tuple[int, int]:
    """(entries, characters of scalar text) held by the tag cache."""
    return len(_RESOLVED), _RESOLVED_BYTES[0]


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

#: Short-form tag -> the intrinsic's long name, for the fast constructor.
SHORT_TAGS: dict[str, str] = {f"!{k}": v for k, v in _TAGS.items()} | {f"!{fn}": f"Fn::{fn}" for fn in _FN_TAGS}

# Timestamps stay strings, as CloudFormation reads them.
CfnLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in CfnLoader.yaml_implicit_resolvers.copy().items()
}


def load_template_text(text: str, file: str = "<template>") -> dict[str, Any]:
    """Parse a template (JSON or YAML); errors name the file and line."""
    return load_template_nodes(text, file)[0]


def read_source(path: str, what: str = "template") -> str:
    """A template file's text; an unreadable file (not a regular file, over CloudFormation's 1 MB,
    not UTF-8) is a :class:`TemplateError` naming it (:mod:`hook.inputs.files`)."""
    from hook.inputs.files import read_text_file

    return read_text_file(path, what)


def _refuse_duplicates(node: Any, file: str) -> None:
    """A mapping with the same key twice: CloudFormation rejects the template (cfn-lint E0000);
    YAML would keep the last one silently."""
    first: dict[str, Any] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        seen = first.get(key_node.value)
        if seen is not None:
            line = key_node.start_mark.line + 1
            raise TemplateError(f"duplicate key '{key_node.value}' at lines {seen.start_mark.line + 1} and {line}: "
                                "CloudFormation rejects a template with a key repeated in one mapping; keep one",
                                file, line, key_node.start_mark.column + 1)
        first[key_node.value] = key_node


def _all_duplicates(root: Any, file: str) -> None:
    """The duplicate check of the documents PyYAML builds (merge keys, aliases): every mapping once."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            _refuse_duplicates(node, file)
            stack.extend(v for _, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _json_pairs(text: str, file: str) -> Any:
    """An ``object_pairs_hook`` that refuses a key repeated in one object, naming both lines."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) < len(items):
            names = [k for k, _ in items]
            key = next(k for i, k in enumerate(names) if k in names[:i])
            needle = json.dumps(key)
            lines: list[int] = []
            pos = text.find(needle)
            while pos >= 0 and len(lines) < 64:  # the key's occurrences as a key, in the text
                after = text[pos + len(needle):pos + len(needle) + 64].lstrip()
                if after.startswith(":"):
                    lines.append(text.count("\n", 0, pos) + 1)
                pos = text.find(needle, pos + 1)
            where = f" at lines {lines[0]} and {lines[1]}" if len(lines) >= 2 else ""
            raise TemplateError(f"duplicate key '{key}'{where}: CloudFormation rejects a template with a key "
                                "repeated in one object; keep one", file, lines[1] if len(lines) >= 2 else None)
        return out

    return pairs


def load_template_nodes(text: str, file: str = "<template>") -> tuple[dict[str, Any], Any]:
    """The template and, for YAML, its node tree (one parse serves data and line numbers)."""
    node: Any = None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_json_pairs(text, file))
        except json.JSONDecodeError as exc:
            raise TemplateError(f"not valid JSON: {exc.msg}", file, exc.lineno, exc.colno) from exc
    else:
        try:
            loader = CfnLoader(text)
            try:
                node = loader.get_single_node()
                # Repeated keys are refused before PyYAML's construction (it flattens merge keys
                # into the nodes); a document the fast constructor builds has none.
                data = construct_document(loader, node, SHORT_TAGS, lambda root: _all_duplicates(root, file)) \
                    if node is not None else None
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
