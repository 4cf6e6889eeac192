"""The rule SDK: the only package rule authors import (``from hook.sdk import ...``).

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

Everything a rule needs is importable from ``hook.sdk`` itself (``__all__`` lists it exactly); the
submodules group it by job: :mod:`~hook.sdk.rule` (rule classes, violations, severities),
:mod:`~hook.sdk.context` (what a rule sees), :mod:`~hook.sdk.values` (unresolved values, the typed
readers and JSON pointers) and :mod:`~hook.sdk.helpers` (what the built-in rules share: references
in a template, bounds, event source kinds, the runtime schedule). Few modules on purpose: each
one is an import on the hook's cold start.
"""

from __future__ import annotations

from hook.sdk.cdk import CdkFunction, cdk_framework_function
from hook.sdk.context import (
    AccountFacts,
    AccountSettings,
    OfflineAccount,
    ResourceContext,
    ServerlessService,
    StackContext,
    tags_of,
)
from hook.sdk.helpers import (
    FUNCTION_TYPES,
    event_source_kind,
    function_timeout,
    may_be_absent,
    referenced_ids,
    runtime_lifecycle,
    sam_events,
    within_bounds,
)
from hook.sdk.rule import (
    SERVERLESS_SERVICE_TYPE,
    Action,
    Params,
    Rule,
    RuleClass,
    RuleDefinitionError,
    Severity,
    StackRule,
    Violation,
)
from hook.sdk.runtimes import (
    SUPPORTED_RUNTIMES,
    expand_allowed_runtimes,
    newest_runtime_successor,
    offered_runtimes,
    runtime_blocked_on,
)
from hook.sdk.values import (
    FactUnavailable,
    InvalidValue,
    NotApplicable,
    Unresolved,
    ValueUnknown,
    as_bool,
    as_int,
    as_list,
    as_str,
    describe_value,
    is_unresolved,
    json_pointer,
    pointer_get,
    pointer_tokens,
)

__all__ = [
    # rule classes and what they yield
    "Rule",
    "StackRule",
    "CdkFunction",
    "cdk_framework_function",
    "RuleClass",
    "Params",
    "Violation",
    "Severity",
    "Action",
    "NotApplicable",
    "RuleDefinitionError",
    "SERVERLESS_SERVICE_TYPE",
    # what a rule sees
    "ResourceContext",
    "StackContext",
    "ServerlessService",
    "AccountFacts",
    "AccountSettings",
    "OfflineAccount",
    "FactUnavailable",
    # values
    "Unresolved",
    "ValueUnknown",
    "InvalidValue",
    "is_unresolved",
    "describe_value",
    "as_int",
    "as_bool",
    "as_str",
    "as_list",
    "tags_of",
    # JSON pointers
    "json_pointer",
    "pointer_get",
    "pointer_tokens",
    # helpers the built-in rules share
    "FUNCTION_TYPES",
    "referenced_ids",
    "function_timeout",
    "sam_events",
    "may_be_absent",
    "within_bounds",
    "event_source_kind",
    "runtime_lifecycle",
    "runtime_blocked_on",
    "expand_allowed_runtimes",
    "newest_runtime_successor",
    "offered_runtimes",
    "SUPPORTED_RUNTIMES",
]
