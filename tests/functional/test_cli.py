"""govhook CLI: exit codes, formats, one-line errors, catalogue, policy validation, case runner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hook.cli import main

ROOT = Path(__file__).resolve().parents[2]
T = ROOT / "sample" / "templates"
POLICY = str(ROOT / "policies" / "default.policy.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_passes_compliant_and_blocks_noncompliant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--policy", POLICY, str(T / "hello-compliant.yaml"))
    assert code == 0 and "PASSED" in out
    code, out, _ = run(capsys, "check", "--policy", POLICY, str(T / "hello-noncompliant.yaml"))
    assert code == 1
    line = next(i for i, ln in enumerate((T / "hello-noncompliant.yaml").read_text().splitlines(), 1) if "Runtime:" in ln)
    assert f"BLOCK  high     lambda.runtime-allowed line {line} /Runtime" in out
    assert "fix: Set Runtime to nodejs24.x (the newest allowed successor)" in out


def test_check_directory_finds_every_sample_and_blocks_only_the_noncompliant(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "json", str(T))
    doc = json.loads(out)
    assert code == 1 and doc["schema_version"] == 1 and doc["blocking"] is True
    blocked_files = {f["file"] for f in doc["findings"] if f["disposition"] == "blocking"}
    assert blocked_files == {str(T / "hello-noncompliant.yaml")}
    assert len(doc["files"]) == 7


def test_sarif_has_what_github_code_scanning_requires(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "sarif", str(T / "hello-noncompliant.yaml"))
    doc = json.loads(out)
    assert code == 1 and doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run0 = doc["runs"][0]
    driver = run0["tool"]["driver"]
    assert driver["name"] == "govhook" and driver["rules"]
    ids = [r["id"] for r in driver["rules"]]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["helpUri"].startswith("https://")
        assert float(rule["properties"]["security-severity"]) > 0
    res = run0["results"][0]
    assert res["ruleId"] == "lambda.runtime-allowed" and ids[res["ruleIndex"]] == res["ruleId"]
    assert res["level"] == "error" and res["message"]["text"]
    loc = res["locations"][0]["physicalLocation"]
    assert not loc["artifactLocation"]["uri"].startswith("/") and loc["region"]["startLine"] >= 1
    assert res["partialFingerprints"]


def test_junit_one_case_per_rule_and_resource(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "report.xml"
    code, _, _ = run(capsys, "check", "--policy", POLICY, "--format", "junit", "--output", str(out_file), str(T / "hello-noncompliant.yaml"))
    root = ET.parse(out_file).getroot()
    assert code == 1 and root.get("failures") == "2"
    failing = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert failing == ["HelloFunction lambda.runtime-allowed", "HelloFunction lambda.runtime-supported"]
    names = [c.get("name") for c in root.iter("testcase")]
    assert len(names) == len(set(names))


def test_sam_template_is_expanded(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "json", str(T / "sam-globals.yaml"))
    doc = json.loads(out)
    fns = {f["logical_id"] for f in doc["findings"] if f["rule_id"] == "lambda.runtime-allowed"}
    assert code == 0 and fns == {"GetOrderFunction", "NightlyReportFunction"}


def test_param_override_changes_the_verdict(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    tpl = tmp_path / "t.yaml"
    tpl.write_text("Parameters:\n  Rt: {Type: String, Default: python3.13}\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
                   "    Properties: {Runtime: !Ref Rt, Handler: a.b, Role: r, Code: {ZipFile: x}}\n")
    assert run(capsys, "check", "--policy", POLICY, str(tpl))[0] == 0
    assert run(capsys, "check", "--policy", POLICY, "--param", "Rt=nodejs16.x", str(tpl))[0] == 1


def test_input_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: [\n")
    code, _, err = run(capsys, "check", "--policy", POLICY, str(broken))
    assert code == 2 and err.startswith(f"govhook: error: {broken}:5:") and err.count("\n") == 1
    code, _, err = run(capsys, "check", "--policy", POLICY, str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "check", "--policy", str(tmp_path / "nope.yaml"), str(T))
    assert code == 2 and "cannot read policy" in err
    code, _, err = run(capsys, "check", "--policy", POLICY, "--param", "novalue", str(T))
    assert code == 2 and "must be Key=Value" in err
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2


def test_ssm_reference_without_default_is_an_input_error_offline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrules:\n  lambda.runtime-allowed:\n    params: {allowed: {ssm: /x/y}}\n")
    code, _, err = run(capsys, "check", "--policy", str(pol), str(T / "hello-compliant.yaml"))
    assert code == 2 and "parameter 'allowed' comes from ssm:/x/y with no default" in err


def test_exemptions_are_counted_and_expired_ones_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text(
        "version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: [nodejs22.x]}}\nexemptions:\n"
        "  - {id: EX-1, rules: [lambda.runtime-allowed], stacks: [hello-*], reason: vendor SDK pinned to node 18, expires: 2027-01-31}\n"
    )
    code, out, _ = run(capsys, "check", "--policy", str(pol), "--today", "2026-12-01", str(T / "hello-noncompliant.yaml"))
    assert code == 0 and "EXEMPT" in out and "exempted by EX-1 until 2027-01-31" in out and "1 exempted" in out
    code, out, _ = run(capsys, "check", "--policy", str(pol), "--today", "2027-02-01", str(T / "hello-noncompliant.yaml"))
    assert code == 1 and "note: exemption EX-1 expired on 2027-01-31 and was ignored" in out


def test_policy_validate_reports_every_error_with_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("version: 1\nrule:\n  x: 1\nrules:\n  lambda.runtime-alowed: {}\n  lambda.tags-required: {mode: block}\n")
    code, out, err = run(capsys, "policy", "validate", str(pol))
    assert code == 2 and "INVALID (3 error(s)" in out
    assert f"{pol}:2:1: rule: unknown key 'rule'; did you mean 'rules'?" in err
    assert f"{pol}:5:3: rules.lambda.runtime-alowed: unknown rule 'lambda.runtime-alowed'; did you mean 'lambda.runtime-allowed'?" in err
    assert f"{pol}:6:26: rules.lambda.tags-required.mode: must be one of 'fail', 'warn'; got 'block'" in err
    code, out, _ = run(capsys, "policy", "validate", POLICY, str(ROOT / "policies" / "strict.policy.yaml"))
    assert code == 0 and out.count(": valid") == 2


def test_policy_schema_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "policy", "schema")
    assert code == 0 and json.loads(out)["title"] == "govhook policy"


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "lambda.runtime-allowed" in out
    code, out, _ = run(capsys, "explain", "lambda.layers-allowed")
    assert code == 0 and "parameters:" in out and "max_layers (integer, default 5)" in out
    code, _, err = run(capsys, "explain", "lambda.layer-allowed")
    assert code == 2 and "did you mean 'lambda.layers-allowed'" in err


def test_docs_rules_md_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    # govhook's own rules, whatever else is installed (sample/plugin, as README suggests)
    _, out, _ = run(capsys, "rules", "--format", "markdown", "--pack", "lambda")
    assert (ROOT / "docs" / "rules.md").read_text() == out, "docs/rules.md is stale: run `make docs`"


def test_govhook_test_runs_case_files(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(ROOT / "tests" / "cases" / "lambda.runtime-allowed.yaml"))
    assert code == 0 and out.strip().endswith("10 passed, 0 failed")


def test_replay_runs_the_real_handler(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "replay", str(ROOT / "sample" / "events" / "resource-create-noncompliant.json"))
    r = json.loads(out)
    assert code == 1 and r["hookStatus"] == "FAILED" and r["errorCode"] == "NonCompliant"
    code, out, _ = run(capsys, "replay", str(ROOT / "sample" / "events" / "stack.json"),
                       "--payload", str(ROOT / "sample" / "events" / "stack.payload.json"))
    assert json.loads(out)["hookStatus"] == "SUCCESS", out


def test_readme_real_run_is_what_the_cli_prints(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the run pasted in README.md
    readme = (ROOT / "README.md").read_text()
    marker = "A real run (`govhook check sample/templates/hello-noncompliant.yaml sample/templates/sam-globals.yaml`):\n\n"
    block = readme.split(marker, 1)[1].split("\n\n    BLOCKED:", 1)
    pasted = block[0] + "\n\n    BLOCKED:" + block[1].split("\n", 1)[0]
    expected = "\n".join(line[4:] for line in pasted.split("\n")).strip()
    # WHEN the CLI runs the same command
    monkeypatch.chdir(ROOT)
    code = main(["check", "--no-color", "--today", "2026-11-25",
                 "sample/templates/hello-noncompliant.yaml", "sample/templates/sam-globals.yaml"])
    # THEN README shows exactly what it prints
    assert code == 1
    assert capsys.readouterr().out.strip() == expected


CONTROL_CHAR_TEMPLATE = (
    'Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n'
    '    Properties: {Runtime: "nodejs18.x\\u0001 <&>\\"", Handler: a.b, Role: r, Code: {ZipFile: x}}\n'
)


def test_junit_stays_xml_when_a_message_quotes_a_control_character(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a template value holding a control character (YAML "\u0001") and XML specials
    path = tmp_path / "t.yaml"
    path.write_text(CONTROL_CHAR_TEMPLATE, encoding="utf-8")
    # WHEN the JUnit report quotes it in a failure message
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "junit", str(path))
    # THEN the report is still well-formed XML (XML 1.0 cannot carry U+0001 even as a reference)
    root = ET.fromstring(out)
    messages = [c.find("failure").get("message", "") for c in root.iter("testcase") if c.find("failure") is not None]
    assert code == 1 and any("nodejs18.x\\x01 <&>\"" in m for m in messages), messages


def test_sarif_uri_is_percent_encoded_and_each_result_keeps_its_own_fingerprint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a template in a folder with a space, missing two required tags (two findings at /Tags)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "my templates"
    folder.mkdir()
    (folder / "a b.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: python3.13, Handler: a.b, Role: r, Code: {ZipFile: x}}\n", encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nrules:\n  lambda.tags-required: {params: {keys: [team, cost-center]}}\n", encoding="utf-8")
    # WHEN it is reported as SARIF
    code, out, _ = run(capsys, "check", "--policy", str(policy), "--format", "sarif", str(folder / "a b.yaml"))
    results = json.loads(out)["runs"][0]["results"]
    # THEN the uri is a relative URI reference, and GitHub sees two alerts, not one
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert code == 1 and uris == {"my%20templates/a%20b.yaml"}
    assert len(results) == 2
    assert len({r["partialFingerprints"]["govhook/v1"] for r in results}) == 2


def test_a_template_whose_resources_start_after_64_kib_is_still_found(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a template with a large Mappings section before Resources and no AWSTemplateFormatVersion
    mappings = "".join(f"    r{i}: {{ami: ami-{i:017d}}}\n" for i in range(3000))
    (tmp_path / "big.yaml").write_text(
        "Mappings:\n  Amis:\n" + mappings + "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n", encoding="utf-8")
    assert (tmp_path / "big.yaml").stat().st_size > 65536
    # WHEN its directory is checked
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "json", str(tmp_path))
    # THEN the template is checked (and blocked), not silently skipped as a non-template
    doc = json.loads(out)
    assert code == 1 and doc["files"] == [str(tmp_path / "big.yaml")]


def test_a_service_in_an_events_folder_is_checked_and_hook_fixtures_are_not_templates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN a repository with services named events and plugin, beside a captured hook event and a rule case file
    for service in ("events", "plugin"):
        (tmp_path / service).mkdir()
        (tmp_path / service / "template.yaml").write_text(
            "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
            "    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n", encoding="utf-8")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "stack.payload.json").write_text(json.dumps(
        {"template": "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n", "previousTemplate": ""}), encoding="utf-8")
    (tmp_path / "fixtures" / "acme.rule.yaml").write_text(
        "rule: acme.x\ncases:\n  - name: a\n    template:\n      Resources:\n        Fn: {Type: AWS::Lambda::Function}\n",
        encoding="utf-8")
    # WHEN the repository is checked
    code, out, err = run(capsys, "check", "--policy", POLICY, "--format", "json", str(tmp_path))
    # THEN both services are checked (and blocked), and the fixtures are not mistaken for templates
    doc = json.loads(out)
    assert code == 1, err
    assert doc["files"] == [str(tmp_path / "events" / "template.yaml"), str(tmp_path / "plugin" / "template.yaml")]


def test_region_decides_region_conditions(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # GIVEN a function created only outside us-east-1 (a common Condition on AWS::Region)
    path = tmp_path / "t.yaml"
    path.write_text(
        "Conditions:\n  InEurope: !Equals [!Ref AWS::Region, eu-west-1]\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n"
        "    Condition: InEurope\n    Properties: {Runtime: nodejs18.x, Handler: a.b, Role: r, Code: {ZipFile: x}}\n",
        encoding="utf-8")
    # WHEN it is checked for the region it deploys to
    code, out, _ = run(capsys, "check", "--policy", POLICY, "--format", "json", "--region", "eu-west-1", str(path))
    # THEN the function exists there and is judged (the default us-east-1 would leave it out)
    assert code == 1 and any(f["rule_id"] == "lambda.runtime-allowed" and f["outcome"] == "FAIL"
                             for f in json.loads(out)["findings"])


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("{name: x, expect: FAIL, properties: {}, violations: [1]}", "case 'x': violations must be a list of mappings"),
        ("{name: x, expect: PASS, properties: [1]}", "case 'x': properties must be a mapping"),
    ],
)
def test_govhook_test_rejects_a_malformed_case_in_one_line(case: str, expected: str, capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    # GIVEN a plugin author's case file with a violation written as a number, or properties as a list
    path = tmp_path / "case.yaml"
    path.write_text(f"rule: lambda.tracing-active\ncases:\n  - {case}\n", encoding="utf-8")
    # WHEN the cases are run
    code, _, err = run(capsys, "test", str(path))
    # THEN exit 2 with one line naming the file and the case (not a TypeError traceback, not a silent run)
    assert code == 2 and err == f"govhook: error: {path}: {expected}" + (
        " (path, message, message_contains, message_excludes, logical_id)\n" if "violations" in expected else "\n")
