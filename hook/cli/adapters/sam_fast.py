"""aws-sam-translator, loaded once per process and without what the offline path never uses.

The SAM transform is CloudFormation's own code (``samtranslator``), so govhook runs it as is. What it
costs is measured in bench/README.md ("Real templates"): importing boto3 and botocore's client,
config and exceptions, which samtranslator imports at module level but calls only to read the
region of a default session, to reach the Serverless Application Repository for an
``AWS::Serverless::Application`` with an ``ApplicationId``, or to read feature toggles from
AppConfig; its own pydantic models (needed: they validate the properties, as CloudFormation does);
and, per template, the JSON Schema check of its bundled policy templates.

So this module:

- imports samtranslator with small stand-ins for ``boto3``, ``boto3.session``, ``botocore.client``
  and ``botocore.config`` in ``sys.modules`` (removed again right after: a later ``import boto3``
  gets the real one). Each stand-in forwards every call to the real library, imported at that
  moment, so a template that does reach AWS (a SAR application) behaves exactly as before; the
  translator itself is given a session object that only carries the region, which is all
  ``Translator`` reads from it. ``botocore.exceptions`` is a stand-in too (its ``ClientError`` and
  ``EndpointConnectionError``, which samtranslator catches around SAR calls): the first call that
  reaches the real library puts the real classes in samtranslator's modules first, so its
  ``except ClientError`` clauses catch the real errors.
- imports ``pydantic.v1`` first, with a stand-in ``pydantic_core`` that carries only the installed
  version (pydantic 2's package ``__init__`` compares it; ``pydantic.v1`` never uses the compiled
  core), so the compiled core is not loaded (:func:`_import_pydantic_v1`);
- puts samtranslator's models of rarely used SAM resource types and of ``AWS::Serverless::Function``
  (:data:`LAZY_SCHEMAS`) in ``sys.modules`` as ``hook.cli.adapters.sam_lazy`` modules: a model is
  built the first time a template needs it, with only what it needs (a ``CapacityProviderConfig``
  builds that one of the function's 59 models), not at every start; what samtranslator's import
  reads of them in annotations only (the GraphQL API's models in ``SamGraphQLApi``'s methods) is a
  placeholder until the module is used, then the real class (the resource type table is read
  without touching them: ``hook.cli.adapters.sam_equivalents``);
- imports the policy template processor with a stand-in ``jsonschema``: the bundled templates are
  built without the schema check of that bundled file (:func:`bundled_policy_templates`), and the
  check, if anything asks for it, imports the real ``jsonschema`` first (:func:`_lazy_validation`);
- checks the bundled policy templates once per process, not once per template: samtranslator's
  ``make_policy_template_for_function_plugin`` is replaced by one that wraps a single
  ``PolicyTemplatesProcessor`` (it holds the parsed templates and is not changed by a translation:
  ``Template.to_statement`` resolves a copy);
- puts in place the stand-ins of :mod:`hook.cli.adapters.sam_equivalents` for a few helpers every
  translation calls (the same answers, without work repeated per template).

When boto3 is already imported (``--aws``), samtranslator is imported normally.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["LAZY_SCHEMAS", "RegionSession", "SamApi", "bundled_policy_templates", "sam_api"]


class RegionSession:
    """What ``Translator`` reads from its ``boto_session``: the region name, nothing else."""

    def __init__(self, region_name: str) -> None:
        self.region_name = region_name


#: The stand-in exception classes samtranslator's modules imported from ``botocore.exceptions``
#: (name -> class), until the real ones replace them (:func:`_real_errors`).
_PLACEHOLDER_ERRORS: dict[str, type] = {}


def _real(module: str) -> Any:
    """The real module, imported now (the stand-ins are out of ``sys.modules`` by then); for boto3
    and botocore, samtranslator's modules get the real ``botocore.exceptions`` classes first."""
    import importlib

    if module.split(".")[0] in ("boto3", "botocore"):
        _real_errors()
    return importlib.import_module(module)


def _real_errors() -> None:
    """Each samtranslator module's name bound to a stand-in of a ``botocore.exceptions`` class
    bound to the real class: before any real botocore call, so its errors are what samtranslator's
    ``except ClientError`` clauses (which read the module's name when an error is raised) catch."""
    if not _PLACEHOLDER_ERRORS:
        return
    import importlib

    exceptions = importlib.import_module("botocore.exceptions")
    stand_ins = {cls: getattr(exceptions, name) for name, cls in _PLACEHOLDER_ERRORS.items()}
    for name, module in list(sys.modules.items()):
        if (name == "samtranslator" or name.startswith("samtranslator.")) and type(module) is types.ModuleType:
            for attr, value in list(module.__dict__.items()):
                if isinstance(value, type) and value in stand_ins:
                    setattr(module, attr, stand_ins[value])
    _PLACEHOLDER_ERRORS.clear()


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
    exceptions = types.ModuleType("botocore.exceptions")
    for name in ("ClientError", "EndpointConnectionError"):
        # never raised: samtranslator catches them around SAR calls, which only the real library
        # makes, and every way to it (_real) puts the real classes in their place first
        cls = type(name, (Exception,), {"__module__": "botocore.exceptions", "__doc__": "govhook stand-in"})
        setattr(exceptions, name, cls)
        _PLACEHOLDER_ERRORS[name] = cls
    return {"boto3": boto3, "boto3.session": session, "botocore.client": client, "botocore.config": config,
            "botocore.exceptions": exceptions}


def _jsonschema_stand_ins() -> dict[str, types.ModuleType]:
    """``jsonschema`` and ``jsonschema.exceptions`` for the policy template processor's import: it
    names ``jsonschema.validate`` and ``ValidationError`` in one function, which :func:`_lazy_validation`
    points at the real ones on its first call."""

    class ValidationError(Exception):
        """Never raised: replaced by the real class before the processor validates anything."""

    package = types.ModuleType("jsonschema", "govhook stand-in (hook.cli.adapters.sam_fast)")
    exceptions = types.ModuleType("jsonschema.exceptions")
    exceptions.ValidationError = ValidationError  # type: ignore[attr-defined]
    package.exceptions = exceptions  # type: ignore[attr-defined]
    return {"jsonschema": package, "jsonschema.exceptions": exceptions}


def _lazy_validation() -> None:
    """``PolicyTemplatesProcessor._is_valid_templates_dict`` as samtranslator wrote it, with the real
    ``jsonschema`` imported on its first call (a processor built from other templates than the
    bundled ones, which :class:`SamApi` never builds)."""
    from samtranslator.policy_template_processor import processor as module

    original = module.PolicyTemplatesProcessor.__dict__["_is_valid_templates_dict"].__func__

    def validate(policy_templates_dict: Any, schema: Any = None) -> bool:
        module.jsonschema = _real("jsonschema")
        module.ValidationError = _real("jsonschema.exceptions").ValidationError
        module.PolicyTemplatesProcessor._is_valid_templates_dict = staticmethod(original)
        return bool(original(policy_templates_dict, schema))

    module.PolicyTemplatesProcessor._is_valid_templates_dict = staticmethod(validate)


#: samtranslator's models imported by ``samtranslator.model.sam_resources`` at module level and read
#: only when a template needs them, loaded by the piece on first use (``hook.cli.adapters.sam_lazy``):
#: those of SAM resource types that few templates use (read when a resource of that type is
#: translated: ``Properties`` validated), and those of ``AWS::Serverless::Function``, whose properties
#: the translator does not validate with them (``SamFunction.to_cloudformation`` passes no schema)
#: but for a ``CapacityProviderConfig`` (its one model).
LAZY_SCHEMAS = tuple(f"samtranslator.internal.schema_source.aws_serverless_{name}" for name in (
    "capacity_provider", "function", "graphqlapi", "microvmimage", "networkconnector"))


def _dist_version(package: str) -> str | None:
    """The version in the ``dist-info`` beside an installed package, read without importing it."""
    import importlib.util
    import os

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    site = os.path.dirname(next(iter(spec.submodule_search_locations)))
    infos = [n for n in os.listdir(site) if n.startswith(f"{package}-") and n.endswith(".dist-info")]
    if len(infos) != 1:
        return None
    try:
        with open(os.path.join(site, infos[0], "METADATA"), encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return None


def _import_pydantic_v1() -> None:
    """``pydantic.v1``, which samtranslator's models are written in, imported before samtranslator.

    Importing ``pydantic.v1`` runs ``pydantic/__init__.py`` (version 2), which imports the compiled
    ``pydantic_core`` only to compare its ``__version__`` with the one it needs; ``pydantic.v1``
    never uses ``pydantic_core``. So during this import ``pydantic_core`` is a stand-in carrying
    the installed version (from its ``dist-info``), removed right after: a later ``import
    pydantic_core`` (pydantic 2 models) gets the real one. A dotted import also sets ``pydantic.v1``
    on the package, so samtranslator's ``from pydantic import v1`` does not go through pydantic's
    module ``__getattr__`` (its migration helpers import more of pydantic 2). If the import with the
    stand-in fails in any way, pydantic is imported again the normal way.
    """
    if "pydantic" in sys.modules or "pydantic_core" in sys.modules:
        import pydantic.v1
        return
    version = _dist_version("pydantic_core")
    stand_in = types.ModuleType("pydantic_core", "govhook stand-in (hook.cli.adapters.sam_fast)")
    stand_in.__version__ = version  # type: ignore[attr-defined]
    if version is not None:
        sys.modules["pydantic_core"] = stand_in
    try:
        import pydantic.v1
    except Exception:
        for name in [m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")]:
            del sys.modules[name]
        if version is None:
            raise
        sys.modules.pop("pydantic_core", None)
        import pydantic.v1  # noqa: F401
    finally:
        if sys.modules.get("pydantic_core") is stand_in:
            del sys.modules["pydantic_core"]


def _import_translator() -> None:
    if "boto3" in sys.modules or "samtranslator.translator.translator" in sys.modules:
        import samtranslator.translator.translator
        return
    import botocore  # noqa: F401  (the package itself is light; its client, config and exceptions are not)

    stand_ins = {k: v for k, v in {**_stand_ins(), **_jsonschema_stand_ins()}.items() if k not in sys.modules}
    sys.modules.update(stand_ins)
    pieces: list[Any] = []
    try:
        _import_pydantic_v1()
        from hook.cli.adapters import sam_lazy

        pieces = sam_lazy.install(LAZY_SCHEMAS)
        sam_lazy.deferring(pieces)
        import samtranslator.translator.translator  # noqa: F401
    finally:
        if pieces:
            sam_lazy.end_deferring(pieces)
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]
        parent = sys.modules.get("botocore")
        for name in ("client", "config", "exceptions"):
            # the import system set botocore.client/config to the stand-ins; a real import sets them again
            if parent is not None and getattr(parent, name, None) is stand_ins.get(f"botocore.{name}"):
                delattr(parent, name)
    if "jsonschema" in stand_ins:
        _lazy_validation()


class SamApi:
    """The samtranslator pieces ``hook.cli.adapters.sam`` uses, loaded once."""

    def __init__(self) -> None:
        _import_translator()
        from samtranslator.metrics.metrics import Metrics
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.plugins.policies.policy_templates_plugin import PolicyTemplatesForResourcePlugin
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
        processor = bundled_policy_templates()

        def policy_plugin() -> Any:
            return PolicyTemplatesForResourcePlugin(processor)

        translator_module.make_policy_template_for_function_plugin = policy_plugin
        from hook.cli.adapters import sam_equivalents

        sam_equivalents.install()


def bundled_policy_templates() -> Any:
    """``PolicyTemplatesProcessor`` of samtranslator's bundled policy templates, as its constructor
    builds it, without the JSON Schema check of that bundled file against the bundled schema: it
    passes in every release (samtranslator's tests, and ``tests/integration/test_sam_fast.py`` for
    the installed one), and costs the import of ``jsonschema``."""
    from samtranslator.policy_template_processor.processor import PolicyTemplatesProcessor
    from samtranslator.policy_template_processor.template import Template

    bundled = PolicyTemplatesProcessor.get_default_policy_templates_json()
    processor = PolicyTemplatesProcessor.__new__(PolicyTemplatesProcessor)
    processor.policy_templates = {name: Template.from_dict(name, value)
                                  for name, value in bundled["Templates"].items()}
    return processor


_API: SamApi | None = None


def sam_api() -> SamApi:
    """samtranslator, imported and prepared once per process."""
    global _API
    if _API is None:
        _API = SamApi()
    return _API
