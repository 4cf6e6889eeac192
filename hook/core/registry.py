"""Rule discovery through the ``govhook.rules`` entry-point group.

Built-in rules register exactly like third-party packs: ``lambda = "hook.rules:catalogue"``.
An entry point loads to a rule class, an iterable of rule classes, or a callable returning one.
The entry-point name is the id namespace of every rule it provides. Discovery is deterministic
(sorted by entry-point name), happens in separate find / load / validate steps, and refuses
duplicate ids and aliases. Nothing registers itself on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hook.core._record import Frozen
from hook.core.entry_points import scan_entry_points
from hook.core.errors import GovhookError
from hook.sdk import Rule, RuleClass, StackRule

__all__ = ["ENTRY_POINT_GROUP", "Registry", "RegistryError", "RuleClass"]

ENTRY_POINT_GROUP = "govhook.rules"


class RegistryError(GovhookError):
    """A rule pack is broken: it cannot load, or its rules clash with others."""


class _Provided(Frozen):
    _fields = ("rule", "pack", "origin")
    rule: RuleClass
    pack: str  # entry-point name (= namespace)
    origin: str  # entry-point value, for messages

    def __init__(self, rule: RuleClass, pack: str, origin: str) -> None:
        self.__dict__.update(rule=rule, pack=pack, origin=origin)


def _as_rules(obj: Any, origin: str) -> list[RuleClass]:
    if isinstance(obj, type) and issubclass(obj, Rule | StackRule):
        return [obj]
    if callable(obj) and not isinstance(obj, type):
        obj = obj()
    if isinstance(obj, Iterable) and not isinstance(obj, str | bytes):
        out: list[RuleClass] = []
        for item in obj:
            if not (isinstance(item, type) and issubclass(item, Rule | StackRule)):
                raise RegistryError(f"{origin} provides {item!r}, which is not a Rule or StackRule class")
            if "id" not in item.__dict__:
                raise RegistryError(f"{origin} provides {item.__qualname__}, which has no id")
            out.append(item)
        return out
    raise RegistryError(f"{origin} must load to a rule class, a list of them, or a function returning one")


class Registry:
    """The rules known to this process, by id and alias."""

    def __init__(self) -> None:
        self._by_id: dict[str, _Provided] = {}
        self._aliases: dict[str, str] = {}

    # -- building -----------------------------------------------------------------------------

    def add(self, rule: RuleClass, pack: str | None = None, origin: str = "<direct>") -> None:
        """Add one rule; ``pack`` (the entry-point name) must be the rule's namespace."""
        namespace = rule.namespace()
        if pack is not None and namespace != pack:
            raise RegistryError(
                f"rule {rule.id} comes from the '{pack}' plugin ({origin}) but its namespace is "
                f"'{namespace}': a plugin registered as '{pack}' may only provide '{pack}.*' rules"
            )
        for name in (rule.id, *rule.aliases):
            if name in self._by_id:
                other = self._by_id[name]
                raise RegistryError(
                    f"duplicate rule id {name!r}: {origin} and {other.origin} both provide it"
                )
            if name in self._aliases:
                holder = self._by_id[self._aliases[name]]
                raise RegistryError(
                    f"duplicate rule id {name!r}: {origin} uses it, and it is an alias of "
                    f"{holder.rule.id} from {holder.origin}"
                )
        self._by_id[rule.id] = _Provided(rule, pack or namespace, origin)
        for alias in rule.aliases:
            self._aliases[alias] = rule.id

    @classmethod
    def from_rules(cls, rules: Iterable[RuleClass]) -> Registry:
        reg = cls()
        for rule in rules:
            reg.add(rule)
        return reg

    @classmethod
    def discover(
        cls,
        group: str = ENTRY_POINT_GROUP,
        *,
        entry_points: Callable[[], Iterable[Any]] | None = None,
    ) -> Registry:
        """Find, load and validate every rule pack installed in this environment."""
        if entry_points is None:
            found = scan_entry_points(group)
        else:
            found = list(entry_points())
        # Deterministic order; the same pack installed twice (editable + regular) counts once.
        unique: dict[tuple[str, str], Any] = {}
        for ep in sorted(found, key=lambda e: (e.name, e.value)):
            unique.setdefault((ep.name, ep.value), ep)
        names = [name for name, _ in unique]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise RegistryError(
                f"more than one plugin registers the namespace {dupes[0]!r} in {group}: "
                + ", ".join(v for (n, v) in unique if n == dupes[0])
            )
        reg = cls()
        for (name, value), ep in unique.items():
            origin = f"plugin '{name}' ({value})"
            try:
                loaded = ep.load()
            except Exception as exc:  # a broken plugin is a clear error, not a traceback
                raise RegistryError(f"{origin} failed to load: {type(exc).__name__}: {exc}") from exc
            try:
                rules = _as_rules(loaded, origin)
            except RegistryError:
                raise
            except Exception as exc:
                raise RegistryError(f"{origin} failed to list its rules: {type(exc).__name__}: {exc}") from exc
            for rule in rules:
                reg.add(rule, pack=name, origin=origin)
        return reg

    # -- reading ------------------------------------------------------------------------------

    def canonical(self, rule_id: str) -> str | None:
        """The current id for an id or an alias; None when unknown."""
        if rule_id in self._by_id:
            return rule_id
        return self._aliases.get(rule_id)

    def get(self, rule_id: str) -> RuleClass | None:
        canonical = self.canonical(rule_id)
        return self._by_id[canonical].rule if canonical else None

    def pack_of(self, rule_id: str) -> str | None:
        canonical = self.canonical(rule_id)
        return self._by_id[canonical].pack if canonical else None

    def ids(self) -> list[str]:
        return sorted(self._by_id)

    def all_names(self) -> list[str]:
        """Ids and aliases (for did-you-mean)."""
        return sorted([*self._by_id, *self._aliases])

    def __iter__(self) -> Iterator[RuleClass]:
        for rule_id in self.ids():
            yield self._by_id[rule_id].rule

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, rule_id: object) -> bool:
        return isinstance(rule_id, str) and self.canonical(rule_id) is not None


_default: Registry | None = None


def default_registry() -> Registry:
    """The discovered registry, loaded once per process (warm Lambda invocations reuse it)."""
    global _default
    if _default is None:
        _default = Registry.discover()
    return _default


def clear_registry_cache() -> None:
    global _default
    _default = None
