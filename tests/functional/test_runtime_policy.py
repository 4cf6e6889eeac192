"""The runtime policy is one thing: following any fix never leads into another block (issue 13 item 1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hook.cli import main
from hook.sources.runtimes import bundled

RUNTIME_RULES = ("lambda.runtime-allowed", "lambda.runtime-supported")


def _template(runtimes: dict[str, str]) -> str:
    lines = ["Resources:"]
    for logical_id, runtime in runtimes.items():
        lines += [f"  {logical_id}:", "    Type: AWS::Lambda::Function",
                  f"    Properties: {{Runtime: {runtime}, Handler: a.b, Role: r, Code: {{ZipFile: x}}}}"]
    return "\n".join(lines) + "\n"


def _blocking(capsys: pytest.CaptureFixture[str], tmp_path: Path, runtimes: dict[str, str], today: str,
              *extra: str) -> dict[str, list[dict[str, str]]]:
    tpl = tmp_path / "t.yaml"
    tpl.write_text(_template(runtimes))
    main(["check", str(tpl), "--format", "json", "--today", today, *extra])
    doc = json.loads(capsys.readouterr().out)
    out: dict[str, list[dict[str, str]]] = {}
    for f in doc["findings"]:
        if f["disposition"] == "blocking" and f["rule_id"] in RUNTIME_RULES:
            out.setdefault(f["logical_id"], []).append(f)
    return out


def _fix_of(findings: list[dict[str, str]]) -> str:
    """The runtime the fix messages say to move to (they must agree)."""
    named = set()
    for f in findings:
        m = re.match(r"(?:Set Runtime to(?: one of:)?|Upgrade the runtime to) ([a-z0-9.]+)[ .,]", f["remediation"])
        if m is None:  # no newer runtime of that language is supported: the allow-list names another
            assert f["rule_id"] == "lambda.runtime-supported" and "no newer runtime" in f["remediation"], f["remediation"]
            continue
        named.add(m.group(1))
    assert len(named) == 1, f"the fixes disagree or name nothing: {named}"
    return named.pop()


@pytest.mark.parametrize("today", ["2026-11-25", "2027-07-15", "2028-12-20"])
def test_following_the_fix_of_every_runtime_never_leads_into_another_block(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, today: str) -> None:
    # GIVEN one function on each runtime in runtimes.json, checked with the packaged default policy
    runtimes = {f"F{i}": rt for i, rt in enumerate(sorted(bundled()))}
    blocked = _blocking(capsys, tmp_path, runtimes, today)
    assert blocked, "some runtimes are past their dates"
    # WHEN each blocked function follows its fix
    fixed = {lid: (_fix_of(blocked[lid]) if lid in blocked else rt) for lid, rt in runtimes.items()}
    # THEN no runtime rule blocks any function any more
    again = _blocking(capsys, tmp_path, fixed, today)
    assert again == {}, {lid: (fixed[lid], [f["message"] for f in fs]) for lid, fs in again.items()}
    # AND a fix stays in the language when the language has a supported runtime
    for lid in blocked:
        old, new = runtimes[lid], fixed[lid]
        if old.startswith("python"):
            assert new.startswith("python"), (old, new)


def test_a_pinned_allow_list_gets_successor_advice_it_allows_or_says_it_needs_it(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN an allow-list that pins python3.12 and no nodejs runtime
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: [python3.12, python3.13]}}\n"
                   "  lambda.runtime-supported: {}\n")
    blocked = _blocking(capsys, tmp_path, {"Py": "python3.8", "Node": "nodejs18.x"}, "2026-11-25", "--policy", str(pol))
    # THEN python3.8 is told to move to the newest *allowed* python (python3.13, not python3.14)
    assert _fix_of(blocked["Py"]) == "python3.13"
    supported = next(f for f in blocked["Py"] if f["rule_id"] == "lambda.runtime-supported")
    assert supported["message"].endswith("move to python3.13")
    # AND nodejs18.x is told the allow-list needs the successor
    node = next(f for f in blocked["Node"] if f["rule_id"] == "lambda.runtime-supported")
    assert "move to nodejs24.x (lambda.runtime-allowed does not allow it yet: the allow-list needs it)" in node["message"]
    assert node["remediation"].startswith("Add nodejs24.x to lambda.runtime-allowed's list")


def test_policy_validate_warns_on_an_allowed_runtime_the_lifecycle_blocks(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: [python3.13, nodejs18.x]}\n")
    code = main(["policy", "validate", str(pol), "--today", "2026-11-25"])
    out, err = capsys.readouterr()
    assert code == 0 and "valid (1 rules, 1 warning(s))" in out
    assert f"{pol}:4:" in err and "'nodejs18.x' is allowed, but lambda.runtime-supported blocks it since 2025-09-01" in err


def test_the_default_allow_list_follows_the_date(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN nodejs22.x, allowed by the default policy until its deprecation
    info = bundled()["nodejs22.x"]
    assert info["deprecated"]
    before = _blocking(capsys, tmp_path, {"Fn": "nodejs22.x"}, "2026-11-25")
    after = _blocking(capsys, tmp_path, {"Fn": "nodejs22.x"}, info["deprecated"])
    assert before == {}
    assert {f["rule_id"] for f in after["Fn"]} == set(RUNTIME_RULES)


def test_a_lifecycle_override_is_validated_and_falls_back_to_the_bundled_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hook.sources import clear_caches
    from hook.sources.runtimes import current

    good = tmp_path / "runtimes.json"
    good.write_text(json.dumps({"runtimes": {"python9.9": {"deprecated": None, "successor": None}}}))
    monkeypatch.setenv("GOVHOOK_RUNTIMES", str(good))
    clear_caches()
    assert set(current()) == {"python9.9"}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"runtimes": {"python9.9": {"deprecated": "soon"}}}))
    monkeypatch.setenv("GOVHOOK_RUNTIMES", str(bad))
    clear_caches()
    assert current() is bundled()
