"""Template file -> the targets CloudFormation's hooks would see.

One resource target per resource CloudFormation would create, with parameters, pseudo parameters,
conditions and the intrinsics that can be known before deployment resolved (SAM expanded first,
as CloudFormation does before resource hooks run), plus one stack target with the raw template.
What cannot be known becomes an :class:`hook.sdk.Unresolved` marker, so rules SKIP, never guess.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Mapping
from typing import Any

from hook.core._record import Record
from hook.core.errors import TemplateError
from hook.core.model import ResourceTarget, StackTarget, Target
from hook.inputs.locations import Locator
from hook.inputs.yamlcfn import load_template_nodes, read_source
from hook.sdk import Action, Unresolved, json_pointer

__all__ = ["TemplateResult", "load_targets", "targets_from_template", "Resolver"]

_NO_VALUE = object()
#: Values that resolve to themselves (no intrinsic in them): a template's scalars.
_SCALARS = frozenset((str, int, float, bool, type(None)))
_AFTER = "known after deployment"


class TemplateResult(Record):
    _fields = ("file", "template", "targets", "notes")

    def __init__(
        self, file: str, template: dict[str, Any], targets: list[Target] | None = None, notes: list[str] | None = None
    ) -> None:
        self.file = file
        self.template = template
        self.targets: list[Target] = [] if targets is None else targets
        self.notes: list[str] = [] if notes is None else notes


def _partition(region: str) -> tuple[str, str]:
    if region.startswith("cn-"):
        return "aws-cn", "amazonaws.com.cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov", "amazonaws.com"
    return "aws", "amazonaws.com"


class Resolver:
    """Resolves the intrinsics of one template the way CloudFormation does before hooks run."""

    def __init__(
        self,
        template: Mapping[str, Any],
        *,
        stack_name: str,
        parameters: Mapping[str, str] | None,
        account_id: str,
        region: str,
    ) -> None:
        self.template = template
        partition, suffix = _partition(region)
        self.pseudo: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": account_id,
            "AWS::StackName": stack_name,
            "AWS::Partition": partition,
            "AWS::URLSuffix": suffix,
        }
        self.params: dict[str, Any] = {}
        declared = template.get("Parameters") or {}
        overrides = dict(parameters or {})
        for name, spec in declared.items() if isinstance(declared, Mapping) else []:
            spec = spec if isinstance(spec, Mapping) else {}
            ptype = str(spec.get("Type", "String"))
            ssm = ptype.startswith("AWS::SSM::Parameter::Value")
            given = overrides.pop(name, None)
            # For an SSM type, CloudFormation's parameter value (its Default, or what
            # `--parameter-overrides` passes: a name starting with /) names the SSM parameter read
            # at deploy time, not the value the template sees.
            if given is not None and not (ssm and isinstance(given, str) and given.startswith("/")):
                value: Any = given
            elif "Default" in spec and not ssm:
                value = spec["Default"]
            else:
                why = (f"is read from SSM parameter {given} at deploy time" if given is not None
                       else "has an SSM parameter resolved at deploy time" if ptype.startswith("AWS::SSM")
                       else "has no default")
                self.params[name] = Unresolved({"Ref": name}, f"parameter {name} {why}; pass --param {name}=...",
                                               parameters=(name,))
                continue
            if ptype.startswith("List<") or ptype == "CommaDelimitedList":
                value = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
            elif ptype == "Number" and isinstance(value, int | float):
                value = str(value)
            self.params[name] = value
        self.unknown_overrides = sorted(overrides)
        self.resources = template.get("Resources") or {}
        self.mappings = template.get("Mappings") or {}
        conditions = template.get("Conditions")
        self.conditions_raw = conditions if isinstance(conditions, Mapping) else {}
        self._conditions: dict[str, bool | None] = {}

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, name: str, _seen: frozenset[str] = frozenset()) -> bool | None:
        """True/False, or None when it depends on something unknown."""
        if name in self._conditions:
            return self._conditions[name]
        if name in _seen or name not in self.conditions_raw:
            return None
        result = self._truth(self.conditions_raw[name], _seen | {name})
        self._conditions[name] = result
        return result

    def _truth(self, expr: Any, seen: frozenset[str]) -> bool | None:
        if isinstance(expr, bool):
            return expr
        if isinstance(expr, str) and expr.lower() in ("true", "false"):
            return expr.lower() == "true"
        if not (isinstance(expr, Mapping) and len(expr) == 1):
            return None
        key, arg = next(iter(expr.items()))
        if key == "Condition" and isinstance(arg, str):
            return self.condition(arg, seen)
        if key == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = self.resolve(arg[0]), self.resolve(arg[1])
            if isinstance(a, Unresolved) or isinstance(b, Unresolved):
                return None
            return _text(a) == _text(b) if not isinstance(a, list | dict) else a == b  # YAML true is "true"
        if key in ("Fn::And", "Fn::Or") and isinstance(arg, list):
            values = [self._truth(a, seen) for a in arg]
            if key == "Fn::And":
                return False if False in values else (None if None in values else True)
            return True if True in values else (None if None in values else False)
        if key == "Fn::Not" and isinstance(arg, list) and len(arg) == 1:
            inner = self._truth(arg[0], seen)
            return None if inner is None else not inner
        return None

    # -- values ---------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            out = []
            for item in value:
                r = item if type(item) in _SCALARS else self.resolve(item)
                if r is not _NO_VALUE:
                    out.append(r)
            return out
        if isinstance(value, dict):
            if len(value) == 1:
                key = next(iter(value))
                if isinstance(key, str) and (key == "Ref" or key.startswith("Fn::")):
                    return self._intrinsic(key, value[key], value)
            out_map: dict[str, Any] = {}
            for k, v in value.items():
                r = v if type(v) in _SCALARS else self.resolve(v)
                if r is not _NO_VALUE:
                    out_map[k] = r
            return out_map
        return value

    def _intrinsic(self, key: str, arg: Any, expr: Any) -> Any:
        if key == "Ref":
            if not isinstance(arg, str):
                return Unresolved(expr, "malformed Ref")
            if arg == "AWS::NoValue":
                return _NO_VALUE
            if arg in self.pseudo:
                return self.pseudo[arg]
            if arg in self.params:
                return self.params[arg]
            if arg in self.resources:  # unknown, but what it is a reference to is known
                res = self.resources.get(arg)
                rtype = res.get("Type") if isinstance(res, Mapping) else None
                return Unresolved(expr, _AFTER, resource_type=rtype if isinstance(rtype, str) else None)
            return Unresolved(expr, f"{arg} is not a parameter or resource")
        if key == "Fn::If":
            if not (isinstance(arg, list) and len(arg) == 3):
                return Unresolved(expr, "malformed Fn::If")
            truth = self.condition(arg[0]) if isinstance(arg[0], str) else None
            if truth is None:  # either branch may be deployed: what flows into the value is both's
                return Unresolved(expr, f"condition {arg[0]} is not known before deployment",
                                  parameters=_parameters_in([self.resolve(arg[1]), self.resolve(arg[2])]))
            return self.resolve(arg[1] if truth else arg[2])
        if key == "Fn::GetAtt":  # the value is unknown, the type of the resource it belongs to is not
            target = arg[0] if isinstance(arg, list) and arg else arg.split(".", 1)[0] if isinstance(arg, str) else None
            res = self.resources.get(target) if isinstance(target, str) and isinstance(self.resources, Mapping) else None
            rtype = res.get("Type") if isinstance(res, Mapping) else None
            return Unresolved(expr, _AFTER, resource_type=rtype if isinstance(rtype, str) else None)
        if key in ("Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr", "Fn::Transform", "Fn::ForEach"):
            return Unresolved(expr, _AFTER)
        if key == "Fn::Sub":
            return self._sub(arg, expr)
        args = self.resolve(arg)
        if _has_unresolved(args):
            return Unresolved(expr, "depends on a value known after deployment", parameters=_flowing(key, args))
        try:
            if key == "Fn::Join":
                sep, items = args
                return str(sep).join(_text(i) for i in items)
            if key == "Fn::Select":
                index, items = args
                return items[int(index)]
            if key == "Fn::Split":
                sep, text = args
                return str(text).split(str(sep))
            if key == "Fn::FindInMap":
                name, top, second = args[0], args[1], args[2]
                try:
                    return self.mappings[name][top][second]
                except (KeyError, TypeError):
                    if len(args) == 4 and isinstance(args[3], Mapping) and "DefaultValue" in args[3]:
                        return args[3]["DefaultValue"]
                    return Unresolved(expr, f"no mapping entry {name}/{top}/{second}")
            if key == "Fn::Base64":
                return base64.b64encode(_text(args).encode()).decode()
            if key == "Fn::Length":
                return len(args)
            if key == "Fn::ToJsonString":
                import json

                return json.dumps(args, separators=(",", ":"))
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            return Unresolved(expr, f"malformed {key}: {exc}")
        if key in ("Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not"):
            truth = self._truth(expr, frozenset())
            return "true" if truth else "false" if truth is not None else Unresolved(expr, "condition unknown")
        return Unresolved(expr, f"{key} is not supported")

    def _sub(self, arg: Any, expr: Any) -> Any:
        if isinstance(arg, str):
            text, local = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping):
            text, local = arg[0], {k: self.resolve(v) for k, v in arg[1].items()}
        else:
            return Unresolved(expr, "malformed Fn::Sub")
        unresolved = False

        def repl(m: re.Match[str]) -> str:
            nonlocal unresolved
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in local:
                value = local[name]
            elif name in self.pseudo:
                value = self.pseudo[name]
            elif name in self.params:
                value = self.params[name]
            else:
                value = Unresolved(name, _AFTER)
            if _has_unresolved(value):
                unresolved = True
                unknown.append(value)
                return ""
            return _text(value)

        unknown: list[Any] = []
        result = re.sub(r"\$\{([^}]+)\}", repl, text)
        if unresolved:
            return Unresolved(expr, "refers to a value known after deployment", parameters=_parameters_in(unknown))
        return result


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _parameters_in(value: Any) -> tuple[str, ...]:
    """The unknown template parameters (``Unresolved.parameters``) of the markers in ``value``, in
    the order met, each once."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, Unresolved):
            found.extend(p for p in v.parameters if p not in found)
        elif isinstance(v, list):
            for item in v:
                walk(item)
        elif isinstance(v, dict):
            for item in v.values():
                walk(item)

    walk(value)
    return tuple(found)


def _flowing(key: str, args: Any) -> tuple[str, ...]:
    """The unknown parameters whose value flows into the result of ``key`` applied to ``args``
    (resolved): a ``Fn::Join`` holds all of its items, ``Fn::Select`` one item of its list,
    ``Fn::Split`` its text; a ``Fn::FindInMap`` key, a ``Fn::Select`` index and a condition only
    choose among values written in the template, and ``Fn::Length`` is a count."""
    if key in ("Fn::Join", "Fn::Base64", "Fn::ToJsonString"):
        return _parameters_in(args)
    if key in ("Fn::Select", "Fn::Split") and isinstance(args, list) and len(args) == 2:
        return _parameters_in(args[1])
    return ()


def _has_unresolved(value: Any) -> bool:
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, list):
        return any(_has_unresolved(v) for v in value)
    if isinstance(value, dict):
        return any(_has_unresolved(v) for v in value.values())
    return False


def _cdk_path(resource: Mapping[str, Any]) -> str | None:
    """The CDK construct path CDK writes into a resource's Metadata (``aws:cdk:path``)."""
    meta = resource.get("Metadata")
    path = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
    return path if isinstance(path, str) and path else None


def _is_sam(template: Mapping[str, Any]) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)


def _as_written(template: Mapping[str, Any], logical_id: str) -> tuple[str | None, dict[str, str] | None]:
    """For a resource SAM expanded in place (the function itself): its type as written, and the
    properties whose value comes from ``Globals`` (``/Runtime`` -> ``/Globals/Function/Runtime``)."""
    resources = template.get("Resources")
    res = resources.get(logical_id) if isinstance(resources, Mapping) else None
    rtype = res.get("Type") if isinstance(res, Mapping) else None
    if not (isinstance(rtype, str) and rtype.startswith("AWS::Serverless::")):
        return None, None
    section = rtype.rsplit("::", 1)[1]
    glob = template.get("Globals")
    defaults = glob.get(section) if isinstance(glob, Mapping) else None
    props = res.get("Properties") if isinstance(res, Mapping) else None
    own = props if isinstance(props, Mapping) else {}
    elsewhere = {json_pointer(str(key)): json_pointer("Globals", section, str(key))
                 for key in (defaults if isinstance(defaults, Mapping) else {}) if key not in own and "/" not in str(key)}
    return rtype, elsewhere or None


def _refuse_sam_without_transform(template: Mapping[str, Any], file: str | None) -> None:
    """SAM resources or ``Globals`` without ``Transform: AWS::Serverless-2016-10-31``: CloudFormation
    rejects the template (unrecognized resource types), so it is bad input, never a pass."""
    resources = template.get("Resources")
    sam = [(lid, str(res.get("Type"))) for lid, res in resources.items()
           if isinstance(res, Mapping) and str(res.get("Type", "")).startswith("AWS::Serverless::")] \
        if isinstance(resources, Mapping) else []
    fix = "add 'Transform: AWS::Serverless-2016-10-31' at the top level"
    if sam:
        lid, rtype = sam[0]
        more = f" (and {len(sam) - 1} more)" if len(sam) > 1 else ""
        raise TemplateError(f"resource {lid}{more} is {rtype} without the SAM Transform: CloudFormation rejects "
                            f"the template; {fix}", file, pointer=json_pointer("Resources", str(lid)))
    if "Globals" in template:
        raise TemplateError(f"Globals without the SAM Transform: CloudFormation rejects the template; {fix}",
                            file, pointer="/Globals")


def targets_from_template(
    template: Mapping[str, Any],
    *,
    file: str | None = None,
    stack_name: str | None = None,
    parameters: Mapping[str, str] | None = None,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    construct_paths: Mapping[str, str] | None = None,
) -> tuple[list[Target], list[str]]:
    """Resource targets (resolved, SAM expanded) plus one stack target with the raw template."""
    name = stack_name or "stack"
    notes: list[str] = []
    expanded: Mapping[str, Any] = template
    origin: dict[str, str] = {}
    looped: dict[str, str] = {}  # a resource unrolled from Fn::ForEach -> JSON pointer of its loop body
    from hook.cli.adapters.guards import check_conditions, check_resource_count
    from hook.cli.adapters.language_extensions import expand_foreach, uses_foreach

    check_resource_count(template.get("Resources"), file)
    if uses_foreach(template):  # AWS::LanguageExtensions runs first, as in CloudFormation
        expanded, looped = expand_foreach(template, parameters or {}, file=file)
        check_resource_count(expanded.get("Resources"), file, "Fn::ForEach expands the template to")
    check_conditions(expanded, file)
    if not _is_sam(expanded):
        _refuse_sam_without_transform(expanded, file)
    sam_expanded = _is_sam(expanded)
    if sam_expanded:
        from hook.cli.adapters.sam import expand

        expanded, origin = expand(expanded, parameters or {}, region=region, account_id=account_id, file=file)
    resolver = Resolver(expanded, stack_name=name, parameters=parameters, account_id=account_id, region=region)
    for unknown in resolver.unknown_overrides:
        notes.append(f"--param {unknown} does not match a template parameter")
    resources = expanded.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        raise TemplateError("the template has no Resources", file, pointer="/Resources")
    targets: list[Target] = []
    for logical_id, resource in resources.items():
        if logical_id == "Fn::Transform":  # AWS::Include of a snippet in S3: resources the CLI cannot see
            transform = resource.get("Name") if isinstance(resource, Mapping) else None
            notes.append(f"resources added by Fn::Transform ({_text(transform)}) are not known offline and were not checked")
            continue
        if not isinstance(resource, Mapping) or not isinstance(resource.get("Type"), str):
            raise TemplateError(f"resource {logical_id} has no Type", file,
                                pointer=json_pointer("Resources", str(logical_id)))
        cond = resource.get("Condition")
        if isinstance(cond, str) and resolver.condition(cond) is False:
            continue
        props = resource.get("Properties") or {}
        resolved = resolver.resolve(props) if isinstance(props, Mapping) else {}
        if isinstance(resolved, Unresolved) and isinstance(resolved.expr, dict):
            resolved = dict(resolved.expr)  # Properties: !If [Unknown, ...]: every read SKIPs, none is a default
        if not isinstance(resolved, dict):
            resolved = {}
        source = str(origin.get(logical_id, logical_id))
        pointer = (looped.get(source) or json_pointer("Resources", source)) + "/Properties"
        source_type, elsewhere = _as_written(template, logical_id) if source == logical_id and sam_expanded else (None, None)
        targets.append(
            ResourceTarget(
                resource_type=resource["Type"],
                logical_id=logical_id,
                action=Action.CREATE,
                properties=resolved,
                stack_name=name,
                account_id=account_id,
                region=region,
                file=file,
                source_pointer=pointer,
                source_type=source_type if source_type != resource["Type"] else None,
                source_pointers=elsewhere,
                construct_path=_cdk_path(resource) or (construct_paths or {}).get(logical_id),
            )
        )
    targets.append(StackTarget(template=template, stack_name=name, account_id=account_id, region=region, file=file))
    return targets, notes


def load_targets(
    path: str,
    *,
    stack_name: str | None = None,
    parameters: Mapping[str, str] | None = None,
    account_id: str = "123456789012",
    region: str = "us-east-1",
    locator: Locator | None = None,
) -> TemplateResult:
    text = read_source(path)
    template, node = load_template_nodes(text, path)
    if locator is not None:
        locator.add(path, text, node)
    name = stack_name or re.sub(r"[^A-Za-z0-9-]", "-", os.path.splitext(os.path.basename(path))[0])
    targets, notes = targets_from_template(
        template, file=path, stack_name=name, parameters=parameters, account_id=account_id, region=region
    )
    return TemplateResult(path, template, targets, notes)
