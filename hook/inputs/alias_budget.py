"""A YAML document's size with every alias expanded, checked before anything is built from it.

Aliases share nodes, and what is built from them is shared too, but everything that reads the
template afterwards (resolver, SAM, rules) walks it as a tree. A "billion laughs" document is a few
hundred bytes whose tree has 10^9 nodes: it is refused here, before it is built.
"""

from __future__ import annotations

from typing import Any

from hook.core.errors import TemplateError
from hook.core.yaml_import import yaml

__all__ = ["EXPANDED_NODES_LIMIT", "check_alias_expansion"]

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
            total = 1 + sum(size[id(c)] for c in _children(node))
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
