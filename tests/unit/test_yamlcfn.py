"""Template YAML: the fast constructor (hook.inputs.fast_yaml) builds exactly what PyYAML's constructor builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hook.inputs.fast_yaml import construct_document
from hook.inputs.yamlcfn import SHORT_TAGS, CfnLoader, load_template_text

ROOT = Path(__file__).resolve().parents[2]


def _both(text: str) -> tuple[Any, Any]:
    """(PyYAML's construction, the fast one) of one document, or the exception each raised."""
    out: list[Any] = []
    for build in (lambda loader, node: loader.construct_document(node),
                  lambda loader, node: construct_document(loader, node, SHORT_TAGS)):
        loader = CfnLoader(text)
        try:
            node = loader.get_single_node()
            out.append(build(loader, node) if node is not None else None)
        except Exception as exc:  # compare the failures too
            out.append((type(exc).__name__, str(exc)))
        finally:
            loader.dispose()
    return out[0], out[1]


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (1 == True, but not here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


EDGE_CASES = [
    # scalars of every implicit kind, and explicit tags
    "a: 1\nb: 0x1F\nc: 017\nd: 1_000\ne: -3\nf: +4\ng: 1.5\nh: .inf\ni: ~\nj: yes\nk: Off\n"
    "l: 2010-09-09\nm: !!str 12\nn: !!int '12'\no: 190:20:30\np: '0'\nq: 0\nr: ''\n",
    "a: !!float 1\nb: !!bool yes\nc: !!null x\nd: !!binary aGVsbG8=\n",
    "a: !!bool maybe\n",
    "a: '\u0663'\nb: !!int 12\n",
    # aliases share one object in PyYAML; merge keys; keys that are not strings
    "x: &a {k: v}\ny: *a\n",
    "x: &a [1, 2]\ny: *a\n",
    "x: &a !Ref Foo\ny: *a\n",
    "base: &b {A: 1}\nd:\n  <<: *b\n  B: 2\n",
    "1: one\ntrue: t\nnull: n\n",
    "=: x\n",
    "? [a, b]\n: c\n",
    # every CloudFormation short form, on scalars, sequences and mappings
    "a: !GetAtt R.Arn\nb: !GetAtt [R, Arn]\nc: !GetAtt R\nd: !Sub [x, {a: !Ref B}]\n"
    "e: !If [C, !Ref A, !Ref AWS::NoValue]\nf: !Base64 {a: 1}\ng: !Select [0, !GetAZs '']\n"
    "h: !Join ['', [a, !Ref B]]\ni: !FindInMap [M, !Ref R, K]\nj: !Condition C\n"
    "k: !Equals [!Ref A, 1]\nl: !Not [!Condition C]\nm: !Split [',', a]\nn: !ImportValue x\n",
    "a: !Unknown x\n",
    "a: !Unknown [x]\n",
    "a: [1, [2, [3, {b: c}]]]\n",
    "- 1\n- two\n",
    "plain",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_fast_construction_equals_pyyaml_on_edge_cases(text: str) -> None:
    # GIVEN a document exercising one YAML feature
    # WHEN both constructors build it
    generic, fast = _both(text)
    # THEN the results are equal, types included (or both fail alike)
    assert _same(generic, fast), (generic, fast)


def test_fast_construction_equals_pyyaml_on_every_yaml_file_in_the_repository() -> None:
    # GIVEN every template, policy, event and case file in the repository
    # (not build/: deploy.sh's package, which a deploy test may be writing at the same time)
    files = [p for p in ROOT.rglob("*.y*ml") if not {".venv", "out", "build"} & set(p.relative_to(ROOT).parts)]
    assert len(files) > 20
    for path in files:
        # WHEN both constructors build it THEN they agree
        generic, fast = _both(path.read_text(encoding="utf-8"))
        if isinstance(fast, tuple) and "duplicate key" in str(fast[1]):
            continue  # refused on purpose: CloudFormation rejects a repeated key (tests/templates/real)
        assert _same(generic, fast), path


def test_an_aliased_mapping_is_one_object_as_in_pyyaml() -> None:
    # GIVEN a template that reuses a mapping through an anchor
    doc = load_template_text("Resources:\n  A: &r {Type: X}\n  B: *r\n")
    # THEN both names hold the same object, as PyYAML builds it
    assert doc["Resources"]["A"] is doc["Resources"]["B"]


_TAGS = ["!Ref", "!GetAtt", "!Sub", "!Join", "!If", "!Select", "!Base64", "!Condition", "!Equals"]
_SCALARS = st.one_of(
    st.sampled_from(["1", "0", "007", "-2", "1.5", "yes", "no", "true", "Off", "~", "null", "''", "x", "a.b",
                     "2010-09-09", "0x10", "1_0", "'12'", '"s"', ".inf", "=", "<<"]),
    st.from_regex(r"[A-Za-z0-9_.:/-]{1,12}", fullmatch=True).filter(lambda s: not s.startswith(("-", ":"))),
)


def _yaml(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(_SCALARS, st.builds(lambda t, v: f"{t} {v}", st.sampled_from(_TAGS), _SCALARS))
    if depth == 0:
        return leaf
    inner = _yaml(depth - 1)
    flow_seq = st.lists(inner, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]")
    flow_map = st.lists(st.tuples(_SCALARS, inner), max_size=4).map(
        lambda kv: "{" + ", ".join(f"{k}: {v}" for k, v in kv) + "}"
    )
    tagged = st.builds(lambda t, v: f"{t} {v}", st.sampled_from(_TAGS), st.one_of(flow_seq, flow_map))
    return st.one_of(leaf, flow_seq, flow_map, tagged)


def _repeats_a_key(node: Any) -> bool:
    if isinstance(node, yaml.MappingNode):
        keys = [k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        return len(set(keys)) < len(keys) or any(_repeats_a_key(v) for _, v in node.value)
    if isinstance(node, yaml.SequenceNode):
        return any(_repeats_a_key(v) for v in node.value)
    return False


def _generated(pairs: list[tuple[str, str]]) -> str | None:
    """The document of generated ``key: value`` lines, or None when it is not YAML at all."""
    text = "".join(f"{k}: {v}\n" for k, v in pairs)
    try:
        yaml.compose(text, Loader=CfnLoader)
    except yaml.YAMLError:
        return None
    return text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SCALARS, _yaml(3)), min_size=1, max_size=6))
def test_fast_construction_equals_pyyaml_on_generated_documents(pairs: list[tuple[str, str]]) -> None:
    # GIVEN a generated document of scalars, flow collections and short-form tags
    text = _generated(pairs)
    if text is None:
        return  # not YAML at all: nothing to construct
    # WHEN both constructors build it THEN they agree
    generic, fast = _both(text)
    if isinstance(fast, tuple) and "duplicate key" in str(fast[1]):
        # refused on purpose (CloudFormation rejects a repeated key): only when a key is repeated
        assert _repeats_a_key(yaml.compose(text, Loader=CfnLoader)), (text, fast)
        return
    assert _same(generic, fast), (text, generic, fast)


def _checked_first(text: str) -> Any:
    """What load_template_text gave when every mapping was checked for a repeated key before the
    document was built (the check now runs only where the fast constructor finds one, or cannot
    build the document): the data, or the error."""
    from hook.core.errors import TemplateError
    from hook.inputs.yamlcfn import _all_duplicates

    loader = CfnLoader(text)
    try:
        node = loader.get_single_node()
        _all_duplicates(node, "t.yaml")
        return construct_document(loader, node, SHORT_TAGS)
    except TemplateError as exc:
        return ("TemplateError", str(exc), exc.line, exc.column)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    finally:
        loader.dispose()


def _loaded(text: str) -> Any:
    from hook.core.errors import TemplateError

    try:
        return load_template_text(text, "t.yaml")
    except TemplateError as exc:
        if exc.message.startswith("not valid YAML") or exc.message.startswith("a template must be"):
            return None
        return ("TemplateError", str(exc), exc.line, exc.column)


REPEATED = [  # (document, refused)
    ("A: 1\nA: 2\n", True),
    ("R:\n  X: {Type: T, Type: U}\n  Y: [{a: 1, b: 2, a: 3}]\n", True),
    ("R:\n  X: {k: 1, k: 2}\nS:\n  Y: {j: 1, j: 2}\n", True),  # two mappings repeat a key: the same one named
    ("R: !Sub [x, {a: 1, a: 2}]\n", True),
    ("R: !If {c: 1, c: 2}\n", True),
    ("base: &b {A: 1}\nd:\n  <<: *b\n  B: 2\n  B: 3\n", True),
    ("base: &b {A: 1}\nd:\n  <<: *b\n  A: 2\n", False),  # a merge key is not a repeat
    ("x: &a {k: v}\ny: *a\nz: {q: 1, q: 2}\n", True),
    ("'1': a\n1: b\n", True),
    ("a: !!float 1x\nb: {c: 1, c: 2}\n", True),  # a scalar PyYAML refuses, and a repeated key
    ("a: {b: {c: {d: [1, {e: 1, f: 2, e: 3}]}}}\n", True),
    ("a: 1\nb: {c: [1, 2]}\n", False),
]


@pytest.mark.parametrize(("text", "refused"), REPEATED)
def test_repeated_keys_are_refused_as_when_every_mapping_was_checked_first(text: str, refused: bool) -> None:
    # GIVEN a document with a key repeated somewhere (or not: merge keys, distinct keys)
    # WHEN it is loaded
    expected = _checked_first(text)
    loaded = _loaded(text)
    # THEN the error (message, line, column) or the data is what checking every mapping first gave
    assert (isinstance(expected, tuple) and expected[0] == "TemplateError") is refused
    assert loaded == expected if refused else _same(loaded, expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SCALARS, _yaml(3)), min_size=1, max_size=6))
def test_generated_documents_load_as_when_every_mapping_was_checked_first(pairs: list[tuple[str, str]]) -> None:
    # GIVEN a generated document (keys repeat often: a small alphabet of scalars)
    text = _generated(pairs)
    if text is None:
        return
    # WHEN it is loaded THEN the data or the refusal is the one of checking every mapping first
    expected = _checked_first(text)
    if not isinstance(expected, dict):
        if isinstance(expected, tuple) and expected[0] == "TemplateError":
            assert _loaded(text) == expected
        return
    assert _same(_loaded(text), expected), text


class _PyYamlResolving(CfnLoader):
    """CfnLoader with PyYAML's own resolve, descend_resolver and ascend_resolver (any subclass)."""


def _tree(node: Any) -> Any:
    """A composed node as plain data: kind, tag, style, marks and children."""
    if node is None:
        return None
    marks = (node.start_mark.line, node.start_mark.column, node.start_mark.index,
             node.end_mark.line, node.end_mark.column, node.end_mark.index)
    if isinstance(node, yaml.ScalarNode):
        return ("scalar", node.tag, node.value, node.style, marks)
    if isinstance(node, yaml.SequenceNode):
        return ("sequence", node.tag, node.flow_style, marks, [_tree(c) for c in node.value])
    return ("mapping", node.tag, node.flow_style, marks, [(_tree(k), _tree(v)) for k, v in node.value])


def _composed(loader_class: type, text: str) -> Any:
    loader = loader_class(text)
    try:
        return _tree(loader.get_single_node())
    except yaml.YAMLError as exc:
        return (type(exc).__name__, str(exc))
    finally:
        loader.dispose()


def test_the_composer_s_resolver_calls_give_pyyaml_s_tags_and_marks() -> None:
    # GIVEN every YAML file in the repository and the edge cases
    files = [p for p in ROOT.rglob("*.y*ml") if not {".venv", "out", "build"} & set(p.relative_to(ROOT).parts)]
    texts = [*EDGE_CASES, *(p.read_text(encoding="utf-8") for p in files)]
    assert len(texts) > 40
    for text in texts:
        # WHEN CfnLoader and a loader resolving as PyYAML does compose it THEN the trees are the same
        assert _composed(CfnLoader, text) == _composed(_PyYamlResolving, text)
    # and the subclass really runs PyYAML's methods; path resolvers are refused where they are skipped
    assert _PyYamlResolving.descend_resolver is yaml.resolver.BaseResolver.descend_resolver
    assert CfnLoader.descend_resolver is slice
    with pytest.raises(TypeError):
        CfnLoader.add_path_resolver("!x", ["a"], str)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "B", "Ref", "1", "yes", "~", "", "x y"]),
                          st.sampled_from(["1", "'1'", "no", "null", "!Ref R", "[1, a]", "{k: v}", "\"x\"", "0o7",
                                           "2010-09-09", "1.5", "!GetAtt A.B", "|\n  t\n"])),
                min_size=1, max_size=8))
def test_the_composer_s_resolver_calls_agree_on_generated_documents(pairs: list[tuple[str, str]]) -> None:
    text = "".join(f"{k or 'e'}{i}: {v}\n" for i, (k, v) in enumerate(pairs))
    assert _composed(CfnLoader, text) == _composed(_PyYamlResolving, text)
