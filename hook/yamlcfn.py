"""CloudFormation templates as data: YAML with short-form tags, JSON, and line numbers on demand."""

from __future__ import annotations

import json
from typing import Any

import yaml

from hook.errors import TemplateError
from hook.model import Location

__all__ = ["CfnLoader", "Locator", "load_template_text"]

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


def load_template_text(text: str, file: str = "<template>") -> dict[str, Any]:
    """Parse a template (JSON or YAML); errors name the file and line."""
    return load_template_nodes(text, file)[0]


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
                data = loader.construct_document(node) if node is not None else None
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


class Locator:
    """Line and column of a JSON pointer in a source file, composed lazily on first use."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._roots: dict[str, Any] = {}
        self._index: dict[int, dict[str, tuple[Any, Any]]] = {}

    def add(self, file: str, text: str, node: Any = None) -> None:
        """Register a file's text; pass its already composed node tree to skip a second parse."""
        self._texts[file] = text
        if node is not None:
            self._roots[file] = node
        else:
            self._roots.pop(file, None)

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
        best = node
        for raw in [p for p in pointer.split("/")[1:]] if pointer else []:
            token = raw.replace("~1", "/").replace("~0", "~")
            nxt = None
            if isinstance(node, yaml.MappingNode):
                index = self._index.get(id(node))
                if index is None:
                    index = {}
                    # Last wins, as in the data: a `<<: *base` merge is flattened in front of the
                    # keys written beside it, and those override it.
                    for key_node, value_node in node.value:
                        index[str(getattr(key_node, "value", ""))] = (key_node, value_node)
                    self._index[id(node)] = index
                hit = index.get(token)
                if hit is not None:
                    best, nxt = hit
            elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
                nxt = node.value[int(token)]
                best = nxt
            if nxt is None:
                break
            node = nxt
        mark = best.start_mark
        return Location(file, mark.line + 1, mark.column + 1)
