"""lambda.env-no-noecho-defaults: a NoEcho parameter's Default never reaches an environment variable.

The template half of ``lambda.env-no-plaintext-secrets`` (issue 12 item 1: "``NoEcho`` parameters
with a default" are plaintext secrets). A ``NoEcho`` parameter masks its value in DescribeStacks,
DescribeStackEvents and DescribeChangeSet, but its ``Default`` is part of the template: stored in
plaintext wherever the template is (GetTemplate, the template bucket, the repository), and an
environment variable set from it is readable by anyone with ``lambda:GetFunctionConfiguration``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html,
NoEcho).

Why a stack rule: the fact is in the template, not in the resolved properties. A RESOURCE hook
receives the function's properties with parameters already resolved (the Ref is gone), and AWS does
not document whether a NoEcho value arrives there in plaintext or masked, so a resource rule
cannot tell a NoEcho default from any other literal, and the CLI (which sees the Ref) and the hook
would disagree. The template is what the CLI, the STACK hook and the CHANGE_SET hook all see: the
rule runs there, and the finding is placed on the function and variable that use the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import NotApplicable, Params, Severity, StackContext, StackRule, Violation, json_pointer

#: A Default that points at the secret instead of holding it: an ARN (of a secret, a parameter),
#: an SSM parameter name, or a dynamic reference.
_POINTER = re.compile(r"arn:aws[a-z-]{0,20}:\S+|/[A-Za-z0-9_.\-]{1,1024}(?:/[A-Za-z0-9_.\-]{1,1024}){0,14}|\{\{resolve:[^{}]+\}\}")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)\}")  # ${Name}; ${!Literal} and ${Res.Attr} are not parameters
#: Intrinsics whose arguments choose a value rather than become part of it (a map key, a condition).
_SELECTORS = frozenset({"Fn::FindInMap", "Fn::Equals", "Condition"})


def parameter_refs(value: Any, shadowed: frozenset[str] = frozenset()) -> set[str]:
    """Names that ``Ref`` or ``${Name}`` (in ``Fn::Sub``) reads, anywhere inside ``value``, as they
    become part of it. Names a ``Fn::Sub`` variable map defines are that map's, not parameters."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= parameter_refs(item, shadowed)
        return found
    if not isinstance(value, Mapping):
        return found
    for key, arg in value.items():
        if key in _SELECTORS:
            continue
        if key == "Ref" and isinstance(arg, str):
            if arg not in shadowed:
                found.add(arg)
        elif key == "Fn::Sub":
            text, variables = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) and arg else (arg, {})
            local = frozenset(variables) if isinstance(variables, Mapping) else frozenset()
            if isinstance(text, str):
                found |= {n for n in _SUB_NAME.findall(text) if n not in local | shadowed}
            found |= parameter_refs(variables, shadowed)
        else:
            found |= parameter_refs(arg, shadowed)
    return found


def _no_echo(spec: Mapping[str, Any]) -> bool:
    flag = spec.get("NoEcho")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def secret_defaults(ctx: StackContext) -> dict[str, str]:
    """NoEcho parameters whose Default the template stores: name -> why it counts. A Default that
    is empty, points at the secret (an ARN, an SSM parameter name, a dynamic reference), or is the
    name of an SSM parameter (``AWS::SSM::Parameter::Value<...>`` types resolve it at deploy time)
    holds no secret; any other Default is secret, since the author marked it NoEcho."""
    found: dict[str, str] = {}
    for name, spec in ctx.parameters.items():
        if not isinstance(spec, Mapping) or not _no_echo(spec) or "Default" not in spec:
            continue
        default = spec["Default"]
        kind = str(spec.get("Type", "String"))
        if default is None or isinstance(default, (Mapping, list)) or kind.startswith("AWS::SSM::Parameter"):
            continue
        text = str(default)
        if not text.strip() or _POINTER.fullmatch(text.strip()):
            continue
        found[str(name)] = kind
    return found


class EnvNoNoechoDefaults(StackRule):
    """No environment variable is set from a ``NoEcho`` parameter that has a ``Default``; the value
    is never printed.

    The template half of ``lambda.env-no-plaintext-secrets``: enable both (the default and strict
    policies do). ``Ref: Param``, ``!Sub '${Param}'`` (also inside a longer string, a ``Fn::Join``, an
    ``Fn::If`` branch or a ``Fn::Sub`` variable map) all count; the variable's name does not matter,
    since the parameter says the value is secret. SAM functions and ``Globals.Function`` count too.

    - PASS when no function's environment variable reads a NoEcho parameter with a Default: a
      NoEcho parameter supplied at deploy time (no Default) is not in the template, and a Default
      of a parameter that is not NoEcho is an ordinary setting (``lambda.env-no-plaintext-secrets``
      judges its value).
    - FAIL for each variable that reads one; the message names the function, the variable and the
      parameter, never the value.
    - SKIP when a function's Environment.Variables is not a map written in the template (an
      ``Fn::If`` between whole maps is followed; anything else cannot be read).

    Where it runs: the CLI, STACK and CHANGE_SET invocations, which see the template. A RESOURCE
    invocation sees resolved values, not the Ref, so it cannot know (see the module docstring).
    """

    id = "lambda.env-no-noecho-defaults"
    title = "NoEcho parameter defaults stay out of environment variables"
    default_severity = Severity.CRITICAL
    resource_types = ("AWS::Lambda::Function", "AWS::Serverless::Function")
    remediation_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html"
    params_schema = {
        "type": "object",
        "properties": {
            "allowed_parameters": {
                "type": "array", "items": {"type": "string"}, "default": [],
                "description": "NoEcho parameters whose Default is known not to be secret (a placeholder).",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("W1011 (dynamic references over parameters for secrets)",)}
    rationale = ("A NoEcho parameter's Default is stored in plaintext in the template, and an environment variable "
                 "set from it is readable by anyone with lambda:GetFunctionConfiguration.")

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        secrets = {k: v for k, v in secret_defaults(ctx).items() if k not in params["allowed_parameters"]}
        if not secrets:
            return
        unreadable: list[str] = []
        sources: list[tuple[str | None, tuple[str, ...], Any]] = [
            (fid, ("Resources", fid, "Properties"), ctx.properties_of(fid).get("Environment"))
            for fid, _ in ctx.resources_of_type(*self.resource_types)
        ]
        glob = ctx.globals.get("Function")
        if ctx.is_sam and isinstance(glob, Mapping) and "Environment" in glob:
            sources.append((None, ("Globals", "Function"), glob.get("Environment")))
        for owner, base, environment in sources:
            for where, variables in _variable_maps(environment):
                if not isinstance(variables, Mapping) or _intrinsic(variables):
                    unreadable.append(owner or "Globals.Function")
                    continue
                for name, value in variables.items():
                    used = sorted(parameter_refs(value) & set(secrets))
                    for param in used:
                        who = f"function {owner}" if owner else "every SAM function (Globals.Function)"
                        yield Violation(
                            f"environment variable {name} of {who} is set from NoEcho parameter {param}, whose "
                            f"Default is stored in plaintext in the template (value not shown); a NoEcho "
                            f"parameter's Default must not reach an environment variable, where "
                            f"lambda:GetFunctionConfiguration shows it",
                            json_pointer(*base, "Environment", *where, str(name)),
                            f"Remove {param}'s Default and supply the value at deploy time, or better keep the "
                            "secret in Secrets Manager and pass its ARN or name (read at run time, e.g. with the "
                            "Parameters and Secrets extension); list it in allowed_parameters if the Default is a "
                            "placeholder.",
                            owner,
                        )
        if unreadable:
            raise NotApplicable(f"Environment.Variables of {', '.join(sorted(set(unreadable)))} is not a map "
                                "written in the template")


def _intrinsic(value: Mapping[str, Any]) -> bool:
    """``{Ref: ...}`` or ``{Fn::...: ...}``: a function CloudFormation evaluates, not a map of names."""
    return len(value) == 1 and any(k == "Ref" or str(k).startswith("Fn::") for k in value)


def _variable_maps(environment: Any) -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(pointer parts from Environment to a Variables map, the map)`` for each Variables map an
    Environment may have: its own, or each branch of an ``Fn::If`` around the whole Environment or
    around Variables. A value that is none of these is yielded as it is (the caller cannot read it)."""
    no_value = {"Ref": "AWS::NoValue"}
    if environment is None or environment == no_value:
        return
    if isinstance(environment, Mapping) and set(environment) == {"Fn::If"}:
        args = environment["Fn::If"]
        if isinstance(args, list) and len(args) == 3:
            for i in (1, 2):
                for parts, variables in _variable_maps(args[i]):
                    yield ("Fn::If", str(i), *parts), variables
            return
    if not isinstance(environment, Mapping) or _intrinsic(environment):
        yield ("Variables",), environment
        return
    variables = environment.get("Variables")
    if variables is None or variables == no_value:
        return
    if isinstance(variables, Mapping) and set(variables) == {"Fn::If"}:
        args = variables["Fn::If"]
        if isinstance(args, list) and len(args) == 3:
            for i in (1, 2):
                if args[i] is not None and args[i] != no_value:
                    yield ("Variables", "Fn::If", str(i)), args[i]
            return
    yield ("Variables",), variables
