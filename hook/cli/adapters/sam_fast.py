"""aws-sam-translator, loaded once per process and without what the offline path never uses.

The SAM transform is CloudFormation's own code (``samtranslator``), so govhook runs it as is. What it
costs, measured (bench/README.md, "SAM"): importing boto3 and botocore.client/config (~0.35 s of
CPU), which samtranslator imports at module level but calls only to read the region of a default
session, to reach the Serverless Application Repository for an ``AWS::Serverless::Application``
with an ``ApplicationId``, or to read feature toggles from AppConfig; its own pydantic models
(~0.5 s, needed: they validate the properties, as CloudFormation does); and, per template, the
JSON Schema check of its bundled policy templates (~30 ms).

So this module:

- imports samtranslator with small stand-ins for ``boto3``, ``boto3.session``, ``botocore.client``
  and ``botocore.config`` in ``sys.modules`` (removed again right after: a later ``import boto3``
  gets the real one). Each stand-in forwards every call to the real library, imported at that
  moment, so a template that does reach AWS (a SAR application) behaves exactly as before; the
  translator itself is given a session object that only carries the region, which is all
  ``Translator`` reads from it. ``botocore.exceptions`` is imported for real (14 ms) so samtranslator's
  ``except ClientError`` clauses catch the real errors.
- checks the bundled policy templates once per process, not once per template: samtranslator's
  ``make_policy_template_for_function_plugin`` is replaced by one that wraps a single
  ``PolicyTemplatesProcessor`` (it holds the parsed templates and is not changed by a translation:
  ``Template.to_statement`` resolves a copy).

When boto3 is already imported (``--aws``), samtranslator is imported normally.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["SamApi", "sam_api", "RegionSession"]


class RegionSession:
    """What ``Translator`` reads from its ``boto_session``: the region name, nothing else."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


def _real(module: str) -> Any:
    """The real module, imported now (the stand-ins are out of ``sys.modules`` by then)."""
    import importlib

    return importlib.import_module(module)


def _stand_ins() -> dict[str, types.ModuleType]:
    class Session:
        """``boto3.Session``: a class (samtranslator annotates with it) that builds the real one."""

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _real("boto3").Session(*args, **kwargs)

    class BaseClient:
        """``botocore.client.BaseClient``: used by samtranslator in annotations only."""

    class Config:
        """``botocore.config.Config``: builds the real one (SAR and AppConfig clients)."""

        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return _real("botocore.config").Config(*args, **kwargs)

    boto3 = types.ModuleType("boto3", "govhook stand-in (hook.cli.adapters.sam_fast)")
    session = types.ModuleType("boto3.session")
    session.Session = Session  # type: ignore[attr-defined]
    boto3.Session = Session  # type: ignore[attr-defined]
    boto3.session = session  # type: ignore[attr-defined]
    boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]
    boto3.client = lambda *a, **k: _real("boto3").client(*a, **k)  # type: ignore[attr-defined]
    client = types.ModuleType("botocore.client")
    client.BaseClient = BaseClient  # type: ignore[attr-defined]
    config = types.ModuleType("botocore.config")
    config.Config = Config  # type: ignore[attr-defined]
    return {"boto3": boto3, "boto3.session": session, "botocore.client": client, "botocore.config": config}


def _import_translator() -> None:
    if "boto3" in sys.modules or "samtranslator.translator.translator" in sys.modules:
        import samtranslator.translator.translator
        return
    import botocore  # the package itself is light; its client and config are not
    import botocore.exceptions  # noqa: F401

    stand_ins = {k: v for k, v in _stand_ins().items() if k not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        import samtranslator.translator.translator  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        parent = sys.modules.get("botocore")
        for name in ("client", "config"):
            # the import system set botocore.client/config to the stand-ins; a real import sets them again
            if parent is not None and getattr(parent, name, None) is stand_ins.get(f"botocore.{name}"):
                delattr(parent, name)


class SamApi:
    """The samtranslator pieces ``hook.cli.adapters.sam`` uses, loaded once."""

    def __init__(self) -> None:
        _import_translator()
        from samtranslator.metrics.metrics import Metrics
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.plugins.policies.policy_templates_plugin import PolicyTemplatesForResourcePlugin
        from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor
        from samtranslator.translator import translator as translator_module
        from samtranslator.translator.arn_generator import ArnGenerator
        from samtranslator.utils.py27hash_fix import (
            to_py27_compatible_template,
            undo_mark_unicode_str_in_template,
        )

        self.Metrics = Metrics
        self.InvalidDocumentException = InvalidDocumentException
        self.Parser = Parser
        self.Translator = translator_module.Translator
        self.ArnGenerator = ArnGenerator
        self.to_py27_compatible_template = to_py27_compatible_template
        self.undo_mark_unicode_str_in_template = undo_mark_unicode_str_in_template
        processor = PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())

        def policy_plugin() -> Any:
            return PolicyTemplatesForResourcePlugin(processor)

        translator_module.make_policy_template_for_function_plugin = policy_plugin


_API: SamApi | None = None


def sam_api() -> SamApi:
    """samtranslator, imported and prepared once per process."""
    global _API
    if _API is None:
        _API = SamApi()
    return _API
