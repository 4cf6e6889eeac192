"""The public SDK is exact, and rules (built-in and the sample pack) are written from it alone."""

from __future__ import annotations

import ast
import re
import sys
import types
from pathlib import Path

import pytest

import hook.sdk

ROOT = Path(__file__).resolve().parents[2]
RULE_FILES = sorted((ROOT / "hook" / "rules").glob("*.py"))
PLUGIN_FILES = sorted((ROOT / "sample" / "plugin" / "src").rglob("*.py"))


def imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) for every import statement in a file."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: relative import"
            out.append((node.module or "", tuple(alias.name for alias in node.names)))
    return out


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_a_built_in_rule_imports_only_the_sdk_and_the_standard_library(path: Path) -> None:
    # GIVEN one module of hook/rules
    for module, names in imports(path):
        # THEN each import is the stdlib, or public names of hook.sdk itself (no submodule, no private name)
        top = module.split(".")[0]
        if module == "hook.sdk":
            private = [n for n in names if n not in hook.sdk.__all__]
            assert not private, f"{path.name} imports {private} from hook.sdk: not in hook.sdk.__all__"
        else:
            assert top in sys.stdlib_module_names or module == "__future__", \
                f"{path.name} imports {module}: a rule imports only hook.sdk and the standard library"


def test_the_sample_pack_is_written_from_the_public_sdk_alone() -> None:
    seen: set[str] = set()
    for path in PLUGIN_FILES:
        for module, names in imports(path):
            if module.startswith("hook"):
                assert module == "hook.sdk", f"{path.name} imports {module}"
                assert set(names) <= set(hook.sdk.__all__), f"{path.name}: {set(names) - set(hook.sdk.__all__)}"
                seen.update(names)
    # AND it has a stack rule, not only resource rules
    assert {"StackRule", "StackContext"} <= seen


def test_all_is_complete_and_exact() -> None:
    # GIVEN what hook.sdk exposes
    public = {
        name for name, value in vars(hook.sdk).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    # THEN __all__ lists exactly those names, each once
    assert len(hook.sdk.__all__) == len(set(hook.sdk.__all__))
    assert set(hook.sdk.__all__) == public
    # AND every submodule's own __all__ is re-exported (nothing public hides in a submodule)
    for name, value in vars(hook.sdk).items():
        if isinstance(value, types.ModuleType) and value.__name__.startswith("hook.sdk."):
            assert set(getattr(value, "__all__", ())) <= public, name


def test_the_authors_guide_lists_exactly_the_public_api() -> None:
    # GIVEN the SDK section of docs/developing.md
    text = (ROOT / "docs" / "developing.md").read_text()
    section = text.split("## The rule SDK", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^- `([A-Za-z_][A-Za-z0-9_]*)", section, re.M))
    # THEN it names every public name, and nothing else
    assert documented == set(hook.sdk.__all__)


@pytest.mark.parametrize("parts", [(), ("Resources",), ("Resources", "A/B", "~x", 0), ("", "a//b")])
def test_json_pointer_and_pointer_tokens_are_inverses(parts: tuple[str | int, ...]) -> None:
    pointer = hook.sdk.json_pointer(*parts)
    assert hook.sdk.pointer_tokens(pointer) == tuple(str(p) for p in parts)
    # AND the document reader follows the same escaping
    doc: dict[str, object] = {"Resources": {"A/B": {"~x": ["zero"]}}}
    if parts == ("Resources", "A/B", "~x", 0):
        assert hook.sdk.pointer_get(doc, pointer) == "zero"


def test_pointer_tokens_refuses_text_that_is_not_a_pointer() -> None:
    with pytest.raises(ValueError, match="must be empty or start with '/'"):
        hook.sdk.pointer_tokens("Resources/Fn")


def test_no_module_escapes_json_pointers_by_hand() -> None:
    # GIVEN every module of the package outside the SDK's values module (where pointers live)
    offenders = []
    for path in sorted((ROOT / "hook").rglob("*.py")):
        if path.name == "values.py" and path.parent.name == "sdk":
            continue
        text = path.read_text()
        if re.search(r"""replace\(\s*["']~["']\s*,\s*["']~0["']|replace\(\s*["']~1["']\s*,\s*["']/["']""", text):
            offenders.append(str(path.relative_to(ROOT)))
    # THEN nobody writes the ~0/~1 escaping themselves: hook.sdk.json_pointer / pointer_tokens do it
    assert offenders == []
