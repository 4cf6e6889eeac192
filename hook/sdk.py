"""The rule SDK: the only module rule authors import.

A rule is a small class with declarative metadata and one method::

    class MemoryWithinBounds(Rule):
        \"\"\"PASS when MemorySize is within [min, max]; FAIL when outside; SKIP when unresolved.\"\"\"
        id = "lambda.memory-within-bounds"
        title = "Function memory stays within the organisation's bounds"
        default_severity = Severity.MEDIUM
        resource_types = ("AWS::Lambda::Function",)
        params_schema = {"type": "object", "properties": {"max": {"type": "integer"}}}

        def evaluate(self, ctx: ResourceContext, params: Params) -> Iterator[Violation]:
            memory = ctx.get_int("/MemorySize", default=128)
            if memory > params["max"]:
                yield Violation(f"MemorySize is {memory} MB; the maximum is {params['max']} MB",
                                path="/MemorySize", remediation="Lower MemorySize.")

Yield nothing = PASS, yield violations = FAIL, raise :class:`NotApplicable` = SKIP. A rule is a
pure function of its inputs: it keeps no state between calls and never mutates its input.
Account facts (account settings, versions of a function, ...) come through ``ctx.account``;
when they cannot be known the call raises :class:`FactUnavailable` and the engine turns it into
a SKIP that says why.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar, Protocol

from hook.core._record import Frozen
from hook.core.errors import GovhookError

__all__ = [
    "Action",
    "AccountFacts",
    "AccountSettings",
    "FactUnavailable",
    "InvalidValue",
    "NotApplicable",
    "OfflineAccount",
    "Params",
    "ResourceContext",
    "Rule",
    "RuleDefinitionError",
    "Severity",
    "StackContext",
    "SERVERLESS_METADATA_KEY",
    "SERVERLESS_SERVICE_TYPE",
    "StackRule",
    "Unresolved",
    "ValueUnknown",
    "Violation",
    "as_bool",
    "as_int",
    "as_list",
    "as_str",
    "is_unresolved",
    "json_pointer",
    "pointer_get",
    "template_types",
]

Params = Mapping[str, Any]

#: "Not given": a fresh default per instance (what a dataclass ``default_factory`` gave).
_NEW: Any = object()

#: The keys of a one-key mapping that make it an unresolved CloudFormation intrinsic function.
INTRINSIC_KEYS = frozenset(
    {
        "Ref",
        "Condition",
        "Fn::Base64",
        "Fn::Cidr",
        "Fn::FindInMap",
        "Fn::ForEach",
        "Fn::GetAtt",
        "Fn::GetAZs",
        "Fn::If",
        "Fn::ImportValue",
        "Fn::Join",
        "Fn::Length",
        "Fn::Select",
        "Fn::Split",
        "Fn::Sub",
        "Fn::ToJsonString",
        "Fn::Transform",
        "Fn::And",
        "Fn::Equals",
        "Fn::Not",
        "Fn::Or",
    }
)


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


class InvalidValue(ValueError):
    """A property holds a value of the wrong kind (``MemorySize: "lots"``).

    Raised by the ``as_*`` helpers; the engine reports it as a FAIL at that path, since
    CloudFormation would reject the value too.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class NotApplicable(Exception):
    """Raised by a rule to SKIP, with the reason a person will read."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FactUnavailable(NotApplicable):
    """An account fact cannot be known (offline, no permission, API error): the rule SKIPs."""


class ValueUnknown(NotApplicable):
    """A value the rule needs is not known before deployment (an unresolved intrinsic or parameter):
    the rule SKIPs, and the CLI shows the skip by default, since it is a gap in what was checked.
    The ``ctx.get_*`` helpers raise it; raise it yourself (not plain NotApplicable) for the same case."""


class Unresolved:
    """A value the adapter could not resolve (an intrinsic, a parameter without default...).

    Rules never guess: reading an unresolved value through the ``ctx`` helpers raises
    :class:`NotApplicable` naming the path and the expression.
    """

    __slots__ = ("expr", "reason", "resource_type")

    def __init__(self, expr: Any, reason: str = "", resource_type: str | None = None) -> None:
        self.expr = expr
        self.reason = reason
        #: For a ``GetAtt`` of a resource in the template: that resource's type. The value is not
        #: known, but what it is an attribute of is (``!GetAtt Queue.Arn`` is an SQS queue's ARN).
        self.resource_type = resource_type

    def describe(self) -> str:
        text = _short_expr(self.expr)
        return f"{text} ({self.reason})" if self.reason else text

    def __repr__(self) -> str:
        return f"Unresolved({self.describe()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolved) and other.expr == self.expr

    def __hash__(self) -> int:
        return hash(repr(self.expr))


def _short_expr(expr: Any) -> str:
    if isinstance(expr, Mapping) and len(expr) == 1:
        key, value = next(iter(expr.items()))
        if key == "Ref":
            return f"!Ref {value}"
        if isinstance(key, str) and key.startswith("Fn::"):
            short = str(value) if not isinstance(value, list | dict) else _compact(value)
            return f"!{key[4:]} {short}"
    return _compact(expr)


def _compact(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_unresolved(value: Any) -> bool:
    """True for a value nobody can know before deployment.

    That is an :class:`Unresolved` marker (CLI), or a raw intrinsic function such as
    ``{"Ref": "Memory"}`` (STACK-level templates arrive unresolved).
    """
    kind = type(value)
    if kind is dict:  # the common cases first, without the Mapping ABC check
        return len(value) == 1 and next(iter(value)) in INTRINSIC_KEYS
    if kind is str or kind is int or kind is list or kind is bool or value is None:
        return False
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, Mapping) and len(value) == 1:
        key = next(iter(value))
        return key in INTRINSIC_KEYS
    return False


def describe_value(value: Any) -> str:
    """A short human rendering of a property value for messages."""
    if isinstance(value, Unresolved):
        return value.describe()
    if is_unresolved(value):
        return _short_expr(value)
    if isinstance(value, str):
        return repr(value)
    return _compact(value)


def _unresolved(path: str, value: Any) -> NotApplicable:
    where = path or "value"
    return ValueUnknown(f"{where} is not known before deployment: {describe_value(value)}")


def as_int(value: Any, path: str = "") -> int | None:
    """An integer from ``128`` or ``"128"``; None when absent.

    Raises NotApplicable for an unresolved value and InvalidValue for anything that is not an
    integer (``"12x"``, ``True``).
    """
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        raise InvalidValue(f"{path or 'value'} must be an integer, got {value!r}", path)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    raise InvalidValue(f"{path or 'value'} must be an integer, got {value!r}", path)


def as_bool(value: Any, path: str = "") -> bool | None:
    """A boolean from ``true`` or ``"true"`` (any case); None when absent."""
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise InvalidValue(f"{path or 'value'} must be a boolean, got {value!r}", path)


def as_str(value: Any, path: str = "") -> str | None:
    """A string (numbers are turned into their text); None when absent."""
    if value is None:
        return None
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise InvalidValue(f"{path or 'value'} must be a string, got {_compact(value)}", path)


def as_list(value: Any, path: str = "") -> list[Any]:
    """A list; a comma-separated string is split (SSM StringList); absent gives []."""
    if value is None:
        return []
    if is_unresolved(value):
        raise _unresolved(path, value)
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return list(value)
    raise InvalidValue(f"{path or 'value'} must be a list, got {_compact(value)}", path)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def json_pointer(*parts: str | int) -> str:
    """Build a JSON pointer: ``json_pointer("Environment", "Variables", "A/B")``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_MISSING = object()


#: Pointer -> its unescaped tokens. Rules read the same few dozen literal pointers on every
#: resource; bounded so pointers built from data cannot grow it without limit.
_TOKENS: dict[str, tuple[str, ...]] = {}


def _tokens(pointer: str) -> tuple[str, ...]:
    tokens = _TOKENS.get(pointer)
    if tokens is None:
        tokens = tuple(_unescape(raw) for raw in pointer.lstrip("/").split("/"))
        if len(_TOKENS) < 4096:
            _TOKENS[pointer] = tokens
    return tokens


def pointer_get(document: Any, pointer: str, default: Any = None) -> Any:
    """The value at a JSON pointer, or ``default`` when any step is missing."""
    return _walk(document, pointer, default, False)


def _get_known(document: Any, pointer: str, default: Any) -> Any:
    """The value at ``pointer``; where the walk stops on an unresolved value (``TracingConfig: !If
    [...]`` on the way to ``/TracingConfig/Mode``), that value; else ``default``. One walk: rules
    read absent properties on every resource."""
    return _walk(document, pointer, default, True)


def _walk(document: Any, pointer: str, default: Any, stop_on_unresolved: bool) -> Any:
    if pointer in ("", "/"):
        return document
    node = document
    for token in _tokens(pointer):
        # ``type(node) is dict`` first: the common case, without the Mapping ABC check.
        if type(node) is dict or isinstance(node, Mapping):
            nxt = node.get(token, _MISSING)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            nxt = node[int(token)]
        else:
            nxt = _MISSING
        if nxt is _MISSING:
            return node if stop_on_unresolved and is_unresolved(node) else default
        node = nxt
    return node


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


class AccountSettings(Frozen):
    """``lambda:GetAccountSettings``, flattened."""

    _fields = ("total_code_size_limit", "code_size_unzipped_limit", "code_size_zipped_limit",
               "concurrent_executions_limit", "unreserved_concurrent_executions", "total_code_size_usage",
               "function_count")
    total_code_size_limit: int
    code_size_unzipped_limit: int
    code_size_zipped_limit: int
    concurrent_executions_limit: int
    unreserved_concurrent_executions: int
    total_code_size_usage: int
    function_count: int

    def __init__(
        self,
        total_code_size_limit: int,
        code_size_unzipped_limit: int,
        code_size_zipped_limit: int,
        concurrent_executions_limit: int,
        unreserved_concurrent_executions: int,
        total_code_size_usage: int,
        function_count: int,
    ) -> None:
        self.__dict__.update(
            total_code_size_limit=total_code_size_limit, code_size_unzipped_limit=code_size_unzipped_limit,
            code_size_zipped_limit=code_size_zipped_limit, concurrent_executions_limit=concurrent_executions_limit,
            unreserved_concurrent_executions=unreserved_concurrent_executions,
            total_code_size_usage=total_code_size_usage, function_count=function_count,
        )


class AccountFacts(Protocol):
    """What a rule may ask about the account. Every method raises FactUnavailable when unknown."""

    def account_settings(self) -> AccountSettings: ...

    def function_versions(self, function_name: str) -> list[str]:
        """Published version numbers of a function (without ``$LATEST``)."""
        ...

    def function_concurrency(self, function_name: str) -> int | None:
        """The function's reserved concurrency; None when the function has none reserved
        (or does not exist yet)."""
        ...


class OfflineAccount:
    """The account as the CLI sees it without ``--aws``: every fact is unknown."""

    def __init__(self, reason: str = "account facts are not available offline (use --aws)") -> None:
        self.reason = reason

    def account_settings(self) -> AccountSettings:
        raise FactUnavailable(self.reason)

    def function_versions(self, function_name: str) -> list[str]:
        raise FactUnavailable(self.reason)

    def function_concurrency(self, function_name: str) -> int | None:
        raise FactUnavailable(self.reason)


class _Reader:
    """Typed readers over a properties mapping; unresolved values raise NotApplicable."""

    properties: Mapping[str, Any]

    def get(self, pointer: str, default: Any = None) -> Any:
        """The value at ``pointer``; when a value on the way is unresolved (``TracingConfig: !If
        [...]``), that value: what lies under it is not known, so it is not ``default`` either."""
        return _get_known(self.properties, pointer, default)

    def has(self, pointer: str) -> bool:
        return pointer_get(self.properties, pointer, _MISSING) is not _MISSING

    def get_int(self, pointer: str, default: int | None = None) -> int | None:
        value = as_int(self.get(pointer), pointer)
        return default if value is None else value

    def get_bool(self, pointer: str, default: bool | None = None) -> bool | None:
        value = as_bool(self.get(pointer), pointer)
        return default if value is None else value

    def get_str(self, pointer: str, default: str | None = None) -> str | None:
        value = as_str(self.get(pointer), pointer)
        return default if value is None else value

    def get_list(self, pointer: str) -> list[Any]:
        return as_list(self.get(pointer), pointer)


def tags_of(value: Any) -> dict[str, Any]:
    """Tags as a dict, from CloudFormation's ``[{Key, Value}]`` list or SAM's map."""
    if isinstance(value, Mapping) and not is_unresolved(value):
        return {str(k): v for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, Any] = {}
        for item in value:
            if isinstance(item, Mapping) and "Key" in item and not is_unresolved(item.get("Key")):
                out[str(item["Key"])] = item.get("Value")
        return out
    return {}


class ResourceContext(Frozen, _Reader):
    """What a resource rule sees: one resource, as CloudFormation's resource hook sees it."""

    _fields = ("resource_type", "logical_id", "action", "properties", "previous_properties", "stack_name",
               "account_id", "region", "account", "today")
    resource_type: str
    logical_id: str
    action: Action
    properties: Mapping[str, Any]
    previous_properties: Mapping[str, Any] | None
    stack_name: str | None
    account_id: str | None
    region: str | None
    account: AccountFacts
    today: date

    def __init__(
        self,
        resource_type: str,
        logical_id: str,
        action: Action,
        properties: Mapping[str, Any],
        previous_properties: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        account: AccountFacts = _NEW,
        today: date = _NEW,
    ) -> None:
        self.__dict__.update(
            resource_type=resource_type, logical_id=logical_id, action=action, properties=properties,
            previous_properties=previous_properties, stack_name=stack_name, account_id=account_id, region=region,
            account=OfflineAccount() if account is _NEW else account, today=date.today() if today is _NEW else today,
        )

    @property
    def tags(self) -> dict[str, Any]:
        return tags_of(self.properties.get("Tags"))

    def previous(self, pointer: str, default: Any = None) -> Any:
        """A value from the properties before this UPDATE (``default`` on CREATE)."""
        if self.previous_properties is None:
            return default
        return pointer_get(self.previous_properties, pointer, default)


class StackContext(Frozen):
    """What a stack rule sees: the raw template, as the STACK hook receives it.

    Intrinsics are unresolved and SAM is unexpanded (``AWS::Serverless::Function`` appears as
    such, with ``Globals``).
    """

    _fields = ("template", "stack_name", "previous_template", "account_id", "region", "account", "today")
    template: Mapping[str, Any]
    stack_name: str | None
    previous_template: Mapping[str, Any] | None
    account_id: str | None
    region: str | None
    account: AccountFacts
    today: date

    def __init__(
        self,
        template: Mapping[str, Any],
        stack_name: str | None = None,
        previous_template: Mapping[str, Any] | None = None,
        account_id: str | None = None,
        region: str | None = None,
        account: AccountFacts = _NEW,
        today: date = _NEW,
    ) -> None:
        self.__dict__.update(
            template=template, stack_name=stack_name, previous_template=previous_template, account_id=account_id,
            region=region, account=OfflineAccount() if account is _NEW else account,
            today=date.today() if today is _NEW else today,
        )

    @cached_property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        """Computed once per context: rules look resources up in loops."""
        resources = self.template.get("Resources")
        if not isinstance(resources, Mapping):
            return {}
        return {k: v for k, v in resources.items() if isinstance(v, Mapping)}

    @property
    def parameters(self) -> Mapping[str, Any]:
        value = self.template.get("Parameters")
        return value if isinstance(value, Mapping) else {}

    @property
    def conditions(self) -> Mapping[str, Any]:
        value = self.template.get("Conditions")
        return value if isinstance(value, Mapping) else {}

    @cached_property
    def globals(self) -> Mapping[str, Any]:
        """SAM ``Globals`` (empty when absent)."""
        value = self.template.get("Globals")
        return value if isinstance(value, Mapping) else {}

    @property
    def is_sam(self) -> bool:
        transform = self.template.get("Transform")
        names = transform if isinstance(transform, list) else [transform]
        return any(isinstance(n, str) and n.startswith("AWS::Serverless") for n in names)

    def resources_of_type(self, *types: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """``(logical_id, resource)`` for each resource of the given types, in template order."""
        for logical_id, resource in self.resources.items():
            if resource.get("Type") in types:
                yield logical_id, resource

    def properties_of(self, logical_id: str) -> Mapping[str, Any]:
        resource = self.resources.get(logical_id, {})
        props = resource.get("Properties")
        return props if isinstance(props, Mapping) else {}

    def function_property(self, logical_id: str, name: str, default: Any = None) -> Any:
        """A function property, falling back to SAM ``Globals.Function`` for SAM functions."""
        resource = self.resources.get(logical_id, {})
        props = self.properties_of(logical_id)
        if name in props:
            return props[name]
        if resource.get("Type") == "AWS::Serverless::Function":
            glob = self.globals.get("Function")
            if isinstance(glob, Mapping) and name in glob:
                return glob[name]
        return default

    def referenced_id(self, value: Any) -> str | None:
        """The logical id a ``Ref``/``GetAtt``/``Sub`` of a whole resource points at, if any."""
        if isinstance(value, Mapping) and len(value) == 1:
            key, arg = next(iter(value.items()))
            if key == "Ref" and isinstance(arg, str):
                return arg if arg in self.resources else None
            if key == "Fn::GetAtt":
                if isinstance(arg, list) and arg and isinstance(arg[0], str):
                    return arg[0] if arg[0] in self.resources else None
                if isinstance(arg, str):
                    head = arg.split(".", 1)[0]
                    return head if head in self.resources else None
            if key == "Fn::Sub" and isinstance(arg, str):
                match = re.fullmatch(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}", arg)
                if match and match.group(1) in self.resources:
                    return match.group(1)
        return None


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
    none of them is not evaluated (see :func:`template_types`: a template built from
    ``serverless.yml`` also counts :data:`SERVERLESS_SERVICE_TYPE`).
    """

    level: ClassVar[str] = "stack"

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        raise NotImplementedError


RuleClass = type[Rule] | type[StackRule]


def violations(items: Sequence[Violation]) -> Iterator[Violation]:
    """Yield from a precomputed list (handy in rules that collect first)."""
    yield from items


#: Where ``govhook check serverless.yml`` keeps the Serverless Framework's configuration in the
#: template it synthesizes (``Metadata["govhook:serverless"]``: service, stage, region, config).
SERVERLESS_METADATA_KEY = "govhook:serverless"
#: A pseudo resource type that a template synthesized from ``serverless.yml`` counts among its
#: types: a :class:`StackRule` about the Framework's own settings declares it in ``resource_types``
#: and so runs only there (never at the hook, which sees CloudFormation only).
SERVERLESS_SERVICE_TYPE = "Serverless::Service"


def template_types(template: Mapping[str, Any]) -> set[str]:
    """The resource types present in a template, plus :data:`SERVERLESS_SERVICE_TYPE` when it was
    synthesized from ``serverless.yml``: what decides whether a stack rule is relevant."""
    resources = template.get("Resources")
    types = {r["Type"] for r in resources.values() if isinstance(r, Mapping) and isinstance(r.get("Type"), str)} \
        if isinstance(resources, Mapping) else set()
    metadata = template.get("Metadata")
    if isinstance(metadata, Mapping) and SERVERLESS_METADATA_KEY in metadata:
        types.add(SERVERLESS_SERVICE_TYPE)
    return types
