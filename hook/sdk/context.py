"""What a rule sees: a resource or a whole stack, the account facts, the Serverless Framework's view."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from functools import cached_property
from typing import Any, Protocol

from hook.core._record import Frozen
from hook.sdk.rule import Action
from hook.sdk.values import (
    MISSING,
    FactUnavailable,
    as_bool,
    as_int,
    as_list,
    as_str,
    get_known,
    is_unresolved,
    pointer_get,
)

#: "Not given": a fresh default per instance (what a dataclass ``default_factory`` gave).
_NEW: Any = object()

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
        return get_known(self.properties, pointer, default)

    def has(self, pointer: str) -> bool:
        return pointer_get(self.properties, pointer, MISSING) is not MISSING

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


class ServerlessService(Frozen):
    """The Serverless Framework's view of a stack built from ``serverless.yml`` (``govhook check``).

    ``service``, ``stage`` and ``region`` as the Framework resolves them (an :class:`Unresolved`
    marker when a ``${...}`` variable is only known at deploy time), and ``config``: the whole
    serverless.yml with its variables resolved. A stack rule reads it as ``ctx.framework``; it is
    ``None`` for a CloudFormation or SAM template and always at the hook.
    """

    _fields = ("service", "stage", "region", "config")
    service: Any
    stage: Any
    region: Any
    config: Mapping[str, Any]

    def __init__(self, service: Any, stage: Any, region: Any, config: Mapping[str, Any]) -> None:
        self.__dict__.update(service=service, stage=stage, region=region, config=config)


class StackContext(Frozen):
    """What a stack rule sees: the raw template, as the STACK hook receives it.

    Intrinsics are unresolved and SAM is unexpanded (``AWS::Serverless::Function`` appears as
    such, with ``Globals``). ``framework`` holds the Serverless Framework's view
    (:class:`ServerlessService`) when the stack was built from ``serverless.yml``, else ``None``.
    """

    _fields = ("template", "stack_name", "previous_template", "account_id", "region", "account", "today",
               "framework")
    template: Mapping[str, Any]
    stack_name: str | None
    previous_template: Mapping[str, Any] | None
    account_id: str | None
    region: str | None
    account: AccountFacts
    today: date
    framework: ServerlessService | None

    def __init__(
        self,
        template: Mapping[str, Any],
        stack_name: str | None = None,
        previous_template: Mapping[str, Any] | None = None,
        account_id: str | None = None,
        region: str | None = None,
        account: AccountFacts = _NEW,
        today: date = _NEW,
        framework: ServerlessService | None = None,
    ) -> None:
        self.__dict__.update(
            template=template, stack_name=stack_name, previous_template=previous_template, account_id=account_id,
            region=region, account=OfflineAccount() if account is _NEW else account,
            today=date.today() if today is _NEW else today, framework=framework,
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
