"""Where things are in serverless.yml: the original file's key nodes, and the location tree of the
synthesized template whose keys carry the marks of the serverless.yml keys they came from."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAP", "STR", "Source", "Tree"]

MAP = "tag:yaml.org,2002:map"
STR = "tag:yaml.org,2002:str"


class Source:
    """(key node, value node) pairs of the original file, looked up by key path."""

    def __init__(self, root: Any) -> None:
        self.root = root if isinstance(root, yaml.MappingNode) else None

    def pair(self, *path: str) -> tuple[Any, Any] | None:
        node = self.root
        found: tuple[Any, Any] | None = None
        for part in path:
            if not isinstance(node, yaml.MappingNode):
                return None
            hit = next(((k, v) for k, v in node.value if getattr(k, "value", None) == part), None)
            if hit is None:
                return None
            found = hit
            node = hit[1]
        return found


class Tree:
    """A synthesized mapping whose keys carry the marks of the serverless.yml keys they came from.

    The Locator walks it like any composed YAML tree, so ``/Resources/HelloLambdaFunction/
    Properties/Runtime`` lands on the line of ``functions.hello.runtime`` (or ``provider.runtime``).
    """

    def __init__(self, anchor: Any) -> None:
        self.anchor = anchor  # the node whose mark stands for this mapping
        self.entries: dict[str, tuple[Any, Any]] = {}

    def put(self, key: str, pair: tuple[Any, Any] | None, value: Any = None) -> None:
        """``key`` at the mark of ``pair``'s key; its children are ``value`` (a Tree) or the original."""
        if pair is None:
            return
        self.entries[key] = (pair[0], value if value is not None else pair[1])

    def node(self) -> Any:
        items = []
        for key, (anchor, value) in self.entries.items():
            key_node = yaml.ScalarNode(STR, key, anchor.start_mark, anchor.end_mark)
            items.append((key_node, value.node() if isinstance(value, Tree) else value))
        mark = self.anchor.start_mark
        return yaml.MappingNode(MAP, items, mark, mark)

