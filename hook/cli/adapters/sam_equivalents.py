"""Stand-ins for samtranslator helpers that every translation calls, each giving what it gives.

The SAM transform stays samtranslator's own code (``hook.cli.adapters.sam``); these replace a few of
its helpers whose answers cannot change within a process, or that only feed its metrics:

- ``ResourceTypeResolver(module)``, built by ``Translator.translate`` on every translation, reads
  the module's SAM resource classes with ``inspect.getmembers``: the table is read once per set of
  modules (the same members, modules among them passed over unread: :func:`_resource_types`) and
  each resolver gets its own copy of it (:func:`_resolver`).
- ``SamResourceType.has_value``, asked for every resource by every plugin pass, scans the enum's
  members: for a ``str`` it is a set membership test on the same values; anything else is asked of
  the original (:func:`_has_value`).
- ``_send_cw_metric``, called by samtranslator's ``cw_timer`` decorator after each decorated method,
  records the method's latency into the translator's ``Metrics``, which govhook publishes to
  samtranslator's no-op publisher (``hook.cli.adapters.sam``): the recording is skipped; the
  decorated methods run and return as before.
- ``copy.deepcopy`` as samtranslator's modules call it (the whole template, Globals, parameter
  values, and inside its ``Py27Dict.__deepcopy__``): plain dicts, lists and immutable scalars are
  copied the way ``copy.deepcopy`` copies them (the same memo, so a value met twice is copied once
  and shared, the originals kept alive in the memo), without its per-value dispatch, and so are
  the values whose ``__deepcopy__`` returns them as they are (``Py27UniStr``, ``Py27LongInt``:
  checked on their code), and ``Py27Dict`` / ``Py27Keys`` as their own ``__deepcopy__`` copies them
  (a key layout computed once per sequence of string keys); every other value goes to
  ``copy.deepcopy`` itself (:func:`_deepcopy`).
  Only samtranslator's modules see it: their ``copy`` is a module that is ``copy`` but for
  ``deepcopy``.

:func:`install` puts them in place (idempotent) and :func:`uninstall` puts samtranslator's own back;
``tests/integration/test_sam_fast.py`` compares the expansions of the corpus with and without them,
``tests/unit/test_sam_equivalents.py`` each stand-in with what it replaces.
"""

from __future__ import annotations

import copy
import sys
import types
from collections.abc import Callable
from typing import Any, cast

from hook.core.errors import GovhookError

__all__ = ["install", "installed", "json_round_trip", "plain_copy", "uninstall"]

#: (module, attribute) -> samtranslator's own value, while the stand-ins are installed.
_ORIGINALS: dict[tuple[Any, str], Any] = {}
#: modules -> the resource type table ``ResourceTypeResolver`` builds from them.
_TABLES: dict[tuple[Any, ...], dict[str, Any]] = {}


def _resource_types(module: Any) -> dict[str, Any]:
    """The table ``ResourceTypeResolver`` builds from one module: ``inspect.getmembers(module,
    predicate)`` (each name of ``dir(module)`` in order, the classes defined in the module that have
    a ``resource_type``), the later of two classes of one type winning. A module among the members
    is no class, and is passed over without reading its attributes (the predicate's
    ``isinstance(..., type)`` would load a module that ``hook.cli.adapters.sam_fast`` left to load
    on first use)."""
    table: dict[str, Any] = {}
    for name in dir(module):
        try:
            value = getattr(module, name)
        except AttributeError:
            continue
        if isinstance(value, types.ModuleType):
            continue
        if isinstance(value, type) and value.__module__ == module.__name__ and hasattr(value, "resource_type"):
            table[value.resource_type] = value
    return table


def _resolver(original: Any) -> Any:
    def resource_type_resolver(*modules: Any) -> Any:
        table = _TABLES.get(modules)
        if table is None:
            table = {}
            for module in modules:
                table.update(_resource_types(module))
            _TABLES[modules] = table
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


#: The types ``copy.deepcopy`` returns as they are (its dispatch table's atomic entries).
_ATOMIC: frozenset[type] = frozenset(
    cls for cls, copier in getattr(copy, "_deepcopy_dispatch", {}).items()
    if copier is getattr(copy, "_deepcopy_atomic", None)
) or frozenset((type(None), int, float, bool, complex, bytes, str, type, range))


def _returns_self(self: Any, memo: Any) -> Any:
    return self


def _copies_to_itself(cls: type) -> bool:
    """The class's own ``__deepcopy__`` is ``return self`` (samtranslator's immutable ``Py27UniStr``
    and ``Py27LongInt``), read from its code: copy.deepcopy returns such a value as it is."""
    fn = cls.__dict__.get("__deepcopy__")
    code = getattr(fn, "__code__", None)
    ref = _returns_self.__code__
    def shape(c: Any) -> tuple[Any, ...]:  # the flags without the compiler's __future__ ones
        return c.co_code, c.co_argcount, c.co_kwonlyargcount, c.co_consts, c.co_names, c.co_flags & 0xFFFF

    return code is not None and shape(code) == shape(ref)


#: The names samtranslator's ``Py27Dict.__deepcopy__`` and ``Py27Keys.__deepcopy__`` use (their
#: code's ``co_names``): :func:`_deepcopy` copies them as they do only while they are these.
PY27_DICT_NAMES = ("__class__", "__new__", "__dict__", "items", "setattr", "copy", "deepcopy", "super",
                   "Py27Dict", "__setitem__")
PY27_KEYS_NAMES = ("Py27Keys", "DUMMY", "add", "copy", "deepcopy")
#: bound of the remembered key layouts of :func:`_deepcopy`'s ``Py27Keys`` copies
LAYOUTS_MAX = 4096


def _deepcopy(real: Callable[..., Any], immutable: frozenset[type] = frozenset(),
              py27: tuple[type, type] | None = None) -> Callable[..., Any]:
    """``immutable``: classes whose ``__deepcopy__`` returns the value itself (:func:`_copies_to_itself`);
    ``py27``: samtranslator's ``(Py27Dict, Py27Keys)``, copied as their ``__deepcopy__`` copies them.

    ``Py27Dict.__deepcopy__`` makes an empty ``Py27Dict`` (``__new__``), sets each attribute of the
    original to its deep copy (its ``keylist``, a ``Py27Keys``) and each item, without the
    ``Py27Dict.__setitem__`` bookkeeping; ``copy.deepcopy`` then remembers the copy in the memo and
    keeps the original alive. ``Py27Keys.__deepcopy__`` adds the keys, in Python 2.7's order, to a
    new ``Py27Keys``: the slots, size, fill and mask that gives depend only on that sequence of
    keys (Python 2.7's hash of a string is its value's), so for keys that are strings it is
    computed once per sequence, by ``Py27Keys.add`` itself, and the same layout is given to the
    next copy of the same keys (the same key objects in it, as ``add`` stores them). A nested
    ``Py27Dict`` is copied as many frames deep as by its ``__deepcopy__``; a remembered layout
    skips ``add``'s frames, as samtranslator's own hash caches skip some of theirs."""
    atomic = _ATOMIC | immutable
    nil: list[Any] = []
    py27_dict, py27_keys = py27 if py27 is not None else (None, None)
    layouts: dict[tuple[str, ...], tuple[list[tuple[int, int]], int, int, int]] = {}
    str_types = frozenset({str} | {cls for cls in immutable if issubclass(cls, str)})

    def keep_alive(x: Any, memo: dict[int, Any]) -> None:  # copy._keep_alive
        alive = memo.get(id(memo))
        if alive is None:
            memo[id(memo)] = [x]
        else:
            alive.append(x)

    def enter(copier: Callable[[Any, dict[int, Any]], Any], x: Any, memo: dict[int, Any]) -> Any:
        """One frame where copy.deepcopy has its own, so that a nested Py27Dict is as many frames
        deep (three per level) as with samtranslator's ``__deepcopy__``: a template nested too
        deeply fails at the same depth."""
        return copier(x, memo)

    def copy_keys(x: Any, memo: dict[int, Any]) -> Any:
        d = id(x)
        y = memo.get(d, nil)
        if y is not nil:
            return y
        keys = x.keys()
        strings = all(type(k) in str_types for k in keys)
        layout = layouts.get(tuple(keys)) if strings else None
        assert py27_keys is not None
        ret = py27_keys()
        if layout is None:
            for k in keys:
                if k is py27_keys.DUMMY:  # type: ignore[attr-defined]
                    continue
                ret.add(k if type(k) in atomic else deepcopy(k, memo))
            if strings:
                index = {id(k): i for i, k in enumerate(keys)}
                if len(layouts) >= LAYOUTS_MAX:
                    layouts.clear()
                layouts[tuple(keys)] = ([(slot, index[id(k)]) for slot, k in ret.keyorder.items()],
                                        ret.size, ret.fill, ret.mask)
        else:
            slots, ret.size, ret.fill, ret.mask = layout
            ret.keyorder = {slot: keys[i] for slot, i in slots}
        if ret is not x:
            memo[d] = ret
            keep_alive(x, memo)
        return ret

    def copy_dict(x: Any, memo: dict[int, Any]) -> Any:
        d = id(x)
        y = memo.get(d, nil)
        if y is not nil:
            return y
        assert py27_dict is not None
        result = cast(Any, py27_dict).__new__(py27_dict)
        for k, v in x.__dict__.items():
            setattr(result, k, enter(copy_keys, v, memo) if type(v) is py27_keys else deepcopy(v, memo))
        for key, value in dict.items(x):
            dict.__setitem__(result, key if type(key) in atomic else deepcopy(key, memo),
                             value if type(value) in atomic else deepcopy(value, memo))
        if result is not x:
            memo[d] = result
            keep_alive(x, memo)
        return result

    def deepcopy(x: Any, memo: dict[int, Any] | None = None, _nil: Any = nil) -> Any:
        cls = type(x)
        if cls in atomic:
            return x  # what copy.deepcopy returns (a memo never holds the id of a value copied to itself)
        if cls is not dict and cls is not list:
            if cls is py27_dict:
                return enter(copy_dict, x, {} if memo is None else memo)
            if cls is py27_keys:
                return enter(copy_keys, x, {} if memo is None else memo)
            return real(x, memo)
        if memo is None:
            memo = {}
        d = id(x)
        y = memo.get(d, _nil)
        if y is not _nil:
            return y
        if cls is dict:
            y = memo[d] = {}
            for key, value in x.items():
                y[key if type(key) in atomic else deepcopy(key, memo)] = \
                    value if type(value) in atomic else deepcopy(value, memo)
        else:
            y = memo[d] = []
            append = y.append
            for value in x:
                append(value if type(value) in atomic else deepcopy(value, memo))
        keep_alive(x, memo)
        return y

    return deepcopy


#: ``copy.deepcopy`` of plain data (a parsed template: dicts, lists, scalars) without its per-value
#: dispatch, anything else handed to ``copy.deepcopy``: the copy ``hook.cli.adapters.sam.expand``
#: makes of a template before samtranslator changes it.
plain_copy = _deepcopy(copy.deepcopy)


def _py27_classes(module: Any) -> tuple[type, type] | None:
    """samtranslator's ``(Py27Dict, Py27Keys)`` while their ``__deepcopy__`` are the ones
    :func:`_deepcopy` copies as (the names their code uses), else None (``copy.deepcopy`` copies them)."""
    pair = getattr(module, "Py27Dict", None), getattr(module, "Py27Keys", None)
    for cls, names in zip(pair, (PY27_DICT_NAMES, PY27_KEYS_NAMES), strict=True):
        code = getattr(vars(cls).get("__deepcopy__"), "__code__", None) if isinstance(cls, type) else None
        if code is None or code.co_names != names:
            return None
    return pair  # type: ignore[return-value]


class _NotPlain(GovhookError):
    """A value :func:`json_round_trip` leaves to the json module (never leaves it)."""

    def __init__(self) -> None:
        super().__init__("a value for the json module")


def _plain_json(value: Any) -> Any:
    cls = type(value)
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if cls is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str and not isinstance(key, str):
                raise _NotPlain()
            out[str.__str__(key)] = _plain_json(item)
        return out
    if cls is list:
        return [_plain_json(item) for item in value]
    if isinstance(value, str):
        return str.__str__(value)  # the encoder writes a str subclass's characters
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():  # the encoder asks a dict subclass for its items()
            if not isinstance(key, str):
                raise _NotPlain()
            out[str.__str__(key)] = _plain_json(item)
        return out
    if isinstance(value, list | tuple):
        return [_plain_json(item) for item in value]  # the encoder iterates a subclass (PySequence_Fast)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__int__(value)  # int's own repr, what the encoder writes for an int subclass
    if cls is float and value == value and value not in (_INF, -_INF):
        return value
    raise _NotPlain()


_INF = float("inf")


def json_round_trip(value: Any) -> Any:
    """``json.loads(json.dumps(value))`` (samtranslator's ``undo_mark_unicode_str_in_template``):
    dicts (a dict subclass's ``items()`` order: ``Py27Dict``'s Python 2.7 order), lists and tuples as
    lists, strings, ints and finite floats as plain ones, ``True``/``False``/``None``, every container
    a new one (nothing shared), a key met twice kept where it first was with its last value. Any
    other value (a non-string key, a float that is not finite, a type json would reject or a cycle)
    and the whole value goes through ``json`` itself, which answers or raises as it does."""
    import json

    try:
        return _plain_json(value)
    except (_NotPlain, RecursionError):
        return json.loads(json.dumps(value))


def _copy_modules() -> list[tuple[Any, str, Any]]:
    """(module, attribute, stand-in) for each loaded samtranslator module's ``copy`` (a module like
    ``copy`` whose ``deepcopy`` is :func:`_deepcopy`'s), ``deepcopy`` (from ``from copy import``) and
    any function that wraps ``copy.deepcopy`` (``functools.wraps``: its ``__wrapped__``), as the
    ``cw_timer`` decorator's wrapper does: with its metric not recorded (:func:`_no_metric`) it
    returns what ``copy.deepcopy`` returns."""
    from samtranslator.utils import py27hash_fix

    immutable = frozenset(cls for cls in (getattr(py27hash_fix, "Py27UniStr", None),
                                          getattr(py27hash_fix, "Py27LongInt", None))
                          if isinstance(cls, type) and _copies_to_itself(cls))
    fast = _deepcopy(copy.deepcopy, immutable, _py27_classes(py27hash_fix))
    shim = types.ModuleType("copy", copy.__doc__)
    shim.__dict__.update({k: v for k, v in copy.__dict__.items() if k not in ("__name__", "__doc__")})
    shim.deepcopy = fast  # type: ignore[attr-defined]
    out: list[tuple[Any, str, Any]] = []
    for name, module in list(sys.modules.items()):
        # type() and __dict__, not getattr: a lazily loaded module stays unloaded
        if not (name == "samtranslator" or name.startswith("samtranslator.")) or type(module) is not types.ModuleType:
            continue
        if module.__dict__.get("copy") is copy:
            out.append((module, "copy", shim))
        for attr, value in list(module.__dict__.items()):
            if value is copy.deepcopy or (type(value) is types.FunctionType
                                          and value.__dict__.get("__wrapped__") is copy.deepcopy):
                # ``from copy import deepcopy``, or deepcopy wrapped by cw_timer (the Swagger and
                # OpenAPI editors' ``_deepcopy``): its latency record is the no-op above
                out.append((module, attr, fast))
    return out


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
        *_copy_modules(),
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
