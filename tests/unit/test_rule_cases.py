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


def test_every_fail_case_states_its_violations_and_every_skip_case_its_reason() -> None:
    # A case that asserts only the outcome passes for the wrong reason too: every FAIL case lists
    # each violation with where it is (path) and what it says (message or message_contains), and
    # every SKIP case says why (skip_reason_contains). New case files are held to it as well.
    vague: list[str] = []
    for path in FILES:
        for case in load_cases(str(path))["cases"]:
            where = f"{path.name}: {case['name']!r}"
            expect = str(case["expect"]).upper()
            if expect == "FAIL":
                wanted = case.get("violations")
                if not wanted:
                    vague.append(f"{where}: FAIL without violations")
                for want in wanted or []:
                    if "path" not in want or not {"message", "message_contains"} & set(want):
                        vague.append(f"{where}: violation {dict(want)} needs path and message or message_contains")
            if expect == "SKIP" and not str(case.get("skip_reason_contains") or "").strip():
                vague.append(f"{where}: SKIP without skip_reason_contains")
    assert not vague, "\n".join(vague)
