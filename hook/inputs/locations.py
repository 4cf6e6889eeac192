"""Where things are in a YAML source: the one location layer for templates, serverless.yml and policies.

Every input that reports lines is read the same way: PyYAML composes the file into a node tree (the
same parse that builds the data), and a :class:`SourceMap` answers "which line and column does this
path point at" by walking that tree, lazily and memoized:

- a path is a sequence of mapping keys and list indexes (``("rules", "lambda.x", "params")``), or a
  JSON pointer (``/Resources/Fn/Properties/Runtime``, via :meth:`SourceMap.locate`);
- a mapping key's location is its *key*'s mark, a list item's is the item's; a path that goes
  further than the file is located at the nearest node that exists (a missing property at its
  resource), so a finding always has a line;
- duplicate keys resolve to the last one (as the data does); merge keys (``<<: *base``) are
  followed, keys written beside them winning, earlier merged mappings before later ones (as PyYAML
  and the policy reader build the data).

:class:`Locator` keeps one :class:`SourceMap` per file for the engine (``locate(file, pointer)``);
:class:`MarkedMapping` builds a synthesized tree whose keys carry the marks of the original nodes they
came from (the serverless adapter's generated template points at serverless.yml lines this way).

Nodes are read by duck typing (PyYAML's ``node.id`` is ``scalar``, ``sequence`` or ``mapping``), so
this module never imports PyYAML: a policy published as JSON and the STACK path import nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hook.core.model import Location
from hook.sdk import pointer_tokens

__all__ = ["Locator", "MarkedMapping", "SourceMap"]

_MERGE = "tag:yaml.org,2002:merge"
_MAP = "tag:yaml.org,2002:map"
_STR = "tag:yaml.org,2002:str"

Path = Sequence[str | int]
Pair = tuple[Any, Any]


class SourceMap:
    """One composed YAML document: ``(key node, value node)`` pairs and marks by path."""

    __slots__ = ("_found", "_keys", "root")

    def __init__(self, root: Any) -> None:
        self.root = root
        self._keys: dict[int, dict[str, Pair]] = {}  # mapping node id -> {key: (key node, value node)}
        self._found: dict[tuple[str, ...], tuple[Any, Any]] = {}  # path -> (nearest node, node or None)

    def keys(self, node: Any) -> dict[str, Pair]:
        """A mapping node's keys as the data sees them (last duplicate wins; merges followed)."""
        index = self._keys.get(id(node))
        if index is None:
            index = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE:
                    sources = value_node.value if value_node.id == "sequence" else [value_node]
                    merged: dict[str, Pair] = {}
                    for source in reversed(sources):  # the first merged mapping wins over later ones
                        if source.id == "mapping":
                            merged.update(self.keys(source))
                    for k, v in merged.items():
                        index.setdefault(k, v)  # keys written beside the merge win
                    continue
                index[str(getattr(key_node, "value", ""))] = (key_node, value_node)
            self._keys[id(node)] = index
        return index

    def find(self, path: Path) -> tuple[Any, Any]:
        """``(nearest node, node at the path or None)``; every prefix is memoized, so the findings
        of one resource walk the file down to its properties once."""
        found = self._found
        hit = found.get(path) if type(path) is tuple else None
        if hit is not None:
            return hit
        key = tuple(p if type(p) is str else str(p) for p in path)
        hit = found.get(key)
        if hit is not None:
            return hit
        if not key:
            hit = found[()] = (self.root, self.root)
            return hit
        depth = len(key) - 1  # the longest prefix already walked
        while depth and key[:depth] not in found:
            depth -= 1
        best, node = found[key[:depth]] if depth else self.find(())
        exact = None
        for i in range(depth, len(key)):
            token = key[i]
            exact = None
            if node is not None:
                if node.id == "mapping":
                    pair = self.keys(node).get(token)
                    if pair is not None:
                        best, exact = pair
                elif node.id == "sequence" and token.isdigit() and int(token) < len(node.value):
                    best = exact = node.value[int(token)]
            found[key[:i + 1]] = (best, exact)
            node = exact
        return best, exact

    def pair(self, *path: str | int) -> Pair | None:
        """The ``(key node, value node)`` at a path of mapping keys; None when any step is missing."""
        if not path:
            return None
        parent = self.find(path[:-1])[1]
        if parent is None or parent.id != "mapping":
            return None
        return self.keys(parent).get(str(path[-1]))

    def mark(self, path: Path) -> tuple[int, int]:
        """1-based ``(line, column)`` of the path, or of the nearest node on it that exists."""
        mark = self.find(path)[0].start_mark
        return mark.line + 1, mark.column + 1

    def locate(self, file: str, pointer: str) -> Location:
        line, column = self.mark(pointer_tokens(pointer) if pointer.startswith("/") else ())
        return Location(file, line, column)


class Locator:
    """Line and column of a JSON pointer in any registered file, composed lazily on first use."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._maps: dict[str, SourceMap | None] = {}
        self._located: dict[str, dict[str, Location]] = {}

    def add(self, file: str, text: str, node: Any = None) -> None:
        """Register a file's text; pass its already composed node tree to skip a second parse."""
        self._texts[file] = text
        if node is not None:
            self._maps[file] = SourceMap(node)
        else:
            self._maps.pop(file, None)
        self._located.pop(file, None)

    def source_map(self, file: str) -> SourceMap | None:
        if file not in self._maps:
            text = self._texts.get(file)
            root = None
            if text is not None:
                from hook.core.yaml_import import yaml
                from hook.inputs.yamlcfn import CfnLoader

                try:
                    root = yaml.compose(text, Loader=CfnLoader)
                except yaml.YAMLError:
                    root = None
            self._maps[file] = SourceMap(root) if root is not None else None
        return self._maps[file]

    def locate(self, file: str, pointer: str) -> Location | None:
        located = self._located.get(file)
        if located is None:
            located = self._located[file] = {}
        found = located.get(pointer)
        if found is None:
            source = self.source_map(file)
            if source is None:
                return None
            found = located[pointer] = source.locate(file, pointer)
        return found


class _Node:
    """A composed-node look-alike for synthesized trees (what :class:`SourceMap` reads)."""

    __slots__ = ("end_mark", "id", "start_mark", "tag", "value")

    def __init__(self, kind: str, tag: str, value: Any, start_mark: Any, end_mark: Any) -> None:
        self.id, self.tag, self.value, self.start_mark, self.end_mark = kind, tag, value, start_mark, end_mark


class MarkedMapping:
    """A synthesized mapping whose keys carry the marks of the source nodes they came from.

    A :class:`SourceMap` walks :meth:`node` like any composed tree, so a pointer into a generated
    template (``/Resources/HelloLambdaFunction/Properties/Runtime``) lands on the line of the
    source key it was built from (``functions.hello.runtime`` in serverless.yml).
    """

    def __init__(self, anchor: Any) -> None:
        self.anchor = anchor  # the node whose mark stands for this mapping
        self.entries: dict[str, tuple[Any, Any]] = {}

    def put(self, key: str, pair: Pair | None, value: Any = None) -> None:
        """``key`` at the mark of ``pair``'s key; its children are ``value`` (a MarkedMapping) or the
        original value node."""
        if pair is None:
            return
        self.entries[key] = (pair[0], value if value is not None else pair[1])

    def node(self) -> Any:
        items = []
        for key, (anchor, value) in self.entries.items():
            key_node = _Node("scalar", _STR, key, anchor.start_mark, anchor.end_mark)
            items.append((key_node, value.node() if isinstance(value, MarkedMapping) else value))
        mark = self.anchor.start_mark
        return _Node("mapping", _MAP, items, mark, mark)


def mapping_node(items: Iterable[Pair], start_mark: Any, end_mark: Any) -> Any:
    """A synthesized mapping node of ``(key node, value node)`` items."""
    return _Node("mapping", _MAP, list(items), start_mark, end_mark)


def key_node(key: str, mark: Any) -> Any:
    """A synthesized scalar key at ``mark``."""
    return _Node("scalar", _STR, key, mark, mark)
