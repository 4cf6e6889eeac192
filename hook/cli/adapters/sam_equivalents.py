"""Stand-ins for samtranslator helpers that every translation calls, each giving what it gives.

The SAM transform stays samtranslator's own code (``hook.cli.adapters.sam``); these replace a few of
its helpers whose answers cannot change within a process, or that only feed its metrics:

- ``ResourceTypeResolver(module)``, built by ``Translator.translate`` on every translation, reads
  the module's SAM resource classes with ``inspect.getmembers``: the table is read once per set of
  modules and each resolver gets its own copy of it (:func:`_resolver`).
- ``SamResourceType.has_value``, asked for every resource by every plugin pass, scans the enum's
  members: for a ``str`` it is a set membership test on the same values; anything else is asked of
  the original (:func:`_has_value`).
- ``_send_cw_metric``, called by samtranslator's ``cw_timer`` decorator after each decorated method,
  records the method's latency into the translator's ``Metrics``, which govhook publishes to
  samtranslator's no-op publisher (``hook.cli.adapters.sam``): the recording is skipped; the
  decorated methods run and return as before.

:func:`install` puts them in place (idempotent) and :func:`uninstall` puts samtranslator's own back;
``tests/integration/test_sam_fast.py`` compares the expansions of the corpus with and without them,
``tests/unit/test_sam_equivalents.py`` each stand-in with what it replaces.
"""

from __future__ import annotations

from typing import Any

__all__ = ["install", "installed", "uninstall"]

#: (module, attribute) -> samtranslator's own value, while the stand-ins are installed.
_ORIGINALS: dict[tuple[Any, str], Any] = {}
#: modules -> the resource type table ``ResourceTypeResolver`` builds from them.
_TABLES: dict[tuple[Any, ...], dict[str, Any]] = {}


def _resolver(original: Any) -> Any:
    def resource_type_resolver(*modules: Any) -> Any:
        table = _TABLES.get(modules)
        if table is None:
            table = _TABLES[modules] = dict(original(*modules).resource_types)
        resolver = original.__new__(original)
        resolver.resource_types = dict(table)
        return resolver

    return resource_type_resolver


def _has_value(enum: Any, original: Any) -> Any:
    values = frozenset(member.value for member in enum)

    def has_value(cls: Any, value: Any) -> bool:
        if type(value) is str:
            return value in values
        return bool(original(value))

    return classmethod(has_value)


def _no_metric(prefix: Any, name: Any, execution_time_ms: Any, func: Any, args: Any) -> None:
    return None


def install() -> None:
    """Put the stand-ins in place of samtranslator's helpers (samtranslator is imported by then)."""
    if _ORIGINALS:
        return
    from samtranslator.metrics import method_decorator
    from samtranslator.model import ResourceTypeResolver
    from samtranslator.sdk.resource import SamResourceType
    from samtranslator.translator import translator

    replacements = [
        (translator, "ResourceTypeResolver", _resolver(ResourceTypeResolver)),
        (SamResourceType, "has_value", _has_value(SamResourceType, SamResourceType.has_value)),
        (method_decorator, "_send_cw_metric", _no_metric),
    ]
    for owner, attr, replacement in replacements:
        _ORIGINALS[owner, attr] = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
        setattr(owner, attr, replacement)


def uninstall() -> None:
    """samtranslator's own helpers again."""
    for (owner, attr), original in _ORIGINALS.items():
        setattr(owner, attr, original)
    _ORIGINALS.clear()
    _TABLES.clear()


def installed() -> bool:
    return bool(_ORIGINALS)
