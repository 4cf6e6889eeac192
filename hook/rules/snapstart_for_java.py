"""lambda.snapstart-for-java: Java functions on managed runtimes use SnapStart."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import NotApplicable, Params, ResourceContext, Rule, Severity, Violation


class SnapstartForJava(Rule):
    """Java functions on managed runtimes turn SnapStart on (a suggestion: use it in warn mode).

    - PASS when ``SnapStart.ApplyOn`` is ``PublishedVersions``.
    - FAIL when a ``java*`` ZIP function has no SnapStart.
    - SKIP for other runtimes, container images, and where SnapStart is not supported: functions
      with EFS file systems or more than 512 MB of ephemeral storage.
    """

    id = "lambda.snapstart-for-java"
    title = "Java functions use SnapStart"
    default_severity = Severity.INFORMATIONAL
    resource_types = ("AWS::Lambda::Function",)
    remediation_url = "https://docs.aws.amazon.com/lambda/latest/dg/snapstart.html"
    params_schema = {
        "type": "object",
        "properties": {
            "runtimes": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["java11", "java17", "java21", "java25"],
                "description": "Runtimes for which SnapStart is expected.",
            }
        },
        "additionalProperties": False,
    }
    equivalents = {"cfn-lint": ("I2530", "W2530")}
    rationale = (
        "Java cold starts run to seconds; SnapStart restores a snapshot of the initialised "
        "environment and typically cuts them by an order of magnitude, at no extra cost for Java."
    )

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        if ctx.get_str("/PackageType", "Zip") == "Image":
            raise NotApplicable("container-image function: SnapStart is for managed runtimes")
        runtime = ctx.get_str("/Runtime")
        if runtime is None or runtime not in params["runtimes"]:
            raise NotApplicable(f"runtime {runtime or '(none)'} is not one SnapStart is expected for")
        if ctx.get("/FileSystemConfigs"):
            raise NotApplicable("SnapStart does not support Amazon EFS file systems")
        storage = ctx.get_int("/EphemeralStorage/Size", 512) or 512
        if storage > 512:
            raise NotApplicable(f"SnapStart does not support ephemeral storage above 512 MB ({storage} MB)")
        apply_on = ctx.get_str("/SnapStart/ApplyOn", "None")
        if apply_on == "PublishedVersions":
            return
        yield Violation(
            f"{runtime} function without SnapStart (ApplyOn is {apply_on})",
            path="/SnapStart",
            remediation="Set SnapStart: {ApplyOn: PublishedVersions} and invoke a published version or alias.",
        )
