"""lambda.role-least-privilege: function roles grant no admin rights and are not shared."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    json_pointer,
)

_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _wildcard_statements(document: Any, base: str, service_wildcards: bool) -> Iterator[tuple[str, str]]:
    """``(pointer, description)`` for each Allow statement granting ``*`` on ``*``."""
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    for i, st in enumerate(items):
        if not isinstance(st, Mapping) or st.get("Effect", "Allow") != "Allow":
            continue
        actions = [a for a in _as_list(st.get("Action")) if isinstance(a, str)]
        resources = [r for r in _as_list(st.get("Resource")) if isinstance(r, str)]
        if "*" not in resources:
            continue
        pointer = f"{base}/Statement" + (f"/{i}" if isinstance(statements, list) else "")
        full = [a for a in actions if a in ("*", "*:*")]
        if full:
            yield pointer, "Action '*' on Resource '*' (administrator access)"
        elif "NotAction" in st and "Action" not in st:
            # Allow + NotAction on '*' grants every action but the listed ones: PowerUserAccess is
            # exactly {NotAction: [iam:*, organizations:*, account:*], Resource: '*'}.
            excluded = ", ".join(repr(a) for a in _as_list(st.get("NotAction")) if isinstance(a, str)) or "(unknown)"
            yield pointer, f"every action except {excluded} on Resource '*' (NotAction)"
        elif service_wildcards:
            svc = [a for a in actions if a.endswith(":*")]
            if svc:
                yield pointer, f"Action {', '.join(repr(a) for a in svc)} on Resource '*'"


def _admin_managed(arns: Any) -> list[str]:
    found = []
    for arn in _as_list(arns):
        text = arn if isinstance(arn, str) else ""
        if isinstance(arn, Mapping) and isinstance(arn.get("Fn::Sub"), str):
            text = arn["Fn::Sub"]
        tail = text.rsplit("/", 1)[-1]
        if tail in _ADMIN_POLICIES and (":iam::aws:policy/" in text or text == tail):
            found.append(tail)
    return found


#: The execution role the Serverless Framework generates for every function of a service.
_SERVERLESS_DEFAULT_ROLE = "IamRoleLambdaExecution"


class RoleLeastPrivilege(StackRule):
    """A function's execution role in the template grants no administrator rights.

    - PASS when no policy on a function's role (inline ``Policies``, ``AWS::IAM::Policy``,
      ``AWS::IAM::RolePolicy`` or ``AWS::IAM::ManagedPolicy`` attached to it, SAM ``Policies``)
      allows ``*`` on ``*`` (or ``service:*`` on ``*`` with ``forbid_service_wildcards``, or every action
      but a few with ``NotAction`` on ``*``) or attaches
      AdministratorAccess, PowerUserAccess or IAMFullAccess, and no two functions share one role
      (unless ``allow_shared_roles``).
    - FAIL for each such statement or attachment, and for each function sharing a role.
    - SKIP when no function's role is defined in the template (an external role is not visible).
    """

    id = "lambda.role-least-privilege"
    title = "Execution roles are least privilege"
    default_severity = Severity.HIGH
    resource_types = FUNCTION_TYPES
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
    params_schema = {
        "type": "object",
        "properties": {
            "forbid_service_wildcards": {
                "type": "boolean",
                "default": False,
                "description": "Also fail 's3:*'-style actions on Resource '*'.",
            },
            "allow_shared_roles": {"type": "boolean", "default": False},
        },
        "additionalProperties": False,
    }
    equivalents = {
        "aws-config": ("lambda-function-settings-check (role)",),
        "serverless-rules": ("WS1003",),
        "cdk-nag": ("LambdaStarPermissions", "LambdaSharedRole"),
        "cfn-nag": ("W58 (logs only)",),
    }
    rationale = (
        "A function's role is what an attacker gets with one code-injection bug; a role shared by "
        "several functions gives each of them the union of their needs."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        roles = dict(ctx.resources_of_type("AWS::IAM::Role"))
        by_role: dict[str, list[str]] = {}
        judged = 0
        wild = bool(params["forbid_service_wildcards"])
        for fid, res in ctx.resources_of_type(*FUNCTION_TYPES):
            role_value = ctx.function_property(fid, "Role")
            if role_value is None and res.get("Type") == "AWS::Serverless::Function":
                judged += 1  # SAM builds the role from Policies
                policies = ctx.function_property(fid, "Policies")
                base = json_pointer("Resources", fid, "Properties", "Policies")
                for i, item in enumerate(_as_list(policies)):
                    # A SAM Policies entry names a managed policy by name or by ARN.
                    for name in _admin_managed([item]) if isinstance(item, str) else []:
                        yield Violation(
                            f"function {fid} attaches the managed policy {name}",
                            path=f"{base}/{i}" if isinstance(policies, list) else base,
                            remediation="Grant only the actions the function calls, on its own resources.",
                            logical_id=fid,
                        )
                    for pointer, what in _wildcard_statements(item, f"{base}/{i}" if isinstance(policies, list) else base, wild):
                        yield Violation(
                            f"function {fid}'s SAM Policies allow {what}",
                            path=pointer,
                            remediation="Replace the statement with the specific actions and resource ARNs the function needs.",
                            logical_id=fid,
                        )
                continue
            role_id = ctx.referenced_id(role_value)
            if role_id is None or role_id not in roles:
                continue
            judged += 1
            by_role.setdefault(role_id, []).append(fid)
        for role_id, functions in by_role.items():
            yield from self._role(ctx, role_id, functions, wild)
            if len(functions) > 1 and not params["allow_shared_roles"]:
                framework = role_id == _SERVERLESS_DEFAULT_ROLE
                for fid in functions[1:]:
                    yield Violation(
                        f"function {fid} shares role {role_id} with {functions[0]}: each gets the other's permissions"
                        + (" (IamRoleLambdaExecution is the Serverless Framework's default role, shared by every "
                           "function of the service)" if framework else ""),
                        path=json_pointer("Resources", fid, "Properties", "Role"),
                        remediation=("Give each function its own role: the serverless-iam-roles-per-function plugin "
                                     "(iamRoleStatements under each function), or a role per function in resources "
                                     "referenced by functions.<name>.role; provider.iam.role statements apply to every "
                                     "function, so scope them to what all of them need, or set allow_shared_roles.")
                        if framework else "Give each function its own role with only what it needs.",
                        logical_id=fid,
                    )
        if judged == 0:
            raise NotApplicable("no function's execution role is defined in this template")

    def _role(self, ctx: StackContext, role_id: str, functions: list[str], wild: bool) -> Iterator[Violation]:
        props = ctx.properties_of(role_id)
        who = ", ".join(functions)
        fix = "Grant only the actions the function calls, on its own resources."
        for name in _admin_managed(props.get("ManagedPolicyArns")):
            yield Violation(
                f"role {role_id} (used by {who}) attaches {name}",
                path=json_pointer("Resources", role_id, "Properties", "ManagedPolicyArns"),
                remediation=fix,
                logical_id=functions[0],
            )
        for i, pol in enumerate(_as_list(props.get("Policies"))):
            if not isinstance(pol, Mapping):
                continue
            base = json_pointer("Resources", role_id, "Properties", "Policies", i, "PolicyDocument")
            for pointer, what in _wildcard_statements(pol.get("PolicyDocument"), base, wild):
                yield Violation(f"role {role_id} (used by {who}) allows {what}", pointer, fix, functions[0])
        for pid, pres in ctx.resources_of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            pprops = ctx.properties_of(pid)
            targets = _as_list(pprops.get("Roles")) + _as_list(pprops.get("RoleName"))
            if not any(ctx.referenced_id(t) == role_id for t in targets):
                continue
            base = json_pointer("Resources", pid, "Properties", "PolicyDocument")
            for pointer, what in _wildcard_statements(pprops.get("PolicyDocument"), base, wild):
                yield Violation(
                    f"{pres.get('Type')} {pid} on role {role_id} (used by {who}) allows {what}",
                    pointer,
                    fix,
                    functions[0],
                )
