"""Every YAML case file under tests/cases runs through the real engine (hook.testing)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hook.core.registry import default_registry
from hook.testing import load_cases, run_case

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
FILES = sorted(CASES_DIR.glob("*.yaml"))


def _params() -> list[object]:
    out: list[object] = []
    for path in FILES:
        data = load_cases(str(path))
        for case in data["cases"]:
            out.append(pytest.param(str(path), data, case, id=f"{path.stem}::{case['name']}"))
    return out


@pytest.mark.parametrize(("path", "data", "case"), _params())
def test_case(path: str, data: dict[str, object], case: dict[str, object]) -> None:
    result = run_case(str(data["rule"]), case, data.get("params"), file=path)  # type: ignore[arg-type]
    assert result.ok, "\n".join(result.problems)


def test_case_files_are_named_after_their_rule() -> None:
    # One naming scheme, enforced: tests/cases/<rule-id>.yaml
    for path in FILES:
        assert load_cases(str(path))["rule"] == path.stem, path


def test_every_builtin_rule_has_pass_fail_and_skip_cases() -> None:
    registry = default_registry()
    by_rule = {load_cases(str(p))["rule"]: load_cases(str(p)) for p in FILES}
    for rule in registry:
        if registry.pack_of(rule.id) != "lambda":
            continue
        assert rule.id in by_rule, f"{rule.id} has no tests/cases/{rule.id}.yaml"
        expects = {str(c["expect"]).upper() for c in by_rule[rule.id]["cases"]}
        missing = {"PASS", "FAIL", "SKIP"} - expects
        assert not missing, f"{rule.id} has no {sorted(missing)} case"
        assert os.path.exists(CASES_DIR / f"{rule.id}.yaml")
