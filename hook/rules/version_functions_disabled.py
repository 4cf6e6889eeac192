"""lambda.version-functions-disabled: the Serverless Framework does not publish versions outside the allowed stages."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from hook.sdk import (
    SERVERLESS_SERVICE_TYPE,
    InvalidValue,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Unresolved,
    Violation,
    as_bool,
    describe_value,
    json_pointer,
)


def _prefix(name: str) -> str:
    text = name.replace("-", "Dash").replace("_", "Underscore")
    return text[:1].upper() + text[1:]


class VersionFunctionsDisabled(StackRule):
    """A Serverless Framework service turns ``versionFunctions`` off, except for the stages in
    ``retain_allowed_stages`` (globs, e.g. ``prod``): the Framework's default (``true``) publishes a
    version of every function on every deploy and keeps it (``DeletionPolicy: Retain``).

    The rule reads ``serverless.yml`` as ``govhook check`` loads it (``ctx.framework``: the
    Framework's resolved configuration and stage).
    ``provider.versionFunctions`` (true when absent) applies to every function; a function's own
    ``versionFunction`` overrides it. The hook itself never sees serverless.yml: at deploy time the
    generated template's ``AWS::Lambda::Version`` resources are governed by
    ``lambda.versions-not-retained``; this rule gives the same answer earlier, at the setting to change.

    - PASS when versioning is off for every function, or the stage matches ``retain_allowed_stages``.
    - FAIL once for the provider setting (naming the functions it versions) and once for each
      function that turns versioning on itself; paths are JSON pointers into serverless.yml.
    - SKIP for a plain CloudFormation or SAM template (no Serverless Framework configuration), for a
      service of another provider (``provider.name`` other than ``aws``: openwhisk, google, ...), when
      the stage is not known and some stages are allowed, or when a setting is an unresolved
      ``${...}`` variable and nothing else fails.
    """

    id = "lambda.version-functions-disabled"
    title = "Serverless Framework versionFunctions is off outside the allowed stages"
    default_severity = Severity.MEDIUM
    resource_types = (SERVERLESS_SERVICE_TYPE,)  # runs on services from serverless.yml only
    remediation_url = "https://www.serverless.com/framework/docs/providers/aws/guide/functions#versioning-deployed-functions"
    params_schema = {
        "type": "object",
        "properties": {
            "retain_allowed_stages": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Stages (globs) that may keep versions, e.g. [prod] for rollbacks.",
            }
        },
        "additionalProperties": False,
    }
    rationale = (
        "The Serverless Framework publishes a new version of every function on every deploy and retains "
        "it; each one keeps its code in the Region's 75 GB code storage until deployments fail with "
        "CodeStorageExceededException. Versions are needed only where an alias or a rollback uses them."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        service = ctx.framework
        if service is None or not isinstance(service.config, Mapping):
            raise NotApplicable(
                "not a Serverless Framework service (govhook check serverless.yml); deployed Versions are "
                "governed by lambda.versions-not-retained"
            )
        config: Mapping[str, Any] = service.config
        raw_provider, raw_functions = config.get("provider"), config.get("functions")
        provider: Mapping[str, Any] = raw_provider if isinstance(raw_provider, Mapping) else {}
        functions: Mapping[str, Any] = raw_functions if isinstance(raw_functions, Mapping) else {}
        name = provider.get("name", "aws")
        if isinstance(name, str) and name != "aws":
            raise NotApplicable(f"provider.name is {name!r}, not aws: nothing in this service deploys to AWS Lambda")
        stage = service.stage
        allowed = list(params["retain_allowed_stages"])
        if isinstance(stage, str) and any(fnmatch.fnmatchcase(stage, p) for p in allowed):
            return
        unknown: list[str] = []

        def setting(value: Any, path: str) -> bool | None:
            if isinstance(value, Unresolved):
                unknown.append(f"{path} is {describe_value(value)}")
                return None
            try:
                return as_bool(value, path)
            except InvalidValue:
                return True  # the Framework treats any truthy value as on
            except NotApplicable as exc:
                unknown.append(exc.reason)
                return None

        provider_path = json_pointer("provider", "versionFunctions")
        default_on = "versionFunctions" not in provider
        provider_on = True if default_on else setting(provider.get("versionFunctions"), provider_path)
        by_provider: list[str] = []
        on_themselves: list[tuple[str, str]] = []
        for name, fn in functions.items():
            fn = fn if isinstance(fn, Mapping) else {}
            if "versionFunction" in fn:
                path = json_pointer("functions", str(name), "versionFunction")
                if setting(fn["versionFunction"], path):
                    on_themselves.append((str(name), path))
            elif provider_on:
                by_provider.append(str(name))
        if (by_provider or on_themselves) and isinstance(stage, Unresolved | type(None)) and allowed:
            raise NotApplicable(f"the stage is not known ({describe_value(stage)}); pass --stage")
        where = f"stage '{stage}'" if isinstance(stage, str) else "this stage"
        allowed_text = f"retain_allowed_stages: {', '.join(allowed)}" if allowed else "no stage may retain versions"
        fix = (
            "Set provider.versionFunctions: false (or only for the stages that roll back, e.g. "
            "versionFunctions: ${self:custom.versioning.${sls:stage}, false}), or add the stage to retain_allowed_stages."
        )
        if by_provider:
            why = "is absent (the Framework's default is true)" if default_on else "is true"
            yield Violation(
                f"provider.versionFunctions {why} for {where}: every deploy publishes and retains a version of "
                f"{', '.join(by_provider)} in the 75 GB code storage; {allowed_text}",
                provider_path if not default_on else "/provider",
                fix,
            )
        for name, path in on_themselves:
            yield Violation(
                f"function {name} sets versionFunction: true for {where}: every deploy publishes and retains a "
                f"version in the 75 GB code storage; {allowed_text}",
                path,
                f"Remove versionFunction from {name} (or set it to false), or add the stage to retain_allowed_stages.",
                f"{_prefix(name)}LambdaFunction",
            )
        if not by_provider and not on_themselves and unknown:
            raise NotApplicable("; ".join(unknown))
