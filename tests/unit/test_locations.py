"""The one location layer (hook.inputs.locations) places paths and pointers in YAML sources."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import yaml

from hook.inputs.locations import Locator, MarkedMapping, SourceMap
from hook.inputs.yamlcfn import CfnLoader, load_template_nodes

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: nodejs18.x
      Layers:
        - arn:aws:lambda:us-east-1:1:layer:a:1
        - !Ref Other
  "A/B~C":
    Type: AWS::SQS::Queue
"""


def line_col(text: str, needle: str) -> tuple[int, int]:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i, line.index(needle) + 1
    raise AssertionError(needle)


def test_pointers_land_on_their_key_or_item() -> None:
    # GIVEN a template composed once, as the adapters do
    _, node = load_template_nodes(TEMPLATE, "t.yaml")
    where = SourceMap(node)
    # THEN a key's location is its key, a list item's is the item
    assert where.locate("t.yaml", "/Resources/Fn/Properties/Runtime").line == line_col(TEMPLATE, "Runtime")[0]
    assert (where.locate("t.yaml", "/Resources/Fn/Properties/Layers/1").line,
            where.locate("t.yaml", "/Resources/Fn/Properties/Layers/1").column) == line_col(TEMPLATE, "!Ref Other")
    # AND escaped pointer tokens find keys with / and ~
    assert where.locate("t.yaml", "/Resources/A~1B~0C/Type").line == 10
    # AND a pointer past the file lands on the nearest node that exists
    assert where.locate("t.yaml", "/Resources/Fn/Properties/MemorySize").line == line_col(TEMPLATE, "Properties")[0]
    assert where.locate("t.yaml", "/Resources/Fn/Properties/Layers/9").line == line_col(TEMPLATE, "Layers")[0]
    assert where.locate("t.yaml", "").line == 1


def test_paths_follow_merge_keys_and_duplicates_as_the_data_does() -> None:
    # GIVEN YAML with an anchored mapping merged in, a key beside the merge, and a duplicate key
    text = ("base: &b\n  mode: warn\n  severity: low\n"
            "rules:\n  r:\n    <<: *b\n    severity: high\n"
            "dup: 1\ndup: 2\n")
    where = SourceMap(yaml.compose(text, Loader=yaml.SafeLoader))
    # THEN a merged key is located where the anchor defines it
    assert where.mark(("rules", "r", "mode")) == (2, 3)
    # AND the key written beside the merge wins over the merged one
    assert where.mark(("rules", "r", "severity")) == (7, 5)
    # AND the last duplicate wins, as in the data
    assert where.mark(("dup",)) == (9, 1)
    assert where.pair("rules", "r", "severity") is not None and where.pair("rules", "nope") is None


def test_merged_earlier_mappings_win_over_later_ones() -> None:
    text = "a: &a {k: 1}\nb: &b {k: 2, j: 3}\nc:\n  <<: [*a, *b]\n"
    where = SourceMap(yaml.compose(text, Loader=yaml.SafeLoader))
    data = yaml.safe_load(text)
    assert data["c"] == {"k": 1, "j": 3}
    assert where.mark(("c", "k"))[0] == 1 and where.mark(("c", "j"))[0] == 2


def test_a_synthesized_mapping_points_at_the_source_keys_it_came_from() -> None:
    # GIVEN a source file and a generated tree built from it (the serverless adapter's way)
    source = SourceMap(yaml.compose("provider:\n  runtime: python3.13\n", Loader=yaml.SafeLoader))
    props = MarkedMapping(source.root)
    props.put("Runtime", source.pair("provider", "runtime"))
    fn = MarkedMapping(source.root)
    fn.put("Properties", source.pair("provider"), props)
    generated = SourceMap(fn.node())
    # THEN a pointer into the generated tree lands on the source line
    assert generated.locate("s.yml", "/Properties/Runtime").line == 2


def test_the_locator_composes_a_file_only_when_asked_and_forgets_it_when_replaced() -> None:
    locator = Locator()
    locator.add("a.yaml", "x: 1\ny:\n  z: 2\n")
    found = locator.locate("a.yaml", "/y/z")
    assert found is not None and (found.line, found.column) == (3, 3)
    locator.add("a.yaml", "y:\n  z: 2\n")
    found = locator.locate("a.yaml", "/y/z")
    assert found is not None and found.line == 2
    # AND a file that is not YAML, or not registered, has no location
    locator.add("b.yaml", "a: [unclosed\n")
    assert locator.locate("b.yaml", "/a") is None and locator.locate("c.yaml", "/a") is None


def _yaml_mapping(path: Path) -> bool:
    """A single YAML document whose top level is a mapping (the layer's input)."""
    try:
        node = yaml.compose(path.read_text(), Loader=CfnLoader)
    except yaml.YAMLError:
        return False
    return node is not None and node.id == "mapping"


@pytest.mark.parametrize("path", [p for p in sorted(p for d in ("sample", "tests") for p in (ROOT / d).rglob("*.y*ml")
                                                   if "cases" not in p.parts and "golden" not in p.parts)
                                  if _yaml_mapping(p)][:60],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_top_level_key_of_the_repositorys_yaml_is_found_on_its_line(path: Path) -> None:
    text = path.read_text()
    node = yaml.compose(text, Loader=CfnLoader)
    where = SourceMap(node)
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        line, _ = where.mark((str(key_node.value),))
        assert str(key_node.value) in text.splitlines()[line - 1]


def test_the_layer_never_imports_pyyaml_at_import_time() -> None:
    # A policy published as JSON, and the STACK path, must not pay for PyYAML through this module.
    tree = ast.parse((ROOT / "hook" / "inputs" / "locations.py").read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in top if isinstance(n, ast.ImportFrom)}
    assert not {n for n in names if n.split(".")[0] == "yaml"}


def _reference_find(source: SourceMap, path: tuple[str, ...]) -> tuple[Any, Any]:
    """The recursive walk SourceMap.find memoizes (what it was before it walked iteratively)."""
    if not path:
        return source.root, source.root
    best, node = _reference_find(source, path[:-1])
    token, exact = path[-1], None
    if node is not None:
        if node.id == "mapping":
            pair = source.keys(node).get(token)
            if pair is not None:
                best, exact = pair
        elif node.id == "sequence" and token.isdigit() and int(token) < len(node.value):
            best = exact = node.value[int(token)]
    return best, exact


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [prefix, (*prefix, "Missing"), (*prefix, "0"), (*prefix, "Missing", "Deeper")]
    if node.id == "mapping":
        for key_node, value_node in node.value:
            out += _paths(value_node, (*prefix, str(key_node.value)))
    elif node.id == "sequence":
        for i, child in enumerate(node.value):
            out += _paths(child, (*prefix, str(i)))
    return out


def test_find_answers_every_path_as_the_recursive_walk_in_any_order() -> None:
    import random

    files = sorted(p for p in (ROOT / "tests").rglob("*.y*ml"))[:60]
    assert files
    rng = random.Random(16)
    for path in files:
        try:
            node = yaml.compose(path.read_text(encoding="utf-8"), Loader=CfnLoader)
        except yaml.YAMLError:
            continue
        if node is None:
            continue
        paths = _paths(node)
        rng.shuffle(paths)
        source = SourceMap(node)
        for p in paths:
            # a tuple of str, a list, ints for indexes: the same answer
            assert source.find(p) == _reference_find(source, p), (path, p)
            assert source.find(list(p)) == source.find(p)
            mixed = tuple(int(t) if t.isdigit() else t for t in p)
            assert source.find(mixed) == source.find(p)
