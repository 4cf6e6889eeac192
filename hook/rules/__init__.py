"""govhook's built-in rules: one rule per module.

Registered through the ``govhook.rules`` entry point (``lambda = "hook.rules:catalogue"``),
exactly like a third-party pack. Nothing here registers on import: :func:`catalogue` imports
the modules listed in ``_MODULES`` and returns their rule classes.
"""

from __future__ import annotations

from importlib import import_module

from hook.sdk import RuleClass

#: ``module:Class`` for every built-in rule, in catalogue order.
_MODULES: tuple[str, ...] = (
    # -- runtimes, sizing, concurrency, version hygiene (the mission rules) --
    "runtime_allowed:RuntimeAllowed",
    "runtime_supported:RuntimeSupported",
    "runtime_updates_automatic:RuntimeUpdatesAutomatic",
    "memory_within_bounds:MemoryWithinBounds",
    "timeout_within_bounds:TimeoutWithinBounds",
    "ephemeral_storage_within_bounds:EphemeralStorageWithinBounds",
    "reserved_concurrency_within_bounds:ReservedConcurrencyWithinBounds",
    "unreserved_concurrency_headroom:UnreservedConcurrencyHeadroom",
    "reserved_concurrency_stack_budget:ReservedConcurrencyStackBudget",
    "versions_not_retained:VersionsNotRetained",
    "version_functions_disabled:VersionFunctionsDisabled",
    "version_has_alias:VersionHasAlias",
    "versions_per_function_max:VersionsPerFunctionMax",
    "code_storage_headroom:CodeStorageHeadroom",
    "api_timeout_within_integration_limit:ApiTimeoutWithinIntegrationLimit",
    "sqs_visibility_covers_timeout:SqsVisibilityCoversTimeout",
    # -- invocation, event sources, exposure, secrets --
    "permission_not_public:PermissionNotPublic",
    "function_url_auth_iam:FunctionUrlAuthIam",
    "env_no_plaintext_secrets:EnvNoPlaintextSecrets",
    "env_no_noecho_defaults:EnvNoNoechoDefaults",
    "env_within_limits:EnvWithinLimits",
    "tracing_active:TracingActive",
    "architecture_allowed:ArchitectureAllowed",
    "env_encrypted_with_cmk:EnvEncryptedWithCmk",
    "sqs_maximum_concurrency_set:SqsMaximumConcurrencySet",
    "esm_failure_destination:EsmFailureDestination",
    "async_failure_handled:AsyncFailureHandled",
    "event_invoke_config_within_bounds:EventInvokeConfigWithinBounds",
    "esm_batch_size_within_bounds:EsmBatchSizeWithinBounds",
    "layer_runtimes_supported:LayerRuntimesSupported",
    # -- operations, identity, supply chain --
    "tags_required:TagsRequired",
    "vpc_attached:VpcAttached",
    "vpc_subnets_multi_az:VpcSubnetsMultiAz",
    "layers_allowed:LayersAllowed",
    "code_signing_required:CodeSigningRequired",
    "snapstart_for_java:SnapstartForJava",
    "provisioned_concurrency_within_bounds:ProvisionedConcurrencyWithinBounds",
    "recursive_loop_terminate:RecursiveLoopTerminate",
    "logging_configured:LoggingConfigured",
    "log_retention_within_bounds:LogRetentionWithinBounds",
    "role_least_privilege:RoleLeastPrivilege",
)


def catalogue() -> list[RuleClass]:
    rules: list[RuleClass] = []
    for spec in _MODULES:
        module, name = spec.split(":")
        rules.append(getattr(import_module(f"hook.rules.{module}"), name))
    return rules
