"""ACME's govhook rule pack. ``rules()`` is the ``govhook.rules`` entry point."""

from __future__ import annotations

from hook.sdk import RuleClass


def rules() -> list[RuleClass]:
    from govhook_rules_acme.function_name_convention import FunctionNameConvention
    from govhook_rules_acme.one_team_per_stack import OneTeamPerStack

    return [FunctionNameConvention, OneTeamPerStack]
