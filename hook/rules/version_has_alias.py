"""lambda.version-has-alias: every published version in the stack is reachable through an alias."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    json_pointer,
    referenced_ids,
)


class VersionHasAlias(StackRule):
    """Each ``AWS::Lambda::Version`` is referenced by an ``AWS::Lambda::Alias`` in the template.

    - PASS when every Version is the FunctionVersion (or a routing-config version) of an alias.
    - FAIL for each Version no alias references: it is storage nobody can roll back to by name.
    - SKIP when an alias names its version in a way that cannot be traced (a literal number, a
      parameter), so an unreferenced-looking version may be the one it means.
    """

    id = "lambda.version-has-alias"
    title = "Published versions have an alias"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Version",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html"
    params_schema = {"type": "object", "properties": {}, "additionalProperties": False}
    rationale = "An unaliased version costs code storage and is never invoked by name: it is dead weight."

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        referenced: set[str] = set()
        opaque = []
        for aid, _ in ctx.resources_of_type("AWS::Lambda::Alias"):
            props = ctx.properties_of(aid)
            found = ctx.referenced_id(props.get("FunctionVersion"))
            if found:
                referenced.add(found)
            else:
                opaque.append(aid)
            # Canary weights, also under an Fn::If that turns the canary on in some stages: any
            # version the routing config can point at is referenced.
            referenced |= referenced_ids(ctx, props.get("RoutingConfig"))
        orphans = [vid for vid, _ in ctx.resources_of_type("AWS::Lambda::Version") if vid not in referenced]
        if orphans and opaque:
            raise NotApplicable(f"alias {', '.join(opaque)} names its version in a way that cannot be traced")
        for vid in orphans:
            if vid not in referenced:
                yield Violation(f"version {vid} is not referenced by any alias", json_pointer("Resources", vid),
                                "Point an AWS::Lambda::Alias at it (FunctionVersion: !GetAtt Version.Version), or stop publishing it.", vid)
