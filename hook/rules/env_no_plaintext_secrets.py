"""lambda.env-no-plaintext-secrets: no credentials in environment variables.

How a value is judged (the evidence: Checkov's CKV_AWS_45 judges values by their shape, not names;
detect-secrets' keyword detector pairs a secret-like name with a literal and drops indirections,
templated values, ids and numbers with its heuristic filters; cfn-lint W1011 asks for dynamic
references):

- a value shaped like a credential (AWS access key id, private key block, JWT, GitHub or Slack
  token) fails whatever the variable is called;
- a secret-like name (PASSWORD, SECRET, TOKEN, API_KEY, ...) fails with a literal value, unless the
  value or the name says it is an indirection: a dynamic reference (``{{resolve:...}}``), an ARN of
  any service, an SSM parameter path, a number or a boolean (a port, a TTL, a cache switch), or a
  name that ends in ``_NAME``, ``_ARN``, ``_ID``, ``_PATH``, ``_PARAM``, ``_URL``, ``_PORT``, ...
  (``SECRET_NAME`` holds the *name* of a secret, which the function reads at run time); the AWS
  Parameters and Secrets Lambda extension's documented settings (``PARAMETERS_SECRETS_EXTENSION_*``,
  ``SECRETS_MANAGER_*``, ``SSM_PARAMETER_STORE_*``) are settings, not secrets;
- a reference to another resource (``!Ref``, ``!GetAtt``) is judged as CloudFormation resolves it:
  an ARN, a name or a URL, never a secret, so the CLI (which sees the reference) and the hook (which
  sees the resolved value) agree; a Serverless Framework variable (``${ssm:...}``, ``${file(...)}``,
  ``${self:custom...}``) is written into the template as plaintext when the Framework packages,
  so under a secret-like name it fails;
- a parameter the CLI cannot know (no ``Default`` and no ``--param``, ``NoEcho`` or not, or an
  ``AWS::SSM::Parameter::Value<...>`` type) read by a secret-like name, through ``!Ref``, ``!Sub``,
  ``!Join`` or a branch of ``!If``, fails: CloudFormation resolves it before the RESOURCE hook runs,
  which then sees (and blocks) a literal, and the value is stored in plaintext in the function's
  configuration, readable with ``lambda:GetFunctionConfiguration`` (``NoEcho`` masks it only where
  CloudFormation describes the stack). cfn-lint's W1011 flags the same pattern, a ``Ref`` to a
  parameter in a password property ("use dynamic references over parameters for secrets",
  https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds),
  and AWS's ``NoEcho`` documentation recommends dynamic references to Secrets Manager or Parameter
  Store instead (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
  A ``Sub``/``Join`` whose text makes the value an indirection once resolved (it starts with
  ``arn:`` or ``{{resolve:``, or is an SSM path ``/...``) passes; so do indirect names and references
  to resources. ``govhook check --param NAME=VALUE`` judges the value to deploy instead. The template
  adapter tells which parameters a value comes from (``Unresolved.parameters``). A
  ``Fn::ImportValue`` (another stack's export, resolved before the hook runs) is judged the same way
  unless the export's name says it is an ARN or an SSM path; a raw intrinsic
  (``{"Ref": "X"}`` in a STACK-level or rule-case input) does not say whether X is a parameter or a
  resource, and is not judged;
- a ``NoEcho`` parameter with a ``Default`` is judged where the template is seen, by the companion
  stack rule ``lambda.env-no-noecho-defaults`` (CLI, STACK and CHANGE_SET): a RESOURCE hook gets
  the function's properties with the parameter already resolved, so neither it nor this rule can
  tell that a value came from a NoEcho default; here such a value is judged like any other literal
  (by its shape and the variable's name), in the CLI and the hook alike.

Every pattern is linear in the length of the value: bounded repetitions, no pattern that can
restart at every character (the JWT check splits the value into tokens first).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Unresolved,
    Violation,
    is_unresolved,
    json_pointer,
)

_SECRET_NAME = re.compile(r"PASS(?:WORD|WD)?|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIALS?|AUTH", re.I)
#: A name that says the value points at the secret rather than holding it.
_INDIRECT_NAME = re.compile(
    r"(?:_|^)(?:NAME|ARN|ID|PATH|PARAM|PARAMETER|PARAMETER_NAME|PARAM_NAME|URL|URI|ENDPOINT|HOST|PORT|REGION|"
    r"TTL|TIMEOUT|TIMEOUT_MILLIS|SECONDS|ENABLED|HEADER|HEADER_NAME|FILE|LOCATION|KEY_ID|TYPE|SIZE|LENGTH|"
    r"EXPIRY|EXPIRATION|ISSUER|AUDIENCE|SCOPE|SCOPES|TABLE|BUCKET|QUEUE|TOPIC)$",
    re.I,
)
#: Settings of the AWS Parameters and Secrets Lambda extension (documented, non-secret):
#: https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda_env-var.html
_KNOWN_SETTINGS = re.compile(r"^(?:PARAMETERS_SECRETS_EXTENSION_|SECRETS_MANAGER_|SSM_PARAMETER_STORE_|POWERTOOLS_)", re.I)
_VALUE_PATTERNS = {
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "a private key": re.compile(r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "a Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10}"),
}
_SEPARATORS = re.compile(r"[^A-Za-z0-9_.-]+")  # splits a value into tokens: each character is read once
_JWT_PART = re.compile(r"[A-Za-z0-9_-]{8,}")  # fullmatch on one dot-free part: linear
_DYNAMIC_REF = re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure|ssm):[^{}]*\}\}")
_ARN = re.compile(r"arn:aws[a-z-]{0,20}:[a-z0-9-]{1,64}:[a-z0-9-]{0,32}:(?:\d{12}|aws)?:\S")
_SSM_PATH = re.compile(r"/[A-Za-z0-9_.\-]{1,1024}(?:/[A-Za-z0-9_.\-]{1,1024}){0,14}")
_PLAIN_SETTING = re.compile(r"\d{1,10}|true|false|yes|no|on|off|enabled|disabled", re.I)
_NAME_LIMIT = 256  # Lambda's variable names are short ([a-zA-Z][a-zA-Z0-9_]+); longer ones are cut before matching


def _jwt(text: str) -> bool:
    """``eyJ<header>.<payload>.<signature>``, each part at least 8 characters: token by token."""
    if "eyJ" not in text:
        return False
    for value in _SEPARATORS.split(text):
        if "eyJ" not in value or value.count(".") < 2:
            continue
        parts = value.split(".")
        for i in range(len(parts) - 2):
            head = parts[i]
            if len(head) < 11 or len(parts[i + 1]) < 8 or len(parts[i + 2]) < 8:
                continue
            start = head.find("eyJ")
            while start > 0 and (head[start - 1].isalnum() or head[start - 1] == "_"):  # \b before eyJ
                start = head.find("eyJ", start + 1)
            if start < 0 or not _JWT_PART.fullmatch(head[start + 3:]):
                continue
            if _JWT_PART.fullmatch(parts[i + 1]) and _JWT_PART.fullmatch(parts[i + 2]):
                return True
    return False


#: A literal every match of the pattern contains: a substring test (fast, linear) comes first.
_MUST_CONTAIN = {"an AWS access key id": ("AKIA", "ASIA"), "a private key": ("PRIVATE KEY",),
                 "a GitHub token": ("gh",), "a Slack token": ("xox",)}


def value_shape(text: str) -> str | None:
    """What a value looks like when it looks like a credential, else None."""
    for what, rx in _VALUE_PATTERNS.items():
        if any(lit in text for lit in _MUST_CONTAIN[what]) and rx.search(text):
            return what
    return "a JSON Web Token" if _jwt(text) else None


def is_indirection(text: str) -> bool:
    """A value that names or points at a secret, or a plain setting, rather than holding a secret."""
    text = text.strip()
    return bool(_DYNAMIC_REF.fullmatch(text) or _ARN.match(text) or _SSM_PATH.fullmatch(text)
                or _PLAIN_SETTING.fullmatch(text))


def _framework_variable(value: Any) -> bool:
    """A Serverless Framework variable: resolved when the Framework packages, written as plaintext."""
    return isinstance(value, Unresolved) and isinstance(value.expr, str) and "${" in value.expr


def _sketch(expr: Any) -> str | None:
    """The text of a ``Fn::Sub`` or ``Fn::Join`` as written, every substitution or non-literal item
    as ``x``: what the deployed value looks like around the values nobody knows yet. None for
    any other expression."""
    if not (isinstance(expr, Mapping) and len(expr) == 1):
        return None
    key, arg = next(iter(expr.items()))
    if key == "Fn::Sub":
        text = arg[0] if isinstance(arg, list) and arg else arg
        return _SUB_VARIABLE.sub(lambda m: m.group(0) if m.group(1).startswith("!") else "x", text) \
            if isinstance(text, str) else None
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) \
            and isinstance(arg[1], list):
        return arg[0].join(item if isinstance(item, str) else _sketch(item) or "x" for item in arg[1])
    return None


#: ``${Name}`` in a Sub's text; a name has no ``$``, ``{`` or ``}``, so no attempt reads past the next one.
_SUB_VARIABLE = re.compile(r"\$\{([^${}]*)\}")


def _from_parameters(value: Unresolved) -> bool:
    """A value the template builds from a parameter the CLI cannot know, which CloudFormation
    resolves before the hook runs: a plaintext value in the function's configuration, unless the
    text around it makes the value an indirection (``arn:...``, ``{{resolve:...}}``, ``/path``)."""
    if not value.parameters or value.resource_type is not None:
        return False
    return _flows(value.expr, frozenset(value.parameters))


def _flows(expr: Any, parameters: frozenset[str], depth: int = 0) -> bool:
    """Whether the value of one of ``parameters`` reaches the deployed value of ``expr`` (raw, as
    written) as plaintext: through a ``Ref``, a branch of an ``Fn::If`` (each branch judged on its
    own: ``!If [HasSecret, !Sub "arn:...:secret:${Name}", ...]`` is an ARN either way), or a
    ``Fn::Sub``/``Fn::Join`` whose text does not make it an indirection; never through a
    ``Fn::FindInMap`` key or a ``Fn::Select`` index, which only choose."""
    if depth > 32:  # deeper than any template writes: assume it flows, as the adapter said it does
        return True
    if isinstance(expr, list):
        return any(_flows(item, parameters, depth + 1) for item in expr)
    if not isinstance(expr, Mapping):
        return False
    if len(expr) != 1:
        return any(_flows(item, parameters, depth + 1) for item in expr.values())
    key, arg = next(iter(expr.items()))
    if key == "Ref":
        return arg in parameters
    if key == "Fn::If":
        return isinstance(arg, list) and len(arg) == 3 and \
            (_flows(arg[1], parameters, depth + 1) or _flows(arg[2], parameters, depth + 1))
    if key == "Fn::FindInMap":
        return False
    if key == "Fn::Select":
        return isinstance(arg, list) and len(arg) == 2 and _flows(arg[1], parameters, depth + 1)
    if key in ("Fn::Sub", "Fn::Join"):
        sketch = _sketch(expr)
        if sketch is not None and _indirect_sketch(sketch):
            return False
        if key == "Fn::Sub":
            text, local = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
            local = local if isinstance(local, Mapping) else {}
            names = _SUB_VARIABLE.findall(text) if isinstance(text, str) else []
            return any(n in parameters if n not in local else _flows(local[n], parameters, depth + 1) for n in names)
    return _flows(arg, parameters, depth + 1)


#: An export whose name says it holds an ARN or an SSM path (``SharedDbSecretArn``, ``db-secret-path``):
#: what the hook, seeing the resolved value, takes for an indirection (a plain name it cannot tell
#: from a password, so an export of a secret's name under a secret-like variable is blocked there too).
_INDIRECT_EXPORT = re.compile(r"(?:arn|path)$", re.I)


def _imported(expr: Any) -> str | None:
    """The export a ``Fn::ImportValue`` reads, when its value reaches the variable as plaintext (not
    an export named for an ARN or a path): the name as written, else None."""
    if not (isinstance(expr, Mapping) and len(expr) == 1 and "Fn::ImportValue" in expr):
        return None
    arg = expr["Fn::ImportValue"]
    if isinstance(arg, Mapping) and len(arg) == 1 and "Fn::Sub" in arg:
        sub = arg["Fn::Sub"]
        arg = sub[0] if isinstance(sub, list) and sub else sub
    if not isinstance(arg, str):
        return "(computed name)"
    text = _SUB_VARIABLE.sub("x", arg).strip()
    return None if _INDIRECT_EXPORT.search(text) else arg[:128]


def _indirect_sketch(sketch: str) -> bool:
    """A value that, whatever its unknown parts are, names or points at a secret."""
    sketch = sketch.strip()
    return sketch.startswith(("arn:", "{{resolve:")) or _SSM_PATH.fullmatch(sketch) is not None


def _parameter_violation(name: str, value: Unresolved, path: str) -> Violation:
    """The finding for a secret-like variable set from a parameter: it names the variable and the
    parameters, never a value (none is known here)."""
    params = list(value.parameters[:3])
    listed = ", ".join(params) + (f" and {len(value.parameters) - 3} more" if len(value.parameters) > 3 else "")
    noun = "parameter" if len(value.parameters) == 1 else "parameters"
    hint = " ".join(f"--param {p}=VALUE" for p in params)
    return Violation(
        f"environment variable {name} looks like a credential and is set from template {noun} {listed}, known only "
        "at deploy time: CloudFormation writes the value into the function's configuration in plaintext, readable "
        "with lambda:GetFunctionConfiguration (NoEcho hides it only in CloudFormation's own output)",
        path,
        "Keep the secret in Secrets Manager or SSM SecureString and pass its ARN or name in a variable named like "
        f"{name}_ARN or {name}_NAME, read at run time (SDK or the Parameters and Secrets extension), or reference it "
        "with {{resolve:secretsmanager:...}} instead of a parameter; to judge the value you will deploy, give it to "
        f"govhook check ({hint}).")


class EnvNoPlaintextSecrets(Rule):
    """Environment variables hold no plaintext credentials; the value is never printed.

    - PASS when no variable looks like a credential (see the module docstring for how a value is
      judged): references to other resources, dynamic references, ARNs, SSM parameter names, secret
      names, numbers and the Parameters and Secrets extension's settings pass, and so do names in
      ``allowed_names``.
    - FAIL for each variable whose value is shaped like a credential, or whose secret-like name has
      a literal value, a Serverless Framework variable (inlined as plaintext at packaging) or a
      template parameter the CLI cannot know (resolved into plaintext at deploy time).
    - SKIP when the Variables map itself is unresolved.

    A secret-like variable set from a parameter without ``Default`` (``NoEcho`` or not) or an
    ``AWS::SSM::Parameter::Value<...>`` parameter fails in the CLI as it does at the hook, which
    gets the resolved value: it is stored in plaintext in the function's configuration, as cfn-lint's
    W1011 warns for a ``Ref`` to a parameter in a password property, and AWS's ``NoEcho``
    documentation recommends dynamic references instead
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html).
    Pass the secret's ARN or name (``DB_PASSWORD_ARN``) and read it at run time, or check the value
    you will deploy with ``govhook check --param NAME=VALUE``.

    A ``NoEcho`` parameter's ``Default`` read by a variable is ``lambda.env-no-noecho-defaults``'s
    finding (it needs the template, which a RESOURCE invocation does not have): enable both.
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
            key = str(name)[:_NAME_LIMIT]
            if name in params["allowed_names"] or value is None:
                continue
            path = json_pointer("Environment", "Variables", str(name))
            secret_name = (_SECRET_NAME.search(key) is not None or any(rx.search(key) for rx in extra)) \
                and _INDIRECT_NAME.search(key) is None and _KNOWN_SETTINGS.match(key) is None
            if is_unresolved(value):
                if secret_name and _framework_variable(value):
                    yield Violation(
                        f"environment variable {name} is set from {value.expr}, which the Serverless Framework "
                        "resolves when it packages and writes into the template as plaintext",
                        path, "Pass the secret's name or ARN instead and read it at run time (Secrets Manager, "
                              "SSM SecureString, or the Parameters and Secrets extension).")
                elif secret_name and isinstance(value, Unresolved) and _from_parameters(value):
                    yield _parameter_violation(str(name), value, path)
                elif secret_name and isinstance(value, Unresolved) and (export := _imported(value.expr)):
                    yield Violation(
                        f"environment variable {name} looks like a credential and is set from the export {export} of "
                        "another stack: CloudFormation resolves it before the function is created and writes the "
                        "value into its configuration in plaintext (and an export is readable by anyone allowed "
                        "cloudformation:ListExports)", path,
                        "Export the secret's ARN instead (an export named like ...Arn), or pass its name in a variable "
                        "named like ..._NAME, and read the secret at run time; or reference it with "
                        "{{resolve:secretsmanager:...}}.")
                continue
            text = str(value)
            if not text.strip():
                continue
            shape = value_shape(text)
            if shape:
                yield Violation(f"environment variable {name} holds what looks like {shape} (value not shown)", path,
                                "Store it in Secrets Manager and pass {{resolve:secretsmanager:...}} or the secret's ARN.")
            elif secret_name and not is_indirection(text):
                yield Violation(f"environment variable {name} looks like a credential and has a literal value (value not shown)", path,
                                "Store it in Secrets Manager or SSM SecureString and reference it, or list the name in allowed_names.")
