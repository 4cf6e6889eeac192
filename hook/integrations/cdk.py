"""govhook's verdict inside ``cdk synth``: a CDK policy validation plugin, in-process.

::

    import aws_cdk as cdk
    from hook.integrations.cdk import GovhookPlugin

    app = cdk.App()
    cdk.Validations.of(app).add_plugins(GovhookPlugin(policy="policies/default.policy.yaml"))
    # CDK before Validations: cdk.App(policy_validation_beta1=[GovhookPlugin(...)])

CDK calls ``validate(context)`` after it has written the cloud assembly. The plugin checks each of
``context.template_paths`` the way ``govhook check cdk.out`` does (the same adapter: the manifest's
stack name and environment, nested stacks, construct paths, ``govhook::`` acknowledgements as
exemption requests) and answers a ``PolicyValidationPluginReport``: one violation per finding that
failed, ``rule_name`` = the rule id, ``description`` = the message, ``fix`` = the remediation,
``violating_resources`` = the logical id, template path and property path (``Properties/Runtime``).

Severities, as CDK reads them: ``error`` blocks synth and can be acknowledged; ``fatal`` blocks and
cannot (CDK never suppresses it): a blocking finding of a rule whose policy refuses requests, or one
whose request was refused; ``warning`` is reported and does not fail synth; ``info`` is an exempted
finding (a policy exemption or an accepted request), reported with its reason. ``success`` is false
exactly when govhook would block the deployment.

Nothing here imports aws-cdk-lib until ``GovhookPlugin(...)`` is called (``pip install
'govhook[cdk]'`` brings it).
"""

from __future__ import annotations

import os
from typing import Any

from hook.core.model import Disposition, Finding, Outcome, Verdict

__all__ = ["PLUGIN_NAME", "GovhookPlugin", "cdk_severity", "evaluate_templates", "location_of", "request_exemption"]

#: The plugin's name: CDK prefixes rule ids with it in acknowledgements (``govhook::<rule-id>``).
PLUGIN_NAME = "govhook"


def cdk_severity(finding: Finding) -> str:
    """The severity CDK gets for a finding (see the module docstring)."""
    if finding.disposition is Disposition.EXEMPTED:
        return "info"
    if finding.disposition is Disposition.WARNING:
        return "warning"
    return "error" if finding.outcome is Outcome.FAIL and finding.suppressible else "fatal"


def location_of(finding: Finding) -> str:
    """The property path CDK shows: ``Properties/Runtime`` (from the JSON pointer ``/Runtime``)."""
    path = finding.path or ""
    if finding.level == "resource":
        return "Properties" + path if path.startswith("/") else "Properties"
    parts = path.split("/")
    if len(parts) > 3 and parts[1] == "Resources":
        return "/".join(parts[3:])
    return path.lstrip("/")


def evaluate_templates(template_paths: list[str], policy_path: str) -> tuple[Verdict, Any, list[str]]:
    """The verdict on CDK's templates, as ``govhook check`` reaches it: ``(verdict, policy, files)``."""
    from hook.cli.adapters.cdk import load_assembly_template
    from hook.cli.adapters.template import load_targets
    from hook.core.pipeline import Invocation, local_pipeline
    from hook.inputs.locations import Locator

    locator = Locator()
    pipeline = local_pipeline(policy_path, locator=locator)
    targets: list[Any] = []
    requests: list[Any] = []
    notes: list[str] = []
    files: list[str] = []
    for path in template_paths:
        loads: list[Any] = list(load_assembly_template(path, locator=locator)) or [load_targets(path, locator=locator)]
        for load in loads:
            files.append(load.file)
            targets.extend(load.targets)
            requests.extend(getattr(load, "requests", ()))
            notes.extend(f"{load.file}: {n}" for n in load.notes)
    verdict = pipeline.evaluate(targets, Invocation(notes=notes, requests=requests))
    policy = pipeline.policy
    return verdict, policy, files


def _report(verdict: Verdict, policy: Any, stable: bool, cdk: Any) -> Any:
    from hook import __version__

    names = ("PolicyViolatingResource", "PolicyViolation", "PolicyValidationPluginReport") if stable else (
        "PolicyViolatingResourceBeta1", "PolicyViolationBeta1", "PolicyValidationPluginReportBeta1")
    resource_cls, violation_cls, report_cls = (getattr(cdk, n) for n in names)
    violations = []
    for f in verdict.sorted().findings:
        if f.disposition not in (Disposition.BLOCKING, Disposition.WARNING, Disposition.EXEMPTED):
            continue
        template = f.location.file if f.location else ""
        resource_args: dict[str, Any] = {"locations": [location_of(f)] if location_of(f) else [],
                                         "template_path": os.path.abspath(template) if template else ""}
        if f.logical_id or not stable:
            resource_args["resource_logical_id"] = f.logical_id or "(stack)"
        description = f.message
        if f.exemption is not None:
            description += f" [exempted by {f.exemption.id}: {f.exemption.reason}]"
        elif f.downgraded_by:
            description += f" [not blocking: {f.downgraded_by}]"
        meta = {"disposition": f.disposition.value, "severity": f.severity.value, "stack": f.stack_name or ""}
        if f.construct_path:
            meta["construct_path"] = f.construct_path
        if f.remediation_url:
            meta["see"] = f.remediation_url
        violations.append(violation_cls(
            rule_name=f.rule_id, description=description, fix=f.remediation or f.remediation_url or "",
            severity=cdk_severity(f), rule_metadata=meta,
            violating_resources=[resource_cls(**resource_args)],
        ))
    counts = verdict.counts()
    return report_cls(
        success=not verdict.is_blocking, violations=violations, plugin_version=__version__,
        metadata={k: str(v) for k, v in counts.items()} | {"notes": " | ".join(verdict.notes)[:4000]},
    )


_CLASSES: dict[bool, Any] = {}


def _plugin_class(stable: bool) -> Any:
    cls = _CLASSES.get(stable)
    if cls is not None:
        return cls
    import aws_cdk as cdk
    import jsii

    iface = cdk.IPolicyValidationPlugin if stable else cdk.IPolicyValidationPluginBeta1

    @jsii.implements(iface)
    class _Govhook:
        def __init__(self, policy: str) -> None:
            self._policy = policy

        @property
        def name(self) -> str:
            return PLUGIN_NAME

        @property
        def version(self) -> str:
            from hook import __version__

            return __version__

        @property
        def rule_ids(self) -> list[str]:
            from hook.core.policy import load_policy
            from hook.core.registry import default_registry

            try:
                return list(load_policy(self._policy, default_registry()).rules)
            except Exception:  # analytics only: never fail synth for it
                return []

        def validate(self, context: Any) -> Any:
            paths = [str(p) for p in context.template_paths]
            verdict, policy, _ = evaluate_templates(paths, self._policy)
            return _report(verdict, policy, stable, cdk)

    _CLASSES[stable] = _Govhook
    return _Govhook


def GovhookPlugin(policy: str = os.path.join("policies", "default.policy.yaml")) -> Any:  # noqa: N802
    """A CDK validation plugin running govhook's pipeline on the synthesized templates.

    The stable ``IPolicyValidationPlugin`` where aws-cdk-lib has ``Validations``; the
    ``IPolicyValidationPluginBeta1`` (``App(policy_validation_beta1=[...])``) on older releases.
    ``policy``: a policy file, relative to the directory ``cdk synth`` runs in.
    """
    import aws_cdk as cdk

    stable = hasattr(cdk, "Validations") and hasattr(cdk, "IPolicyValidationPlugin")
    return _plugin_class(stable)(os.path.abspath(policy))


def request_exemption(scope: Any, rule: str, reason: str, expires: str | None = None) -> None:
    """Ask for an exemption from ``rule`` for every resource under ``scope``, where each door sees it:
    ``Validations.of(scope).acknowledge(id="govhook::<rule>")`` for ``cdk synth`` and
    ``govhook check cdk.out``, and ``Metadata.govhook.exempt`` on each CloudFormation resource under
    ``scope`` (created so far) for the deployed hook, which reads the template. The policy decides."""
    import aws_cdk as cdk

    text = reason if expires is None or "expires" in reason else f"{reason} (expires {expires})"
    if hasattr(cdk, "Validations"):
        cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=f"{PLUGIN_NAME}::{rule}", reason=text))
    entry: dict[str, str] = {"rule": rule, "reason": reason}
    if expires:
        entry["expires"] = expires
    for node in scope.node.find_all():
        if cdk.CfnResource.is_cfn_resource(node):
            current = node.get_metadata("govhook") or {}
            exempt = [*(current.get("exempt") or []), entry] if isinstance(current, dict) else [entry]
            node.add_metadata("govhook", {"exempt": exempt})
