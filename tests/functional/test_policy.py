"""Policy files: every error at once, each with its YAML path and line; what the engine gets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hook.core.errors import PolicyError
from hook.core.policy import check_policy_text, load_policy, parse_policy, policy_schema
from hook.core.policy_model import Mode, ValueRef
from hook.core.registry import default_registry
from hook.core.schema import check_supported, validate
from hook.sdk import Severity

REG = default_registry()
TODAY = date(2026, 11, 23)
ROOT = Path(__file__).resolve().parents[2]


def errors(text: str) -> list[str]:
    return [str(e) for e in check_policy_text(text, "p.yaml", REG, today=TODAY).errors]


def test_a_full_policy_builds_what_the_engine_reads() -> None:
    policy = parse_policy(
        "version: 1\ndefaults: {mode: warn, on_error: warn, existing: warn}\n"
        "scope: {stacks: {include: [app-*], exclude: [app-sandbox]}}\n"
        "rules:\n  lambda.runtime-allowed:\n    severity: critical\n    mode: fail\n"
        "    params: {allowed: {ssm: /govhook/rt, default: 'python3.13, nodejs22.x'}}\n"
        "  lambda.tags-required:\n  lambda.memory-within-bounds: {params: {max: 1024}, scope: {resources: {exclude: [Batch*]}}}\n"
        "exemptions:\n  - {id: EX-1, rules: [lambda.tags-required], stacks: [app-legacy], resources: [Old*],"
        " reason: owned by a vendor until Q3, expires: 2027-06-30}\n",
        "p.yaml", REG, today=TODAY,
    )
    assert policy.defaults.mode is Mode.WARN and policy.scope.covers_stack("app-x") and not policy.scope.covers_stack("app-sandbox")
    cfg = policy.rules["lambda.runtime-allowed"]
    assert cfg.severity is Severity.CRITICAL and cfg.mode is Mode.FAIL
    assert cfg.params["allowed"] == ValueRef("/govhook/rt", "python3.13, nodejs22.x", True)
    assert set(policy.rules) == {"lambda.runtime-allowed", "lambda.tags-required", "lambda.memory-within-bounds"}
    assert not policy.rules["lambda.memory-within-bounds"].scope.covers_resource("BatchJob")
    (ex,) = policy.exemptions
    assert (ex.id, ex.rules, ex.stacks, ex.resources, ex.expires) == ("EX-1", ("lambda.tags-required",), ("app-legacy",), ("Old*",), date(2027, 6, 30))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules: {}\n", "p.yaml:1:1: 'version' is required"),
        ("version: 2\nrules: {}\n", "p.yaml:1:1: version: must be 1, got 2"),
        ("version: 1\nrulez: {}\nrules: {}\n", "p.yaml:2:1: rulez: unknown key 'rulez'; did you mean 'rules'?"),
        ("version: 1\nrules:\n  lambda.tags-required: {mode: maybe}\n", "p.yaml:3:26: rules.lambda.tags-required.mode: must be one of 'fail', 'warn'; got 'maybe'"),
        ("version: 1\nrules:\n  lambda.tags-required: {severity: urgent}\n", "rules.lambda.tags-required.severity: must be one of 'informational'"),
        ("version: 1\nrules:\n  lambda.tag-required: {}\n", "p.yaml:3:3: rules.lambda.tag-required: unknown rule 'lambda.tag-required'; did you mean 'lambda.tags-required'?"),
        ("version: 1\nrules:\n  lambda.memory-within-bounds: {params: {max: lots}}\n", "params.max: must be an integer, got string 'lots' (rule lambda.memory-within-bounds)"),
        ("version: 1\nrules:\n  lambda.memory-within-bounds: {params: {maxx: 1}}\n", "unknown key 'maxx'; did you mean 'max'? (rule lambda.memory-within-bounds)"),
        ("version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: {ssm: 'bad name'}}}\n", "'bad name' is not an SSM parameter name"),
        ("version: 1\nrules:\n  lambda.runtime-allowed: {params: {allowed: {ssm: /x, default: 5}}}\n", "params.allowed: must be a list, got integer 5"),
        ("version: 1\nrules: {}\nexemptions:\n  - {id: E, rules: [lambda.tags-required], expires: 2027-01-01}\n", "p.yaml:4:5: exemptions[0]: 'reason' is required"),
        ("version: 1\nrules: {}\nexemptions:\n  - {id: E, rules: [], reason: a good reason here, expires: 2027-01-01}\n", "exemptions[0].rules: must not be empty"),
        ("version: 1\nrules: {}\nexemptions:\n  - {id: E, rules: [x.y], reason: a good reason here, expires: 2027-01-01}\n", "exemptions[0].rules[0]: unknown rule 'x.y'"),
        ("version: 1\nrules: {}\nexemptions:\n  - {id: E, rules: [lambda.tags-required], reason: a good reason here, expires: soon}\n", "exemptions[0].expires: 'soon' is not a date (YYYY-MM-DD)"),
        ("version: 1\nrules:\n  lambda.tags-required: {}\n  lambda.tags-required: {}\n", "p.yaml:4:3: rules.lambda.tags-required: duplicate key 'lambda.tags-required'"),
        ("version: 1\nrules: [\n", "p.yaml:3:1: not valid YAML"),
        ("", "the policy is empty"),
    ],
)
def test_each_error_kind_names_path_and_line(text: str, expected: str) -> None:
    found = errors(text)
    assert any(expected in e for e in found), found


def test_every_error_is_reported_at_once() -> None:
    found = errors("version: 3\nextra: 1\nrules:\n  lambda.nope: {}\n  lambda.tags-required: {mode: x}\n")
    assert len(found) == 4


def test_expired_exemption_is_a_warning_and_kept() -> None:
    report = check_policy_text("version: 1\nrules: {}\nexemptions:\n  - {id: OLD, rules: [lambda.tags-required],"
                               " reason: a good reason here, expires: 2026-01-31}\n", "p.yaml", REG, today=TODAY)
    assert not report.errors
    assert [str(w) for w in report.warnings] == ["p.yaml:4:74: exemptions[0].expires: exemption OLD expired on 2026-01-31 and is ignored"]
    assert report.policy is not None and report.policy.exemptions[0].id == "OLD"


def test_parse_and_load_raise_one_line_policy_errors(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as exc:
        parse_policy("version: 1\nrules:\n  lambda.nope: {}\n", "p.yaml", REG)
    assert str(exc.value).startswith("p.yaml:3:3: rules.lambda.nope: unknown rule") and len(exc.value.issues) == 1
    with pytest.raises(PolicyError, match="cannot read policy"):
        load_policy(str(tmp_path / "missing.yaml"), REG)


def test_shipped_policies_are_valid() -> None:
    for path in sorted((ROOT / "policies").glob("*.policy.yaml")):
        report = check_policy_text(path.read_text(), str(path), REG, today=TODAY)
        assert not report.errors, report.errors


def test_schemas_are_valid_json_schema_and_within_the_fast_validator() -> None:
    jsonschema.Draft202012Validator.check_schema(policy_schema())
    assert check_supported(policy_schema()) == []
    for rule in REG:
        jsonschema.Draft202012Validator.check_schema(dict(rule.params_schema))
        assert check_supported(dict(rule.params_schema)) == [], rule.id


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-5, 20000) | st.floats(allow_nan=False, width=32) | st.text(max_size=6),
                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["min", "max", "allowed", "keys", "x", "required", "tiers"]), c, max_size=3),
                       max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(JSONISH, st.sampled_from(sorted(REG.ids())))
def test_fast_validator_agrees_with_jsonschema(instance: object, rule_id: str) -> None:
    rule = REG.get(rule_id)
    assert rule is not None
    schema = dict(rule.params_schema)
    ours = not validate(instance, schema)
    theirs = jsonschema.Draft202012Validator(schema).is_valid(instance)
    assert ours == theirs, (instance, schema)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\nrules:\n  lambda.runtime-allowed:\n    scope: {stacks: [app-*]}\n",
         "p.yaml:4:13: rules.lambda.runtime-allowed.scope.stacks: must be an object"),
        ("version: 1\nrules:\n  lambda.runtime-allowed:\n    scope: {resources: {include: Fn*}}\n",
         "p.yaml:4:25: rules.lambda.runtime-allowed.scope.resources.include: must be a list"),
    ],
)
def test_a_rule_scope_of_the_wrong_shape_is_an_error_not_a_crash(text: str, expected: str) -> None:
    # GIVEN a rule scope written as a list, or globs written as one string
    # WHEN the policy is validated
    found = errors(text)
    # THEN the schema's error with its line, and nothing raised
    assert any(e.startswith(expected) for e in found), found


def test_a_rule_scope_with_two_wrong_sections_reports_both_with_their_lines() -> None:
    # GIVEN a rule scope whose stacks and resources are both written as lists
    text = ("version: 1\nrules:\n  lambda.runtime-allowed:\n    scope:\n"
            "      stacks: [app-*]\n      resources: [Fn*]\n")
    # WHEN the policy is validated
    found = errors(text)
    # THEN each wrong section is an error at its own line (every error at once)
    assert found == [
        "p.yaml:5:7: rules.lambda.runtime-allowed.scope.stacks: must be an object, got array ['app-*']",
        "p.yaml:6:7: rules.lambda.runtime-allowed.scope.resources: must be an object, got array ['Fn*']",
    ]


def test_a_rule_scope_with_an_unknown_key_and_a_wrong_section_reports_both() -> None:
    # GIVEN a rule with a wrong severity and a scope with an unknown section
    text = "version: 1\nrules:\n  lambda.runtime-allowed: {severity: huge, scope: {stack: {include: [a]}}}\n"
    # WHEN it is validated
    found = errors(text)
    # THEN both are reported
    assert len(found) == 2, found
    assert any("severity: must be one of" in e for e in found) and any("unknown key 'stack'" in e for e in found), found


def test_exemption_rules_written_as_a_string_is_one_error() -> None:
    # GIVEN an exemption whose rules is a single id, not a list
    text = ("version: 1\nrules: {lambda.runtime-allowed: {}}\nexemptions:\n"
            "  - {id: EX-1, rules: lambda.runtime-allowed, stacks: [legacy-*], reason: vendor SDK pinned, expires: 2027-03-31}\n")
    # WHEN it is validated
    found = errors(text)
    # THEN one error says it must be a list (not one 'unknown rule' per character)
    assert found == ["p.yaml:4:16: exemptions[0].rules: must be a list, got string 'lambda.runtime-allowed'"]


def test_yaml_merge_keys_and_aliases_are_plain_yaml() -> None:
    # GIVEN a policy sharing settings through an anchor and a merge key
    text = ("version: 1\nrules:\n  lambda.runtime-allowed: &common {mode: warn, severity: low}\n"
            "  lambda.tracing-active: {<<: *common, severity: high}\n  lambda.memory-within-bounds: *common\n")
    # WHEN it is parsed
    policy = parse_policy(text, "p.yaml", REG, today=TODAY)
    # THEN the merged keys apply and the keys written beside '<<' win
    tracing = policy.rules["lambda.tracing-active"]
    assert tracing.mode is Mode.WARN and tracing.severity is Severity.HIGH
    assert policy.rules["lambda.memory-within-bounds"].severity is Severity.LOW


def test_non_string_keys_are_named_as_written() -> None:
    # GIVEN rule ids YAML reads as an integer and a boolean (1 == True in Python)
    found = errors("version: 1\nrules: {1: {}, true: {}}\n")
    # THEN each is an unknown rule under the name written, and neither is a 'duplicate key'
    assert found == ["p.yaml:2:9: rules.1: unknown rule '1'", "p.yaml:2:16: rules.true: unknown rule 'true'"], found


def test_a_minimum_above_the_maximum_is_an_error() -> None:
    # GIVEN bounds that cross: explicit on both sides, or against the rule's default maximum
    text = ("version: 1\nrules:\n  lambda.memory-within-bounds: {params: {min: 4096, max: 1024}}\n"
            "  lambda.log-retention-within-bounds: {params: {min_days: 1000}}\n")
    # WHEN the policy is validated
    found = errors(text)
    # THEN each is an error at its line: every function would fail a requirement nobody can meet
    assert found == [
        "p.yaml:3:42: rules.lambda.memory-within-bounds.params.min: min 4096 is above max 1024: nothing could pass (rule lambda.memory-within-bounds)",
        "p.yaml:4:49: rules.lambda.log-retention-within-bounds.params.min_days: min_days 1000 is above max_days 731: nothing could pass (rule lambda.log-retention-within-bounds)",
    ], found


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["default.policy.yaml", "strict.policy.yaml"])
def test_a_policy_published_as_json_is_the_same_policy(name: str) -> None:
    # GIVEN a shipped policy and the compact JSON deploy.sh publishes from it
    from hook.core.policy import policy_json

    path = str(ROOT / "policies" / name)
    published = policy_json(path)
    # WHEN both are parsed
    from_yaml = load_policy(path, REG, today=TODAY)
    from_json = parse_policy(published, "ssm:/govhook/policy", REG, today=TODAY)
    # THEN the engine reads the same rules, parameters, scope and exemptions
    assert from_json.rules == from_yaml.rules and from_json.scope == from_yaml.scope
    assert from_json.defaults == from_yaml.defaults and from_json.exemptions == from_yaml.exemptions
    assert published.startswith("{") and "\n" not in published and len(published) < len((ROOT / "policies" / name).read_text())


def test_a_json_policy_reports_duplicate_keys_and_a_yaml_flow_mapping_is_still_yaml() -> None:
    # GIVEN JSON with a key written twice, and a YAML flow mapping (not JSON) that starts with '{'
    duplicated = '{"version": 1, "rules": {"lambda.runtime-allowed": {}}, "version": 1}'
    flow = "{version: 1, rules: {lambda.runtime-allowed: {}}}"
    # THEN the duplicate is an error and the flow mapping is a valid policy
    assert any("duplicate key 'version'" in e for e in errors(duplicated))
    assert errors(flow) == []
    # AND a JSON policy's errors still name the path
    assert any("rules.lambda.runtime-alowed" in e and "did you mean 'lambda.runtime-allowed'" in e
               for e in errors('{"version": 1, "rules": {"lambda.runtime-alowed": {}}}'))


def test_the_hook_reads_a_json_policy_without_importing_pyyaml(tmp_path: Path) -> None:
    # GIVEN the default policy as JSON, as deploy.sh publishes it
    import subprocess
    import sys

    from hook.core.policy import policy_json

    policy = tmp_path / "policy.json"
    policy.write_text(policy_json(str(ROOT / "policies" / "default.policy.yaml")))
    code = (
        "import json, sys; from hook.handler import handle; from hook.sdk import OfflineAccount; "
        "from hook.core.values import OfflineValues; "
        f"r = handle(json.load(open({str(ROOT / 'sample' / 'events' / 'resource-create-noncompliant.json')!r})), None, "
        "values=OfflineValues(), account=OfflineAccount(), observe=False); "
        "print(r['hookStatus'], 'yaml' in sys.modules)"
    )
    # WHEN a fresh interpreter answers a RESOURCE event with it
    out = subprocess.run([sys.executable, "-c", code], env={**__import__("os").environ, "GOVHOOK_POLICY": str(policy)},
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    # THEN it decides, and PyYAML (a 20 ms import on a cold start) was never loaded
    assert out == ["FAILED", "False"]


def test_an_unknown_nested_param_key_suggests_from_its_own_level() -> None:
    # GIVEN a misspelled key inside a nested parameter (by_source.sqs takes min and max)
    text = "version: 1\nrules:\n  lambda.esm-batch-size-within-bounds:\n    params:\n      by_source:\n        sqs: {maxx: 10}\n"
    # WHEN checked, THEN the error is at that key's line and suggests the key of that level
    assert errors(text) == [
        "p.yaml:6:15: rules.lambda.esm-batch-size-within-bounds.params.by_source.sqs.maxx: unknown key 'maxx'; "
        "did you mean 'max'? (rule lambda.esm-batch-size-within-bounds)"
    ]


def test_every_pass_reports_at_once() -> None:
    # GIVEN one mistake for each pass: schema, rule id, params (reference, bounds), exemptions
    text = (
        "version: 1\nrulez: {}\nrules:\n  lambda.tag-required: {}\n"
        "  lambda.runtime-allowed: {params: {allowed: {ssm: 'not a name'}}}\n"
        "  lambda.memory-within-bounds: {params: {min: 2048, max: 1024}}\n"
        "exemptions:\n  - {id: EX-1, rules: [lambda.nope], reason: vendor code until Q3, expires: 2027-01-01}\n"
        "  - {id: EX-1, rules: [lambda.tags-required], reason: vendor code until Q3, expires: 2027-01-01}\n"
    )
    # WHEN checked, THEN each is reported, in line order, with its line and path
    assert [e.split(": ", 2)[:2] for e in errors(text)] == [
        ["p.yaml:2:1", "rulez"],
        ["p.yaml:4:3", "rules.lambda.tag-required"],
        ["p.yaml:5:47", "rules.lambda.runtime-allowed.params.allowed.ssm"],
        ["p.yaml:6:42", "rules.lambda.memory-within-bounds.params.min"],
        ["p.yaml:8:24", "exemptions[0].rules[0]"],
        ["p.yaml:9:6", "exemptions[1].id"],
    ]
