"""lambda.tags-required: functions carry the tags the organisation requires."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from hook.sdk import (
    NotApplicable,
    Params,
    ResourceContext,
    Rule,
    Severity,
    Violation,
    describe_value,
    is_unresolved,
)


class TagsRequired(Rule):
    """Functions carry every required tag key, with an allowed value where values are listed.

    - PASS when every key in ``keys`` is present with a non-empty value, and each key listed in
      ``allowed_values`` has one of its values.
    - FAIL when a required key is missing or empty, or a value is not allowed.
    - SKIP when ``Tags`` itself is an unresolved intrinsic, or a required key is missing while an
      entry (or its ``Key``) is unresolved. A tag whose value is unresolved counts as present; its
      value is not judged.
    """

    id = "lambda.tags-required"
    title = "Required tags are present"
    default_severity = Severity.LOW
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html"
    params_schema = {
        "type": "object",
        "properties": {
            "keys": {
                "type": "array",
                "items": {"type": "string", "minLength": 1},
                "default": ["team"],
                "description": "Tag keys every function must carry.",
            },
            "allowed_values": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                "default": {},
                "description": "For some keys, the only values allowed, e.g. {environment: [dev, prod]}.",
            },
        },
        "additionalProperties": False,
    }
    equivalents = {"aws-config": ("lambda-function-tagged",), "security-hub": ("Lambda.6",)}
    rationale = (
        "Cost allocation, ownership and incident routing all start from tags; an untagged function "
        "is one nobody answers for."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        raw = ctx.get("/Tags")
        if is_unresolved(raw):
            raise NotApplicable("Tags is not known before deployment")
        tags = ctx.tags
        # An entry that is itself an intrinsic (!If [Cond, {Key: team, ...}, !Ref AWS::NoValue]) or
        # whose Key is one may be the required tag: a missing key is then not known to be missing.
        opaque = [item for item in raw if is_unresolved(item) or (isinstance(item, Mapping) and is_unresolved(item.get("Key")))] \
            if isinstance(raw, list) else []
        absent = [key for key in params["keys"] if key not in tags]
        if absent and opaque:
            raise NotApplicable(f"required tag '{absent[0]}' may be the Tags entry not known before deployment: "
                                f"{describe_value(opaque[0])}")
        for key in params["keys"]:
            value = tags.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                present = ", ".join(sorted(tags)) or "none"
                yield Violation(
                    f"required tag '{key}' is missing (tags present: {present})",
                    path="/Tags",
                    remediation=f"Add a Tags entry {{Key: {key}, Value: ...}}.",
                )
        for key, allowed in params["allowed_values"].items():
            value = tags.get(key)
            if value is None or is_unresolved(value):
                continue
            if str(value) not in allowed:
                yield Violation(
                    f"tag '{key}' is '{value}'; allowed values: {', '.join(allowed)}",
                    path="/Tags",
                    remediation=f"Set tag '{key}' to one of: {', '.join(allowed)}.",
                )
