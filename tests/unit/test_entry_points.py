"""The entry-point scan (hook.core.entry_points) finds what importlib.metadata finds."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from hook.core.entry_points import scan_entry_points


def metadata_view(group: str) -> list[tuple[str, str]]:
    return sorted((ep.name, ep.value) for ep in importlib.metadata.entry_points(group=group))


def scan_view(group: str) -> list[tuple[str, str]]:
    return sorted((ep.name, ep.value) for ep in scan_entry_points(group))


@pytest.mark.parametrize("group", ["govhook.rules", "console_scripts", "pytest11", "no.such.group"])
def test_the_scan_equals_importlib_metadata_in_this_environment(group: str) -> None:
    # GIVEN the environment the tests run in (govhook installed editable, with its dev tools)
    # WHEN both read one group THEN they find the same entry points
    assert scan_view(group) == metadata_view(group)


def dist(root: Path, dirname: str, name: str, entry_points: str) -> None:
    info = root / dirname
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(entry_points)


def test_the_scan_equals_importlib_metadata_on_made_up_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two path entries: a pack installed twice (the first on sys.path wins), comments,
    # other sections, spacing, an egg-info, and a package without entry points
    first, second = tmp_path / "a", tmp_path / "b"
    dist(first, "acme_rules-1.0.dist-info", "acme-rules",
         "[console_scripts]\nacme = acme:main\n\n[govhook.rules]\n# a comment\nacme = acme_rules:rules\n")
    dist(second, "acme_rules-0.9.dist-info", "acme-rules", "[govhook.rules]\nacme = old_acme:rules\n")
    dist(second, "Other_Pack-2.0.dist-info", "other-pack", "[govhook.rules]\n  other =  other.rules : catalogue \n")
    dist(second, "legacy-1.0.egg-info", "legacy", "[govhook.rules]\nlegacy = legacy:rules\n")
    (second / "plain-1.0.dist-info").mkdir()
    (second / "plain-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: plain\nVersion: 1.0\n")
    monkeypatch.setattr(sys, "path", [str(first), str(second)])
    importlib.invalidate_caches()
    # WHEN both read the rule group THEN they agree, and the shadowed copy is not found
    found = scan_view("govhook.rules")
    assert found == metadata_view("govhook.rules")
    assert ("acme", "acme_rules:rules") in found and ("acme", "old_acme:rules") not in found
    assert scan_view("console_scripts") == metadata_view("console_scripts") == [("acme", "acme:main")]
