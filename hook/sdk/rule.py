"""Rule classes: metadata as class data, ``evaluate`` yielding :class:`Violation` s."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from hook.core._record import Frozen
from hook.core.errors import GovhookError

if TYPE_CHECKING:
    from hook.sdk.context import ResourceContext, StackContext

Params = Mapping[str, Any]


class Severity(StrEnum):
    """Severity words of CloudFormation Hooks annotations (``severityLevel``), lower-cased."""

    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def annotation(self) -> str:
        """The word a hook annotation uses (``HIGH``)."""
        return self.value.upper()

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.INFORMATIONAL: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Action(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"


class RuleDefinitionError(GovhookError, TypeError):
    """A rule class is malformed (bad id, no resource types, invalid params_schema...)."""


class Violation(Frozen):
    """One way a target breaks a rule.

    ``path`` is a JSON pointer: into the resource's properties for a resource rule
    (``/Environment/Variables/DB_PASSWORD``), into the template for a stack rule
    (``/Resources/Fn/Properties/Timeout``). A stack rule names the resource in ``logical_id``.
    The message states the observed value and the requirement; ``remediation`` says the fix.
    """

    _fields = ("message", "path", "remediation", "logical_id", "advisory")
    message: str
    path: str
    remediation: str
    logical_id: str | None
    #: True for a heads-up the rule itself rates as a warning (a runtime deprecated in 60 days):
    #: reported, never blocking, whatever the rule's mode.
    advisory: bool

    def __init__(
        self,
        message: str,
        path: str = "",
        remediation: str = "",
        logical_id: str | None = None,
        advisory: bool = False,
    ) -> None:
        self.__dict__.update(
            message=message, path=path, remediation=remediation, logical_id=logical_id, advisory=advisory
        )


_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z0-9]+(?:-[a-z0-9]+)*$")


def _check_schema(schema: Any, where: str) -> None:
    from hook.core.schema import definition_problems  # the one schema module

    problems = definition_problems(schema, where)
    if problems:
        raise RuleDefinitionError(problems[0])


class _RuleBase:
    id: ClassVar[str]
    title: ClassVar[str]
    default_severity: ClassVar[Severity] = Severity.MEDIUM
    resource_types: ClassVar[tuple[str, ...]] = ()
    params_schema: ClassVar[Mapping[str, Any]] = {"type": "object", "properties": {}}
    remediation_url: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Actions the rule evaluates (DELETE only when a rule asks for it).
    actions: ClassVar[frozenset[Action]] = frozenset({Action.CREATE, Action.UPDATE})
    #: IAM actions the rule needs when it reads account facts (shown by ``govhook explain``).
    iam_actions: ClassVar[tuple[str, ...]] = ()
    #: Peer tools' ids for the same check, e.g. ``{"checkov": ("CKV_AWS_115",)}``.
    equivalents: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    #: The operational fact behind the rule, for the docs.
    rationale: ClassVar[str] = ""
    level: ClassVar[str] = "resource"
    #: Parameters taken from another rule's policy entry when this rule's entry does not set them,
    #: ``{param: other_rule_id}``: two rules that must agree read one setting (the runtime
    #: allow-list and the lifecycle rule's ``block_from``), so a policy cannot make them disagree.
    borrows: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def policy_warnings(cls, params: Mapping[str, Any], today: date) -> list[tuple[str, str]]:
        """``(param, message)`` warnings ``govhook policy validate`` gives for these literal params
        (a valid setting that contradicts another rule, say). None by default."""
        return []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "id" not in cls.__dict__:
            return  # an intermediate base class
        where = f"rule class {cls.__module__}.{cls.__qualname__}"
        if not isinstance(cls.id, str) or not _ID_PATTERN.match(cls.id):
            raise RuleDefinitionError(
                f"{where}: id {cls.id!r} must be '<namespace>.<kebab-slug>', e.g. 'lambda.memory-within-bounds'"
            )
        for alias in cls.aliases:
            if not isinstance(alias, str) or "." not in alias:
                raise RuleDefinitionError(f"{where}: alias {alias!r} must be a namespaced id")
        if not getattr(cls, "title", ""):
            raise RuleDefinitionError(f"{where}: title is required")
        if not isinstance(cls.default_severity, Severity):
            raise RuleDefinitionError(f"{where}: default_severity must be a Severity")
        if not cls.resource_types or not all(isinstance(t, str) and t for t in cls.resource_types):
            raise RuleDefinitionError(f"{where}: resource_types must name at least one type")
        _check_schema(cls.params_schema, f"{where} params_schema")
        if cls.params_schema.get("type", "object") != "object":
            raise RuleDefinitionError(f"{where}: params_schema must describe an object")

    @classmethod
    def namespace(cls) -> str:
        return cls.id.split(".", 1)[0]

    @classmethod
    def description(cls) -> str:
        """The class docstring: when the rule passes, fails and skips."""
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        props = cls.params_schema.get("properties", {})
        return {k: v["default"] for k, v in props.items() if isinstance(v, Mapping) and "default" in v}


class Rule(_RuleBase):
    """A resource rule: runs on one resource of one of ``resource_types``."""

    level: ClassVar[str] = "resource"

    def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
        raise NotImplementedError


class StackRule(_RuleBase):
    """A stack rule: runs on the whole raw template (STACK, CHANGE_SET and CLI).

    ``resource_types`` lists the types whose presence makes the rule relevant; a template with
    none of them is not evaluated (a stack built from ``serverless.yml``, one with
    :attr:`StackContext.framework`, also counts :data:`SERVERLESS_SERVICE_TYPE`).
    """

    level: ClassVar[str] = "stack"

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        raise NotImplementedError


RuleClass = type[Rule] | type[StackRule]


#: A pseudo resource type that a stack built from ``serverless.yml`` (one with a
#: :class:`ServerlessService` in ``framework``) counts among its types: a :class:`StackRule` about
#: the Framework's own settings declares it in ``resource_types`` and so runs only there (never at
#: the hook, which sees CloudFormation only).
SERVERLESS_SERVICE_TYPE = "Serverless::Service"
