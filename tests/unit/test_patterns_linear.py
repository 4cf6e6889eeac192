"""Every regular expression a rule runs on user input is linear in the input (issue 17, item 1).

The JWT pattern of lambda.env-no-plaintext-secrets used to restart at every ``eyJ`` and rescan the
rest of the value: 2-3 s at 64 KB, minutes at 320 KB, so Lambda killed the hook on every retry.
Patterns are now built so a match attempt cannot rescan what an earlier attempt read (bounded
repetitions, classes that exclude the character that follows them, tokens split first), and this
test runs each one on 1 MB of the input most likely to make it backtrack. A new module-level
pattern in ``hook.rules`` must add its adversarial inputs here (the coverage test fails otherwise).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from typing import Any

import pytest

import hook.rules
from hook.rules import env_no_plaintext_secrets as secrets

MB = 1 << 20
NAME = 64 << 10  # variable names are cut to 256 characters before matching; tested far beyond that


def _fill(unit: str, size: int = MB, prefix: str = "", suffix: str = "") -> str:
    return prefix + unit * (size // len(unit)) + suffix


#: pattern source -> adversarial inputs (each about 1 MB): runs of what the pattern's repetitions
#: accept, with the character that would complete the match missing.
ADVERSARIAL: dict[str, list[str]] = {
    secrets._SECRET_NAME.pattern: [_fill("PAS", NAME), _fill("API_", NAME), _fill("CREDENTIAL", NAME)],
    secrets._INDIRECT_NAME.pattern: [_fill("_NAME_", NAME), _fill("_PARAMETER", NAME), _fill("A_", NAME)],
    secrets._KNOWN_SETTINGS.pattern: [_fill("SECRETS_MANAGER", NAME)],
    secrets._VALUE_PATTERNS["an AWS access key id"].pattern: [_fill("AKIA"), _fill("AKIAAAAAAAAAAAAAAA-")],
    secrets._VALUE_PATTERNS["a private key"].pattern: [_fill("-----BEGIN "), _fill("A ", prefix="-----BEGIN "),
                                                        _fill("PRIVATE KEY----", prefix="-----BEGIN ")],
    secrets._VALUE_PATTERNS["a GitHub token"].pattern: [_fill("ghp_"), _fill("a", prefix="ghp_")],
    secrets._VALUE_PATTERNS["a Slack token"].pattern: [_fill("xoxa"), _fill("xoxb-aaaa")],
    secrets._SEPARATORS.pattern: [_fill("eyJ- "), _fill("a. "), _fill(" ")],
    secrets._JWT_PART.pattern: [_fill("eyJ-"), _fill("a", suffix=".")],
    secrets._DYNAMIC_REF.pattern: [_fill("{{resolve:ssm:"), _fill("a", prefix="{{resolve:ssm:", suffix="}")],
    secrets._ARN.pattern: [_fill("arn:aws"), _fill("a", prefix="arn:aws:"), _fill("arn:aws-a:")],
    secrets._SSM_PATH.pattern: [_fill("/a"), _fill("a/", prefix="/"), _fill("/", suffix=" ")],
    secrets._PLAIN_SETTING.pattern: [_fill("1"), _fill("true")],
    secrets._SUB_VARIABLE.pattern: [_fill("${"), _fill("a", prefix="${"), _fill("${a")],
    secrets._INDIRECT_EXPORT.pattern: [_fill("arn "), _fill("pat"), _fill("ar")],
}


def _rule_patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern a rule module keeps at module level (directly or in a dict)."""
    found = []
    for info in pkgutil.iter_modules(hook.rules.__path__):
        module = importlib.import_module(f"hook.rules.{info.name}")
        for name, value in vars(module).items():
            values: list[Any] = list(value.values()) if isinstance(value, dict) else [value]
            for item in values:
                if isinstance(item, re.Pattern):
                    found.append((f"{info.name}.{name}", item))
    return found


def _extra_inputs(rx: re.Pattern[str]) -> list[str]:
    """Inputs for the other rules' patterns: the pattern's own characters repeated without an end."""
    literal = "".join(c for c in rx.pattern if c.isalnum() or c in ":-_./")[:40] or "a"
    return [_fill(literal), _fill("a"), _fill("1"), _fill(":")]


@pytest.mark.parametrize(("where", "rx"), _rule_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_rule_pattern_runs_in_linear_time_on_1mb(where: str, rx: re.Pattern[str]) -> None:
    # GIVEN a pattern a rule runs on values from templates and hook events
    inputs = ADVERSARIAL.get(rx.pattern) or _extra_inputs(rx)
    for text in inputs:
        # WHEN it searches 1 MB built to make it backtrack
        started = time.perf_counter()
        rx.search(text)
        rx.match(text)
        elapsed = time.perf_counter() - started
        # THEN it finishes in what a linear scan takes (a generous bound: a quadratic pattern needs hours)
        assert elapsed < 2.0, f"{where} took {elapsed:.1f} s on {text[:20]!r}..."


def test_the_secret_rules_patterns_all_have_adversarial_inputs() -> None:
    # GIVEN the patterns of lambda.env-no-plaintext-secrets (the rule that reads arbitrary values)
    mine = [rx for where, rx in _rule_patterns() if where.startswith("env_no_plaintext_secrets.")]
    # THEN each has inputs written for it above
    assert mine and all(rx.pattern in ADVERSARIAL for rx in mine)


def _evaluate(value: str) -> list[Any]:
    from hook.core.engine import Engine
    from hook.core.model import ResourceTarget
    from hook.core.policy import parse_policy
    from hook.core.registry import default_registry
    from hook.sdk import Action

    registry = default_registry()
    policy = parse_policy("version: 1\nrules: {lambda.env-no-plaintext-secrets: {}}\n", "p.yaml", registry)
    engine = Engine(registry, policy)
    target = ResourceTarget(resource_type="AWS::Lambda::Function", logical_id="Fn", action=Action.CREATE,
                            properties={"Environment": {"Variables": {"DATA": value, "TOKEN_X": value}}},
                            stack_name="s")
    return list(engine.evaluate([target]).findings)


@pytest.mark.parametrize("unit", ["eyJ-", "eyJ.", "eyJ. ", "eyJaaaaaaaa.", "eyJ_-eyJ", "-----BEGIN A", "/a", "arn:aws:"])
def test_the_rule_answers_on_1mb_of_adversarial_value(unit: str) -> None:
    # GIVEN a function whose environment value is 1 MB of a repeated near-match (the hook receives
    # it before Lambda's 4 KB limit can reject it)
    value = _fill(unit)
    # WHEN the rule evaluates it, through the engine as the hook runs it
    started = time.perf_counter()
    findings = _evaluate(value)
    # THEN it answers well inside the hook's deadline (was minutes for eyJ-)
    assert time.perf_counter() - started < 3.0
    assert findings


def test_a_real_jwt_is_still_found_token_by_token() -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    assert secrets.value_shape(f"Bearer {jwt}") == "a JSON Web Token"
    assert secrets.value_shape(f"token=x.{jwt}") == "a JSON Web Token"
    assert secrets.value_shape(f"x{jwt}") is None  # no word boundary before eyJ, as the regex had
    assert secrets.value_shape("eyJ-" * 1000) is None
