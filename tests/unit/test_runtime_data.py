"""The runtime lifecycle data file, and advisory findings never block."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from hook.core.engine import Engine
from hook.core.model import Disposition, ResourceTarget
from hook.core.policy_model import Defaults, Policy, RuleConfig, Scope
from hook.core.registry import default_registry
from hook.sdk import Action
from hook.sdk import runtime_lifecycle as lifecycle


def _lambda_schema_runtimes() -> set[str]:
    import cfnlint

    base = Path(cfnlint.__file__).parent / "data" / "schemas"
    providers = json.loads((base / "providers" / "us-east-1.json").read_text())
    schema = json.loads((base / "resources" / f"{providers['AWS::Lambda::Function']}.json").read_text())
    text = json.dumps(schema["properties"]["Runtime"])
    return {r for r in lifecycle() if re.search(rf"(?<![\w.]){re.escape(r)}(?![\w.])", text)}


def test_every_runtime_has_ordered_dates_and_a_known_successor() -> None:
    data = lifecycle()
    assert len(data) > 40
    for runtime, info in data.items():
        assert set(info) == {"deprecated", "create_blocked", "update_blocked", "successor"}, runtime
        if info["successor"] is not None:
            assert info["successor"] in data, runtime
        created, updated = info["create_blocked"], info["update_blocked"]
        if created and updated:
            assert date.fromisoformat(created) <= date.fromisoformat(updated), runtime


def test_the_data_file_lists_only_runtimes_the_lambda_schema_knows() -> None:
    # cfn-lint ships AWS's AWS::Lambda::Function schema; its Runtime description lists every identifier.
    known = _lambda_schema_runtimes()
    unknown = sorted(set(lifecycle()) - known)
    assert not unknown, f"runtimes.json lists runtimes the Lambda schema does not know: {unknown}"


def test_advisory_findings_warn_even_in_fail_mode() -> None:
    registry = default_registry()
    policy = Policy(1, Defaults(), Scope(), {"lambda.runtime-supported": RuleConfig("lambda.runtime-supported")})
    target = ResourceTarget("AWS::Lambda::Function", "Fn", Action.CREATE, {"Runtime": "nodejs22.x"}, stack_name="s")
    verdict = Engine(registry, policy, today=date(2027, 3, 1)).evaluate([target])
    (finding,) = verdict.findings
    assert finding.disposition is Disposition.WARNING and not verdict.is_blocking
    assert finding.downgraded_by is not None and finding.downgraded_by.startswith("advisory")
