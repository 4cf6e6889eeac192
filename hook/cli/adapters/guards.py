"""What CloudFormation refuses before it deploys anything, refused here too (one line, exit 2).

- More than 500 resources in a template (after ``Fn::ForEach`` is unrolled): CloudFormation's
  quota "Resources: maximum number of resources that you can declare in your template", raised from
  200 to 500 in 2020. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
- A condition that refers to itself, directly or through other conditions: CloudFormation rejects
  a circular dependency between conditions at validation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hook.core.errors import TemplateError
from hook.sdk import json_pointer

__all__ = ["RESOURCE_LIMIT", "check_conditions", "check_resource_count"]

#: CloudFormation's limit on the resources of one template.
RESOURCE_LIMIT = 500


def check_resource_count(resources: Any, file: str | None, what: str = "the template declares") -> None:
    if isinstance(resources, Mapping) and len(resources) > RESOURCE_LIMIT:
        raise TemplateError(f"{what} {len(resources):,} resources; CloudFormation accepts at most "
                            f"{RESOURCE_LIMIT} in one template (split it with nested stacks)", file, pointer="/Resources")


def _refs(expr: Any, out: set[str]) -> None:
    """The conditions an expression names (``{"Condition": name}``), at any depth."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            if len(node) == 1 and isinstance(node.get("Condition"), str):
                out.add(node["Condition"])
                continue
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_conditions(template: Mapping[str, Any], file: str | None) -> None:
    """Raise at the first condition that is part of a cycle (``A -> B -> A``, or ``A -> A``)."""
    conditions = template.get("Conditions")
    if not isinstance(conditions, Mapping):
        return
    graph: dict[str, set[str]] = {}
    for name, expr in conditions.items():
        deps: set[str] = set()
        _refs(expr, deps)
        graph[str(name)] = {d for d in deps if d in conditions}
    state: dict[str, int] = {}  # 1 on the path, 2 done
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, todo = stack[-1]
            if not todo:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt]
                how = "refers to itself" if len(cycle) == 2 else "is circular: " + " -> ".join(cycle)
                raise TemplateError(f"condition {nxt} {how}; CloudFormation rejects circular conditions",
                                    file, pointer=json_pointer("Conditions", nxt))
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(graph[nxt])))
