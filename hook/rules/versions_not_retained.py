"""lambda.versions-not-retained: published versions are not kept forever by DeletionPolicy."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    is_unresolved,
    json_pointer,
)


class VersionsNotRetained(StackRule):
    """No ``AWS::Lambda::Version`` with ``DeletionPolicy``/``UpdateReplacePolicy: Retain`` (or ``RetainExceptOnCreate``), and no
    SAM function with ``AutoPublishAlias`` (SAM retains every version it publishes), unless the
    stack matches ``retain_allowed_stacks`` (a production stage that wants rollbacks).

    - PASS when nothing retains versions, or the stack is allowed to.
    - FAIL for each retaining Version and each SAM function with AutoPublishAlias.
    - SKIP when a policy is an intrinsic (``!If``) and nothing else fails.
    """

    id = "lambda.versions-not-retained"
    title = "Published versions are not retained forever"
    default_severity = Severity.MEDIUM
    resource_types = ("AWS::Lambda::Version", "AWS::Serverless::Function")
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"
    params_schema = {
        "type": "object",
        "properties": {"retain_allowed_stacks": {"type": "array", "items": {"type": "string"}, "default": []}},
        "additionalProperties": False,
    }
    rationale = (
        "Every retained version keeps its code in the Region's 75 GB code storage; SAM's "
        "AutoPublishAlias and the Serverless Framework publish one per deploy, so storage fills up "
        "until deployments fail with CodeStorageExceededException."
    )

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        if ctx.stack_name and any(fnmatch.fnmatchcase(ctx.stack_name, p) for p in params["retain_allowed_stacks"]):
            return
        unknown = []
        found = False
        for vid, res in ctx.resources_of_type("AWS::Lambda::Version"):
            for policy in ("DeletionPolicy", "UpdateReplacePolicy"):
                if is_unresolved(res.get(policy)):
                    unknown.append(f"{vid}.{policy}")
                # RetainExceptOnCreate (2023) keeps the version on delete and replacement too.
                if res.get(policy) in ("Retain", "RetainExceptOnCreate"):
                    found = True
                    yield Violation(
                        f"version {vid} has {policy}: {res.get(policy)}: every deploy leaves its code in the 75 GB code storage",
                        json_pointer("Resources", vid, policy), "Remove the Retain policy, or prune old versions.", vid)
        for fid, _res in ctx.resources_of_type("AWS::Serverless::Function"):
            alias = ctx.function_property(fid, "AutoPublishAlias")
            if alias:
                found = True
                yield Violation(
                    f"SAM function {fid} uses AutoPublishAlias, which publishes and retains a version on every deploy",
                    json_pointer("Resources", fid, "Properties", "AutoPublishAlias"),
                    "Drop AutoPublishAlias outside production, or prune versions (keep those an alias points to).", fid)
        if not found and unknown:
            raise NotApplicable(f"{', '.join(unknown)} is not known before deployment")
