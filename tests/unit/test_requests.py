"""Exemption requests: which request covers a finding, and how the policy decides it."""

from __future__ import annotations

from datetime import date

from hook.core.model import Disposition, Finding, Outcome, Verdict
from hook.core.policy_model import Defaults, Mode, Policy, RequestSettings, RuleConfig, Scope
from hook.core.requests import (
    ExemptionRequest,
    apply_requests,
    cdk_rule_id,
    needs_stack_template,
    requests_from_template,
)
from hook.sdk import Severity

TODAY = date(2026, 12, 1)


def finding(rule: str, logical_id: str | None = "Fn", path: str | None = "App/Api/Fn/Resource",
            disposition: Disposition = Disposition.BLOCKING) -> Finding:
    return Finding(rule, rule, Outcome.FAIL, disposition, Severity.HIGH, "resource", "bad", logical_id,
                   "AWS::Lambda::Function", stack_name="app", construct_path=path)


def policy(**rules: RuleConfig) -> Policy:
    return Policy(1, Defaults(), Scope(), rules, requests=RequestSettings(require_expiry=False, max_days=90))


def test_cdk_ids_name_govhook_rules_only() -> None:
    assert cdk_rule_id("govhook::lambda.runtime-allowed") == "lambda.runtime-allowed"
    assert cdk_rule_id("CloudFormation-Validate::W2531") is None
    assert cdk_rule_id("lambda.runtime-allowed") is None


def test_the_closest_acknowledgement_wins_and_a_resource_request_beats_both() -> None:
    p = policy(**{"a.rule": RuleConfig("a.rule", requests="allow")})
    wide = ExemptionRequest("a.rule", "the whole app, for now", None, "CDK acknowledge at App", "app", None, "App")
    near = ExemptionRequest("a.rule", "the API only, PLAT-1 ok", None, "CDK acknowledge at App/Api", "app", None, "App/Api")
    other = ExemptionRequest("a.rule", "another construct", None, "CDK acknowledge at App/Apix", "app", None, "App/Apix")
    v = apply_requests(Verdict((finding("a.rule"),)), [wide, near, other], p, TODAY)
    assert v.findings[0].disposition is Disposition.EXEMPTED
    assert v.findings[0].exemption is not None and v.findings[0].exemption.reason == "the API only, PLAT-1 ok"
    meta = ExemptionRequest("a.rule", "the function itself", None, "Metadata", "app", "Fn", None)
    v = apply_requests(Verdict((finding("a.rule"),)), [wide, near, meta], p, TODAY)
    assert v.findings[0].exemption is not None and v.findings[0].exemption.reason == "the function itself"
    # a sibling path with the same prefix is not under App/Api
    v = apply_requests(Verdict((finding("a.rule", path="App/Apix2/Fn"),)), [near], p, TODAY)
    assert v.findings[0].disposition is Disposition.BLOCKING


def test_defaults_deny_requests_for_fail_rules_and_allow_them_for_warn_rules() -> None:
    p = policy(**{"f.rule": RuleConfig("f.rule"), "w.rule": RuleConfig("w.rule", mode=Mode.WARN)})
    reqs = [ExemptionRequest(r, "measured and tracked, PLAT-9", None, "Metadata", "app", "Fn") for r in ("f.rule", "w.rule")]
    v = apply_requests(Verdict((finding("f.rule"), finding("w.rule", disposition=Disposition.WARNING))), reqs, p, TODAY)
    by_rule = {f.rule_id: f for f in v.findings}
    assert by_rule["f.rule"].disposition is Disposition.BLOCKING and not by_rule["f.rule"].suppressible
    assert "refused: the policy does not accept exemption requests for f.rule" in by_rule["f.rule"].message
    assert by_rule["w.rule"].disposition is Disposition.EXEMPTED
    assert any("f.rule on Fn" in n for n in v.notes)
    denied = Policy(1, Defaults(requests="deny"), Scope(), {"w.rule": RuleConfig("w.rule", mode=Mode.WARN)})
    assert not denied.accepts_requests("w.rule")


def test_template_metadata_requests_and_the_expiry_written_in_a_reason() -> None:
    template = {"Metadata": {"govhook": {"exempt": [{"rule": "s.rule", "reason": "stack wide, PLAT-3"}]}},
                "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Metadata": {"govhook": {"exempt": [
                    {"rules": ["a.rule", "b.rule"], "reason": "both, PLAT-4", "expires": date(2027, 1, 1)}]}}}}}
    reqs = requests_from_template(template, "app")
    assert [(r.rule, r.logical_id, r.expires) for r in reqs] == [
        ("s.rule", None, None), ("a.rule", "Fn", "2027-01-01"), ("b.rule", "Fn", "2027-01-01")]
    p = Policy(1, Defaults(), Scope(), {"a.rule": RuleConfig("a.rule", requests="allow")},
               requests=RequestSettings(require_expiry=True, max_days=30))
    ack = ExemptionRequest("a.rule", "batch job, PLAT-5, expires 2026-12-20", None, "CDK", "app", None, "App")
    v = apply_requests(Verdict((finding("a.rule"),)), [ack], p, TODAY)
    assert v.findings[0].exemption is not None and v.findings[0].exemption.expires == "2026-12-20"
    late = ExemptionRequest("a.rule", "batch job, PLAT-5, expires 2027-06-30", None, "CDK", "app", None, "App")
    v = apply_requests(Verdict((finding("a.rule"),)), [late], p, TODAY)
    assert "more than the policy's 30 days" in v.findings[0].message


def test_a_resource_invocation_reads_the_template_only_when_it_could_change_the_decision() -> None:
    plain = policy(**{"f.rule": RuleConfig("f.rule")})
    assert not needs_stack_template(plain, Verdict((finding("f.rule"),)))
    allowing = policy(**{"f.rule": RuleConfig("f.rule", requests="allow")})
    assert needs_stack_template(allowing, Verdict((finding("f.rule"),)))
    assert not needs_stack_template(allowing, Verdict(()))
    scoped = policy(**{"f.rule": RuleConfig("f.rule", scope=Scope(constructs_include=("*/Custom::*",)))})
    assert needs_stack_template(scoped, Verdict(()))
