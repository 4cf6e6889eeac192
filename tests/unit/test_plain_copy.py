"""hook.cli.adapters.sam.plain_copy gives what copy.deepcopy gives on parsed templates."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest

from hook.cli.adapters.sam import plain_copy
from hook.inputs.yamlcfn import load_template_nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "sample" / "templates").glob("*.yaml"))


def _shape(value: Any, seen: dict[int, int] | None = None) -> Any:
    """The value with its sharing made visible: each container met again is its first index."""
    seen = {} if seen is None else seen
    if isinstance(value, dict | list):
        if id(value) in seen:
            return ("shared", seen[id(value)])
        seen[id(value)] = len(seen)
        if isinstance(value, dict):
            return ("dict", [(k, _shape(v, seen)) for k, v in value.items()])
        return ("list", [_shape(v, seen) for v in value])
    return (type(value).__name__, value)


def _same(a: Any, b: Any) -> None:
    assert _shape(a) == _shape(b)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_a_parsed_template_copies_as_deepcopy_copies_it(path: Path) -> None:
    template, _ = load_template_nodes(path.read_text(), str(path))
    copied = plain_copy(template)
    _same(copied, copy.deepcopy(template))
    assert copied == template and copied is not template


def test_aliases_stay_shared_and_the_copy_is_deep() -> None:
    shared = {"Runtime": "python3.13", "Layers": ["a", "b"]}
    doc: dict[Any, Any] = {"A": shared, "B": shared, "L": [shared, [1, 2.5, True, None]],
                           1: "int key", ("t",): [datetime.date(2026, 1, 1)]}
    doc["self"] = doc
    copied = plain_copy(doc)
    _same(copied, copy.deepcopy(doc))
    assert copied["A"] is copied["B"] is copied["L"][0]
    assert copied["self"] is copied
    copied["A"]["Layers"].append("c")
    assert shared["Layers"] == ["a", "b"]
