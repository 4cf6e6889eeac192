"""lambda.env-no-plaintext-secrets: no credentials in environment variables."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    is_unresolved,
    json_pointer,
)

_SECRET_NAME = re.compile(r"(PASS(WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH)", re.I)
_VALUE_PATTERNS = {
    "an AWS access key id": re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "a JSON Web Token": re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "a Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
}
_SAFE_VALUE = re.compile(r"^(\{\{resolve:(secretsmanager|ssm-secure|ssm):.*\}\}|arn:aws[a-z-]*:(secretsmanager|ssm|kms):.*)$")


class EnvNoPlaintextSecrets(Rule):
    """Environment variables hold no plaintext credentials; the value is never printed.

    - PASS when no variable looks like a credential: a secret-like name (PASSWORD, SECRET,
      TOKEN, API_KEY, ...) with a literal value, or a value shaped like a key (AKIA..., a private
      key block, a JWT, GitHub/Slack tokens). Dynamic references (``{{resolve:secretsmanager:...}}``,
      ``{{resolve:ssm-secure:...}}``), ARNs of secrets or parameters, empty values, unresolved
      intrinsics (a NoEcho parameter) and names in ``allowed_names`` pass.
    - FAIL for each variable that looks like a credential, naming the variable and why.
    - SKIP when the Variables map itself is unresolved.
    """

    id = "lambda.env-no-plaintext-secrets"
    title = "No plaintext secrets in environment variables"
    default_severity = Severity.CRITICAL
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_names": {"type": "array", "items": {"type": "string"}, "default": []},
            "extra_name_patterns": {"type": "array", "items": {"type": "string"}, "default": []},
        },
        "additionalProperties": False,
    }
    equivalents = {"checkov": ("CKV_AWS_45",), "cfn-lint": ("W1011",), "cfn-nag": ("F45 (EventSourceToken)",)}
    rationale = "Environment variables are readable by anyone with lambda:GetFunctionConfiguration and land in templates and logs."

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        variables = ctx.get("/Environment/Variables")
        if variables is None:
            return
        if is_unresolved(variables) or not isinstance(variables, Mapping):
            raise NotApplicable("Environment.Variables is not known before deployment")
        extra = [re.compile(p, re.I) for p in params["extra_name_patterns"]]
        for name, value in variables.items():
            if name in params["allowed_names"] or is_unresolved(value) or value is None:
                continue
            text = str(value)
            if not text.strip() or _SAFE_VALUE.match(text.strip()):
                continue
            path = json_pointer("Environment", "Variables", str(name))
            shape = next((what for what, rx in _VALUE_PATTERNS.items() if rx.search(text)), None)
            if shape:
                yield Violation(f"environment variable {name} holds what looks like {shape} (value not shown)", path,
                                "Store it in Secrets Manager and pass {{resolve:secretsmanager:...}} or the secret's ARN.")
            elif _SECRET_NAME.search(str(name)) or any(rx.search(str(name)) for rx in extra):
                yield Violation(f"environment variable {name} looks like a credential and has a literal value (value not shown)", path,
                                "Store it in Secrets Manager or SSM SecureString and reference it, or list the name in allowed_names.")
