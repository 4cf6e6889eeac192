"""sample/plugin's rules pass their own YAML cases, run in-process (the installed pack: integration tier)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from hook.core.registry import Registry
from hook.sdk import StackRule
from hook.testing import CaseResult, run_paths

PLUGIN = Path(__file__).resolve().parents[2] / "sample" / "plugin"


@pytest.fixture(scope="module")
def results() -> Iterator[list[CaseResult]]:
    sys.path.insert(0, str(PLUGIN / "src"))
    try:
        from govhook_rules_acme import rules

        registry = Registry.from_rules(rules())
        yield list(run_paths([str(PLUGIN / "tests" / "cases")], registry))
    finally:
        sys.path.remove(str(PLUGIN / "src"))
        for name in [m for m in sys.modules if m.startswith("govhook_rules_acme")]:
            del sys.modules[name]


def test_every_plugin_case_passes(results: list[CaseResult]) -> None:
    failed = [f"{r.rule_id} / {r.name}: {r.problems}" for r in results if r.problems]
    assert not failed, "\n".join(failed)


def test_the_pack_has_a_stack_rule_with_pass_fail_and_skip_cases(results: list[CaseResult]) -> None:
    sys.path.insert(0, str(PLUGIN / "src"))
    try:
        from govhook_rules_acme import rules

        stack_rules = {r.id for r in rules() if issubclass(r, StackRule)}
    finally:
        sys.path.remove(str(PLUGIN / "src"))
    assert stack_rules == {"acme.one-team-per-stack"}
    outcomes = {r.expected for r in results if r.rule_id in stack_rules}
    assert {"PASS", "FAIL", "SKIP", "NONE"} <= outcomes
