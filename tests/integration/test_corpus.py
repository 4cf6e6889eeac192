"""The corpus tier: `govhook check` on every public template in /work/shared/corpus (or
$GOVHOOK_CORPUS), read from there, never copied into the project.

For each file it asserts what a user who runs govhook on templates nobody here wrote must get:
no traceback, an exit code in 0/1/2, every exit 2 explained by a known reason class (the table
below), and the deployed hook agreeing with the CLI: the handler (in-process, the payload read
locally, offline values and account as the CLI has them) is fed one RESOURCE event per resource
the CLI checked, with its resolved properties stringified as CloudFormation often sends them, and
one STACK event with the template as payload; both doors must block the same rules.

Everything runs in one process; the whole tier takes about a minute. Skipped (with the reason)
when the corpus folder is absent.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from hook.cli import main
from hook.core.model import ResourceTarget, StackTarget
from hook.core.values import OfflineValues
from hook.sdk import Unresolved
from hook.sources import clear_caches
from tests.helpers import deployed, stringified

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "policies" / "default.policy.yaml"
CORPUS = Path(os.environ.get("GOVHOOK_CORPUS", "/work/shared/corpus"))
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
               and p.name not in ("MANIFEST.tsv",)) if CORPUS.is_dir() else []

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not FILES, reason=f"no corpus of public templates at {CORPUS} (set GOVHOOK_CORPUS)"),
]

#: Why a public template may be bad input (exit 2). Each class is a pattern of govhook's one-line
#: error; an exit 2 that matches none of them is a failure of this tier (a new kind to look at).
REASONS: dict[str, re.Pattern[str]] = {
    "not YAML/JSON": re.compile(r"not valid (YAML|JSON)"),
    "duplicate key": re.compile(r"duplicate key"),
    "unknown tag (Rain, ...)": re.compile(r"could not determine a constructor for the tag|unknown tag"),
    "SAM without Transform": re.compile(r"AWS::Serverless::\w+ .*without .*Transform|Globals .*without .*Transform"),
    "SAM transform rejects it": re.compile(r"SAM transform failed"),
    "no Resources": re.compile(r"has no Resources|must be a mapping with Resources|resource \S+ has no Type"),
    "not a template": re.compile(r"not a CloudFormation template|no CloudFormation templates found"),
    "serverless config": re.compile(r"a serverless\.yml must|serverless\.yml has no 'service'|\$\{file\("),
}


def stringify(value: Any) -> Any:
    """A value as CloudFormation sends it to a resource hook: scalars as strings, intrinsics resolved."""
    return stringified(value, deployed)


def _raw(value: Any) -> Any:
    return value.expr if isinstance(value, Unresolved) else str(value)


def _is_serverless(path: Path) -> bool:
    return "serverless." in path.name


def _stage(path: Path, tmp: Path) -> Path:
    """A Serverless service is found by its file name: stage it as <dir>/serverless.yml."""
    if not _is_serverless(path):
        return path
    service = tmp / path.name.split("__")[0]
    service.mkdir(parents=True, exist_ok=True)
    staged = service / ("serverless.json" if path.suffix == ".json" else "serverless.yml")
    shutil.copyfile(path, staged)
    return staged


def _cli(path: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", "--policy", str(POLICY), "--format", "json", "--today", "2026-12-01", str(path)])
    return code, out.getvalue(), err.getvalue()


def _failed(response: dict[str, Any]) -> set[str]:
    return {a["annotationName"] for a in response.get("annotations", []) if a["status"] == "FAILED"
            and not a["statusMessage"].startswith(("warning", "exempted"))}


def _hook(targets: list[Any], payload: str | None, unknown: set[tuple[str, str]],
          by_resource: dict[str, set[str]] | None = None) -> tuple[set[str], list[str]]:
    """The rules the handler blocks, fed what CloudFormation would send. ``unknown``: the (logical
    id, rule) pairs the CLI reported as SKIP (a value it cannot know before deployment): what the
    stand-in value makes of those is not a disagreement."""
    from hook.handler import handle
    from hook.sdk import OfflineAccount

    failing: set[str] = set()
    statuses: list[str] = []
    stack_name = "stack"
    for target in targets:
        if isinstance(target, StackTarget):
            stack_name = target.stack_name
        if not isinstance(target, ResourceTarget):
            continue
        event = {
            "clientRequestToken": "corpus", "awsAccountId": "123456789012",
            "stackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{target.stack_name}/x",
            "actionInvocationPoint": "CREATE_PRE_PROVISION",
            "requestData": {"targetName": target.resource_type, "targetType": target.resource_type,
                            "targetLogicalId": target.logical_id,
                            "targetModel": {"resourceProperties": stringify(dict(target.properties))}},
        }
        r = handle(event, None, values=OfflineValues(), account=OfflineAccount(), observe=False)
        blocked = {rule for rule in _failed(r) if (target.logical_id, rule) not in unknown}
        statuses.append("FAILED" if blocked else "SUCCESS")
        failing |= blocked
        if blocked and by_resource is not None:
            by_resource.setdefault(target.logical_id, set()).update(blocked)
    if payload is None:
        return failing, statuses  # nothing reaches CloudFormation (a service of another provider)
    body = json.dumps({"template": payload, "previousTemplate": ""}).encode()
    stack = handle({"clientRequestToken": "corpus",
                    "stackId": f"arn:aws:cloudformation:us-east-1:123456789012:stack/{stack_name}/x",
                    "actionInvocationPoint": "CREATE_PRE_PROVISION",
                    "requestData": {"targetName": "STACK", "targetType": "STACK", "targetLogicalId": stack_name,
                                    "payload": "https://payloads.s3.amazonaws.com/p.json"}},
                   None, fetch=lambda url: body, values=OfflineValues(), account=OfflineAccount(), observe=False)
    statuses.append(stack["hookStatus"])
    failing |= _failed(stack)
    return failing, statuses


def _targets(path: Path) -> tuple[list[Any], str | None]:
    """The targets the CLI checked, and the STACK payload CloudFormation would send."""
    if path.name.startswith("serverless."):
        from hook.cli.adapters.serverless import load_serverless

        result = load_serverless(str(path))
        stack = next(t for t in result.targets if isinstance(t, StackTarget))
        if not stack.template.get("Resources"):
            return list(result.targets), None
        return list(result.targets), json.dumps(stack.template, default=_raw)
    from hook.cli.adapters.template import load_targets

    result = load_targets(str(path))
    return list(result.targets), path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _policy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVHOOK_POLICY", str(POLICY))
    clear_caches()


@pytest.mark.parametrize("source", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_template(source: Path, tmp_path: Path) -> None:
    # GIVEN a public template (a Serverless service staged under its Framework name)
    path = _stage(source, tmp_path)
    # WHEN govhook checks it
    code, out, err = _cli(path)
    # THEN it answers without a traceback, with a documented exit code
    assert "Traceback" not in err and "could not read this template" not in err, err
    assert code in (0, 1, 2), (code, err)
    if code == 2:
        # AND a bad input is one line whose reason is a known class
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("govhook: error: "), err
        assert any(rx.search(lines[0]) for rx in REASONS.values()), f"exit 2 for an unknown reason: {lines[0]}"
        return
    report = json.loads(out)
    cli_failing = {f["rule_id"] for f in report["findings"] if f["disposition"] == "blocking"}
    # AND the deployed hook, fed what CloudFormation would send, blocks the same rules
    targets, payload = _targets(path)
    unknown = {(f["logical_id"], f["rule_id"]) for f in report["findings"] if f["outcome"] == "SKIP"}
    hook_by_resource: dict[str, set[str]] = {}
    hook_failing, statuses = _hook(targets, payload, unknown, hook_by_resource)
    assert cli_failing == hook_failing, f"CLI only: {sorted(cli_failing - hook_failing)}; hook only: {sorted(hook_failing - cli_failing)}"
    assert (code == 1) == ("FAILED" in statuses), f"CLI exit {code}; hook {statuses}"
    # AND resource by resource, the same resource rules block (a function blocked for a rule does not
    # hide another that only one door blocks for it)
    from hook.core.registry import default_registry
    from hook.sdk import StackRule

    resource_rules = {r.id for r in default_registry() if not issubclass(r, StackRule)}
    cli_by_resource: dict[str, set[str]] = {}
    for f in report["findings"]:
        if f["disposition"] == "blocking" and f["rule_id"] in resource_rules:
            cli_by_resource.setdefault(f["logical_id"], set()).add(f["rule_id"])
    assert cli_by_resource == hook_by_resource
