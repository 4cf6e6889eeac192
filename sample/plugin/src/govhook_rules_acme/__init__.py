"""ACME's govhook rule pack. ``rules()`` is the ``govhook.rules`` entry point."""

from __future__ import annotations

from hook.sdk import Rule


def rules() -> list[type[Rule]]:
    from govhook_rules_acme.function_name_convention import FunctionNameConvention

    return [FunctionNameConvention]
