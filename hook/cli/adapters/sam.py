"""SAM expansion, offline, the way CloudFormation expands a template before resource hooks run."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from hook.cli.adapters.sam_equivalents import json_round_trip, plain_copy
from hook.core.errors import TemplateError

__all__ = ["expand", "plain_copy"]

_URI_KEYS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


class _AnyManagedPolicies(Mapping[str, str]):
    """Managed policy names resolve to their AWS ARN shape, without calling IAM."""

    def __init__(self, partition: str) -> None:
        self.partition = partition

    def __getitem__(self, name: str) -> str:
        return f"arn:{self.partition}:iam::aws:policy/{name}"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and not name.startswith("arn:")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


#: The origins being recorded (the innermost expansion's), while SAM translates.
_RECORDING: list[dict[str, str]] = []
_RECORDER_CLASSES: list[type] = []


def _install_origin_recorder() -> None:
    """Each ``SamResourceMacro`` subclass's own ``to_cloudformation`` wrapped, once per process, so
    that while :func:`_recording_origins` is active each resource it returns is noted with the SAM
    resource that made it; otherwise the wrapper only calls through."""
    if _RECORDER_CLASSES:
        return
    import samtranslator.model.sam_resources  # noqa: F401  (defines the SamResourceMacro classes)
    from samtranslator.model import SamResourceMacro

    def classes(cls: type) -> Iterator[type]:
        subs: list[type] = cls.__subclasses__()
        for sub in subs:
            yield sub
            yield from classes(sub)

    def wrap(original: Any) -> Any:
        def to_cloudformation(self: Any, *args: Any, **kwargs: Any) -> Any:
            resources = original(self, *args, **kwargs)
            if _RECORDING:
                made = _RECORDING[-1]
                for resource in resources or ():
                    lid = getattr(resource, "logical_id", None)
                    if isinstance(lid, str) and isinstance(self.logical_id, str):
                        made.setdefault(lid, self.logical_id)
            return resources

        to_cloudformation.__wrapped__ = original  # type: ignore[attr-defined]
        return to_cloudformation

    for cls in classes(SamResourceMacro):
        if "to_cloudformation" in cls.__dict__:
            cls.to_cloudformation = wrap(cls.__dict__["to_cloudformation"])  # type: ignore[attr-defined]
            _RECORDER_CLASSES.append(cls)


@contextlib.contextmanager
def _recording_origins(made: dict[str, str]) -> Iterator[None]:
    """While SAM translates: each generated resource's logical id -> the SAM resource whose
    ``to_cloudformation`` made it (events, roles, versions, aliases, URLs, permissions)."""
    _install_origin_recorder()
    _RECORDING.append(made)
    try:
        yield
    finally:
        _RECORDING.pop()


def expand(
    template: Mapping[str, Any],
    parameters: Mapping[str, str],
    *,
    region: str,
    account_id: str,
    file: str | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """The expanded template and, for each generated resource, the SAM resource it came from."""
    import logging

    from hook.cli.adapters.sam_fast import RegionSession, sam_api

    sam = sam_api()  # samtranslator, imported and prepared once per process
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    doc = plain_copy(dict(template))
    sam_ids = set()
    for logical_id, res in (doc.get("Resources") or {}).items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        if isinstance(rtype, str) and rtype.startswith("AWS::Serverless::"):
            sam_ids.add(logical_id)
        key = _URI_KEYS.get(str(rtype))
        props = res.get("Properties")
        if key and isinstance(props, dict):
            uri = props.get(key)
            # A local path (sam build / package rewrites it) must not stop the check.
            if key == "CodeUri" and props.get("PackageType") == "Image":
                # `sam build` fills ImageUri from the function's Metadata (DockerContext).
                props.setdefault("ImageUri", f"{account_id}.dkr.ecr.{region}.amazonaws.com/govhook-offline:latest")
            elif key == "CodeUri" and uri is None and "InlineCode" not in props and "ImageUri" not in props:
                props[key] = "s3://govhook-offline/code.zip"
            elif isinstance(uri, str) and not uri.startswith("s3://"):
                props[key] = f"s3://govhook-offline/{uri.strip('./') or 'code'}"
    glob = doc.get("Globals")
    if isinstance(glob, dict) and isinstance(glob.get("Function"), dict):
        uri = glob["Function"].get("CodeUri")
        if isinstance(uri, str) and not uri.startswith("s3://"):
            glob["Function"]["CodeUri"] = "s3://govhook-offline/code.zip"
    values: dict[str, Any] = {
        "AWS::Region": region,
        "AWS::AccountId": account_id,
        "AWS::Partition": partition,
    }
    declared = doc.get("Parameters")
    for name, spec in declared.items() if isinstance(declared, Mapping) else ():
        if isinstance(spec, Mapping) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(parameters)
    # samtranslator logs warnings (feature toggles, ...) that Python prints on stderr when nothing is
    # configured; the CLI's stderr is for govhook's own one-line errors.
    sam_log = logging.getLogger("samtranslator")
    if not sam_log.handlers:
        sam_log.addHandler(logging.NullHandler())
    try:
        sam.ArnGenerator.BOTO_SESSION_REGION_NAME = region
        # Our own metrics object, published (to samtranslator's no-op publisher) when done: left
        # unpublished, samtranslator warns "There are unpublished metrics" on stderr at exit.
        sam_metrics = sam.Metrics()
        translator = sam.Translator(None, sam.Parser(), boto_session=RegionSession(region), metrics=sam_metrics)
        sam.to_py27_compatible_template(doc, values)
        policies = _AnyManagedPolicies(partition)
        made: dict[str, str] = {}
        try:
            with _recording_origins(made):
                # samtranslator's undo_mark_unicode_str_in_template is json.loads(json.dumps(...))
                out = json_round_trip(
                    translator.translate(doc, parameter_values=values, passthrough_metadata=True,
                                         get_managed_policy_map=lambda: policies)
                )
        finally:
            sam_metrics.publish()
    except sam.InvalidDocumentException as exc:
        causes = "; ".join(str(getattr(c, "message", c)) for c in getattr(exc, "causes", []) or [exc])
        raise TemplateError(f"SAM transform failed: {causes}", file) from exc
    except Exception as exc:  # the translator raises many kinds; each is a template problem
        raise TemplateError(f"SAM transform failed: {type(exc).__name__}: {exc}", file) from exc
    # Where each generated resource came from, as samtranslator made it (never guessed from names:
    # a user's MyFunctionPermission is its own resource, not MyFunction's).
    origin: dict[str, str] = {}
    for logical_id, res in (out.get("Resources") or {}).items():
        meta = res.get("Metadata") if isinstance(res, dict) else None
        sam_id = meta.get("SamResourceId") if isinstance(meta, dict) else None
        if isinstance(sam_id, str):
            origin[logical_id] = sam_id
        elif logical_id in made and made[logical_id] != logical_id:
            origin[logical_id] = made[logical_id]
    return dict(out), origin
