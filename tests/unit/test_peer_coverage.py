"""docs/rules.md accounts for every row of the peers' capability matrix (hook/data/peer_coverage.yaml)."""

from __future__ import annotations

from hook.cli.docs import markdown, peer_coverage
from hook.core.registry import default_registry

#: Rows of the merged capability matrix in the peers reference (Checkov, cfn-nag, cfn-lint, ...).
MATRIX_ROWS = list(range(1, 34))


def test_every_matrix_row_is_accounted_for_once() -> None:
    # GIVEN the coverage data
    rows = peer_coverage()
    # WHEN its row numbers are listed
    numbers = [row["row"] for row in rows]
    # THEN rows 1-33 appear once each, in order, each with its check named
    assert numbers == MATRIX_ROWS
    assert all(isinstance(row.get("check"), str) and row["check"].strip() for row in rows)


def test_each_row_names_rules_or_says_why_not() -> None:
    for row in peer_coverage():
        rules = row.get("rules") or []
        note = str(row.get("note") or "").strip()
        assert rules or note, f"row {row['row']} names no rule and gives no reason"
        # a row that only partly covers the check must say what is left out
        if note.startswith("Partly"):
            assert rules, f"row {row['row']} says 'Partly' but names no rule"


def test_every_rule_named_exists_in_the_catalogue() -> None:
    known = {rule.id for rule in default_registry()}
    named = {rid for row in peer_coverage() for rid in row.get("rules") or []}
    assert named, "the coverage file names no rule"
    assert named <= known, f"unknown rule ids: {sorted(named - known)}"


def test_the_catalogue_renders_the_coverage_table() -> None:
    # GIVEN the generated rules page
    page = markdown(default_registry())
    # THEN it has the section, a line per row, and rows without a rule say 'none' with their reason
    assert "## Coverage of the peers' checks" in page
    section = page.split("## Coverage of the peers' checks", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| #")]
    assert [int(line.split("|")[1]) for line in lines] == MATRIX_ROWS
    row19 = next(line for line in lines if line.startswith("| 19 |"))
    assert "| none |" in row19 and "Not a rule" in row19
