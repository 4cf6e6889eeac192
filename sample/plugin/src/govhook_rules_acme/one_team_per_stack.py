"""acme.one-team-per-stack: every function in a stack belongs to the same team."""

from __future__ import annotations

from collections.abc import Iterator

from hook.sdk import (
    FUNCTION_TYPES,
    NotApplicable,
    Params,
    Severity,
    StackContext,
    StackRule,
    Violation,
    describe_value,
    is_unresolved,
    json_pointer,
    tags_of,
)


class OneTeamPerStack(StackRule):
    """Every function in a stack carries the owner tag (``tag``, default ``team``), with one value.

    ACME pages the owner of a stack when it breaks; a stack whose functions belong to two teams
    (or to nobody) pages the wrong people. SAM functions also inherit ``Globals.Function.Tags``.

    - PASS when every function has the tag and all name the same team.
    - FAIL for each function without the tag, and, when functions name several teams, for each
      function whose team differs from the first function's.
    - SKIP when a function's tags or team are not known before deployment (``!Ref Team``) and
      nothing else fails.
    """

    id = "acme.one-team-per-stack"
    title = "Every function in a stack belongs to one team"
    default_severity = Severity.LOW
    resource_types = FUNCTION_TYPES
    remediation_url = "https://wiki.acme.example/platform/ownership"
    params_schema = {
        "type": "object",
        "properties": {"tag": {"type": "string", "default": "team", "description": "The owner tag's key."}},
        "additionalProperties": False,
    }

    def evaluate(self, ctx: StackContext, params: Params) -> Iterator[Violation]:
        key = params["tag"]
        teams: dict[str, str] = {}  # logical id -> team, in template order
        unknown: list[str] = []
        missing: list[str] = []
        for logical_id, _ in ctx.resources_of_type(*FUNCTION_TYPES):
            raw = ctx.function_property(logical_id, "Tags")
            if is_unresolved(raw):
                unknown.append(f"the tags of {logical_id} are {describe_value(raw)}")
                continue
            team = tags_of(raw).get(key)
            if team is None:
                missing.append(logical_id)
            elif is_unresolved(team):
                unknown.append(f"{logical_id}'s {key} tag is {describe_value(team)}")
            else:
                teams[logical_id] = str(team)
        for logical_id in missing:
            yield Violation(
                f"function {logical_id} has no '{key}' tag: nobody is paged when it breaks",
                path=json_pointer("Resources", logical_id, "Properties", "Tags"),
                remediation=f"Tag {logical_id} with {key}: <the owning team>.",
                logical_id=logical_id,
            )
        names = sorted(set(teams.values()))
        if len(names) > 1:
            first = next(iter(teams.values()))
            for logical_id, team in teams.items():
                if team != first:
                    yield Violation(
                        f"function {logical_id} belongs to team '{team}', but this stack's functions belong to "
                        f"{', '.join(repr(n) for n in names)}: one stack, one owner",
                        path=json_pointer("Resources", logical_id, "Properties", "Tags"),
                        remediation=f"Move {logical_id} to a stack of team '{team}', or tag it {key}: {first}.",
                        logical_id=logical_id,
                    )
        if not missing and len(names) <= 1 and unknown:
            raise NotApplicable("; ".join(unknown))
