"""A CDK cloud assembly (``cdk.out/``) -> the stacks CloudFormation will be asked to deploy.

``manifest.json`` lists the artifacts. Each ``aws:cloudformation:stack`` artifact is one stack:
its ``templateFile``, its ``stackName`` (else the artifact id; this is the name the hook sees, so
policy scopes and exemptions match it), its ``environment`` (``aws://ACCOUNT/REGION``; concrete
values are used, ``unknown-account``/``unknown-region`` fall back to the defaults) and its
``parameters``. ``cdk:cloud-assembly`` artifacts (Stages) are nested assemblies in their own
directory. ``AWS::CloudFormation::Stack`` resources whose template is a file of the assembly
(``Metadata["aws:asset:path"]``, or the asset manifest's file whose object key the ``TemplateURL``
names) are nested stacks, checked as their own stack ``<parent>-<LogicalId>`` (CloudFormation
adds a random suffix the CLI cannot know).

Construct paths come from each resource's ``Metadata["aws:cdk:path"]`` (written by ``cdk synth``),
else from the artifact's metadata (``aws:cdk:logicalId`` entries). ``aws:cdk:acknowledged-rules``
entries (``Validations.of(scope).acknowledge(...)``) with a ``govhook::`` id become exemption
requests for the resources at or under that construct path, for the policy to accept or refuse.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from hook.core._record import Record
from hook.core.errors import TemplateError
from hook.core.model import Target
from hook.core.requests import ExemptionRequest, cdk_rule_id

__all__ = ["StackLoad", "assembly_of_template", "is_cloud_assembly", "load_assembly", "load_assembly_template"]

_ENV = re.compile(r"^aws://([^/]*)/(.*)$")
_MAX_DEPTH = 8


class StackLoad(Record):
    """One stack of an assembly, read: its template file, targets, adapter notes and requests."""

    _fields = ("file", "stack_name", "targets", "notes", "requests", "artifact")

    def __init__(self, file: str, stack_name: str, targets: list[Target], notes: list[str],
                 requests: list[ExemptionRequest], artifact: str) -> None:
        self.file = file
        self.stack_name = stack_name
        self.targets = targets
        self.notes = notes
        self.requests = requests
        self.artifact = artifact


def is_cloud_assembly(path: str) -> bool:
    """A directory with a CDK ``manifest.json`` (one with ``artifacts`` or a ``version``)."""
    manifest = os.path.join(path, "manifest.json")
    if not (os.path.isdir(path) and os.path.isfile(manifest)):
        return False
    try:
        with open(manifest, encoding="utf-8") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return '"artifacts"' in head or '"version"' in head


def assembly_of_template(path: str) -> str | None:
    """The assembly directory whose manifest lists this template file, if any."""
    directory = os.path.dirname(os.path.abspath(path))
    if not is_cloud_assembly(directory):
        return None
    manifest = _read_manifest(directory)
    name = os.path.basename(path)
    for artifact in (manifest.get("artifacts") or {}).values():
        if isinstance(artifact, Mapping) and (artifact.get("properties") or {}).get("templateFile") == name:
            return directory
    return None


def _read_manifest(directory: str) -> dict[str, Any]:
    path = os.path.join(directory, "manifest.json")
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read the cloud assembly manifest: {getattr(exc, 'strerror', None) or exc}",
                            path) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"not valid JSON: {exc.msg}", path, exc.lineno, exc.colno) from exc
    if not isinstance(data, dict) or not isinstance(data.get("artifacts", {}), Mapping):
        raise TemplateError("a cloud assembly manifest is an object with 'artifacts'", path, 1, 1)
    return data


def load_assembly(
    directory: str,
    *,
    locator: Any = None,
    region: str | None = None,
    only_template: str | None = None,
    _depth: int = 0,
) -> list[StackLoad]:
    """Every stack of the assembly (and of its nested assemblies), in manifest order; with
    ``only_template`` (a path), just the stack of that template file."""
    manifest = _read_manifest(directory)
    manifest_path = os.path.join(directory, "manifest.json")
    out: list[StackLoad] = []
    for artifact_id, artifact in (manifest.get("artifacts") or {}).items():
        if not isinstance(artifact, Mapping):
            continue
        kind = artifact.get("type")
        raw_props = artifact.get("properties")
        props: Mapping[str, Any] = raw_props if isinstance(raw_props, Mapping) else {}
        if kind == "cdk:cloud-assembly" and only_template is None:
            sub = props.get("directoryName")
            if not isinstance(sub, str) or not sub:
                raise TemplateError(f"artifact {artifact_id} (a nested assembly) has no directoryName", manifest_path)
            if _depth >= _MAX_DEPTH:
                raise TemplateError(f"nested assemblies deeper than {_MAX_DEPTH} levels at {artifact_id}", manifest_path)
            nested = os.path.join(directory, sub)
            if not is_cloud_assembly(nested):
                raise TemplateError(f"artifact {artifact_id}: nested assembly {sub}/manifest.json is missing", manifest_path)
            out.extend(load_assembly(nested, locator=locator, region=region, _depth=_depth + 1))
        elif kind == "aws:cloudformation:stack":
            template_file = props.get("templateFile")
            if not isinstance(template_file, str) or not template_file:
                raise TemplateError(f"stack artifact {artifact_id} has no templateFile", manifest_path)
            path = os.path.join(directory, template_file)
            if only_template is not None and os.path.abspath(path) != os.path.abspath(only_template):
                continue
            out.extend(_load_stack(directory, str(artifact_id), artifact, props, path, locator, region))
    return out


def load_assembly_template(path: str, *, locator: Any = None, region: str | None = None) -> list[StackLoad]:
    """One ``*.template.json`` of an assembly, read with what the manifest says about its stack."""
    directory = assembly_of_template(path)
    if directory is None:
        return []
    return load_assembly(directory, locator=locator, region=region, only_template=path)


def _metadata(directory: str, artifact: Mapping[str, Any]) -> dict[str, list[Any]]:
    meta: dict[str, list[Any]] = {}
    inline = artifact.get("metadata")
    if isinstance(inline, Mapping):
        meta.update({str(k): list(v) for k, v in inline.items() if isinstance(v, list)})
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str) and extra:
        try:
            with open(os.path.join(directory, extra), encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            data = None
        if isinstance(data, Mapping):
            for k, v in data.items():
                if isinstance(v, list):
                    meta.setdefault(str(k), []).extend(v)
    return meta


def _env(artifact: Mapping[str, Any], region: str | None) -> tuple[str, str, list[str]]:
    account, reg = "123456789012", region or "us-east-1"
    notes: list[str] = []
    env = artifact.get("environment")
    match = _ENV.match(env) if isinstance(env, str) else None
    if match:
        if match.group(1) and match.group(1) != "unknown-account":
            account = match.group(1)
        if match.group(2) and match.group(2) != "unknown-region":
            reg = match.group(2)
    return account, reg, notes


def _load_stack(directory: str, artifact_id: str, artifact: Mapping[str, Any], props: Mapping[str, Any],
                path: str, locator: Any, region: str | None) -> list[StackLoad]:
    from hook.cli.adapters.template import targets_from_template
    from hook.inputs.yamlcfn import load_template_nodes, read_source

    stack_name = props.get("stackName") if isinstance(props.get("stackName"), str) else artifact_id
    account, reg, notes = _env(artifact, region)
    raw_params = props.get("parameters")
    parameters = {str(k): str(v) for k, v in raw_params.items()} if isinstance(raw_params, Mapping) else {}
    meta = _metadata(directory, artifact)
    logical_paths: dict[str, str] = {}
    acks: list[tuple[str, str, str]] = []  # (construct path, rule id, reason)
    for cpath, entries in meta.items():
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str):
                logical_paths.setdefault(entry["data"], cpath.lstrip("/"))
            elif entry.get("type") == "aws:cdk:acknowledged-rules" and isinstance(entry.get("data"), Mapping):
                for vid, reason in entry["data"].items():
                    rule = cdk_rule_id(str(vid))
                    if rule is not None:
                        acks.append((cpath.lstrip("/"), rule, str(reason)))
    out: list[StackLoad] = []
    pending: list[tuple[str, str, dict[str, str], str | None]] = [(path, str(stack_name), parameters, None)]
    seen: set[str] = set()
    while pending:
        file, name, params, prefix = pending.pop(0)
        real = os.path.abspath(file)
        if real in seen:
            continue
        seen.add(real)
        text = read_source(file)
        template, node = load_template_nodes(text, file)
        if locator is not None:
            locator.add(file, text, node)
        raw_resources = template.get("Resources")
        resources: Mapping[str, Any] = raw_resources if isinstance(raw_resources, Mapping) else {}
        paths = {lid: cp for lid, cp in logical_paths.items() if lid in resources
                 and (prefix is None or cp.startswith(prefix + "/"))}
        targets, tnotes = targets_from_template(template, file=file, stack_name=name, parameters=params,
                                                account_id=account, region=reg, construct_paths=paths)
        requests = [ExemptionRequest(rule, reason, None, f"CDK acknowledge at {cpath}", name, None, cpath)
                    for cpath, rule, reason in acks]
        out.append(StackLoad(file, name, targets, notes + tnotes, requests, artifact_id))
        for logical_id, resource in resources.items():
            if not isinstance(resource, Mapping) or resource.get("Type") != "AWS::CloudFormation::Stack":
                continue
            nested = _nested_template(directory, artifact, resource)
            if nested is None:
                continue
            nested_params = {str(k): str(v) for k, v in ((resource.get("Properties") or {}).get("Parameters") or {}).items()
                             if isinstance(v, str | int | float)} if isinstance(resource.get("Properties"), Mapping) else {}
            mcp = _resource_path(resource) or paths.get(str(logical_id))
            nprefix = _nested_prefix(mcp)
            pending.append((nested, f"{name}-{logical_id}", nested_params, nprefix))
    return out


def _resource_path(resource: Mapping[str, Any]) -> str | None:
    meta = resource.get("Metadata")
    value = meta.get("aws:cdk:path") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) else None


def _nested_prefix(resource_path: str | None) -> str | None:
    """``Orders/Nested`` from the nested stack resource's path ``Orders/Nested.NestedStack/Orders.Nested.NestedStackResource``."""
    if not resource_path:
        return None
    head = resource_path.split("/")
    for i, part in enumerate(head):
        if part.endswith(".NestedStack"):
            return "/".join([*head[:i], part[: -len(".NestedStack")]])
    return None


def _nested_template(directory: str, artifact: Mapping[str, Any], resource: Mapping[str, Any]) -> str | None:
    meta = resource.get("Metadata")
    asset = meta.get("aws:asset:path") if isinstance(meta, Mapping) else None
    if isinstance(asset, str) and asset.endswith(".json"):
        candidate = os.path.join(directory, asset)
        if os.path.isfile(candidate):
            return candidate
    url = json.dumps((resource.get("Properties") or {}).get("TemplateURL")) if isinstance(resource.get("Properties"), Mapping) else ""
    for manifest_file in _asset_manifests(directory, artifact):
        try:
            with open(manifest_file, encoding="utf-8") as fh:
                assets = json.load(fh)
        except (OSError, ValueError):
            continue
        files = assets.get("files") if isinstance(assets, Mapping) else None
        for entry in (files or {}).values() if isinstance(files, Mapping) else []:
            source = entry.get("source") if isinstance(entry, Mapping) else None
            spath = source.get("path") if isinstance(source, Mapping) else None
            if not (isinstance(spath, str) and spath.endswith(".json")):
                continue
            for dest in (entry.get("destinations") or {}).values():
                key = dest.get("objectKey") if isinstance(dest, Mapping) else None
                if isinstance(key, str) and key and key in url:
                    candidate = os.path.join(directory, spath)
                    if os.path.isfile(candidate):
                        return candidate
    return None


def _asset_manifests(directory: str, artifact: Mapping[str, Any]) -> list[str]:
    deps = artifact.get("dependencies") or []
    out = []
    for dep in deps if isinstance(deps, list) else []:
        candidate = os.path.join(directory, f"{dep}.json")
        if isinstance(dep, str) and dep.endswith(".assets") and os.path.isfile(candidate):
            out.append(candidate)
    return out


def split_assemblies(paths: list[str]) -> tuple[list[str], list[str]]:
    """``(cloud assembly directories, other paths)``: a directory with a CDK ``manifest.json`` is
    read as an assembly; everything else (files, globs, other directories) as before."""
    assemblies: list[str] = []
    other: list[str] = []
    for p in paths:
        (assemblies if is_cloud_assembly(p) else other).append(p)
    return assemblies, other
