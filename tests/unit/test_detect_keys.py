"""hook.cli.adapters.detect.top_keys finds what the ``(?m)^`` form of its pattern finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hook.cli.adapters.detect import top_keys

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path("/work/shared/corpus")
LINE_START = re.compile(r"(?m)^[\"']?(service|provider|Resources|AWSTemplateFormatVersion|Transform)[\"']?[ \t]*:")


def _line_start(text: str) -> set[str]:
    return {m.group(1) for m in LINE_START.finditer(text)}


CASES = [
    "", "service: a\nprovider:\n  name: aws\n", "\nservice: a", "  service: a\nprovider: b\n",
    "'service': a\n\"provider\" :\tb\n", "service:a\r\nprovider:b\r\n", "x: 1\rservice: a\rprovider: b\r",
    "Resources: {}\nTransform: AWS::Serverless-2016-10-31\n", "AWSTemplateFormatVersion: '2010-09-09'",
    "services: a\nprovider_x: b\n", "service\n: a\n", "#service: a\n", "\n\nprovider:", "service: a\nservice: b\n",
    "a: |\n  service: x\nprovider: y\n", "\x0bservice: a\n\x0cprovider: b\n", "\u2028service: a\n",
]


@pytest.mark.parametrize("text", CASES)
def test_the_keys_are_the_ones_found_at_each_line_start(text: str) -> None:
    assert top_keys(text) == _line_start(text)


def test_every_yaml_file_of_the_repository_and_the_corpus_gives_the_same_keys() -> None:
    files = [p for p in ROOT.rglob("*.y*ml") if not {".venv", "out", "build"} & set(p.relative_to(ROOT).parts)]
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.y*ml"))
    assert len(files) > 20
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert top_keys(text) == _line_start(text), path


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["service", "provider", "Resources", "Transform", "AWSTemplateFormatVersion",
                                 "x", " ", "\t", ":", "'", '"', "\n", "\r\n", "\r", "a: b", "#"]), max_size=30))
def test_generated_texts_give_the_same_keys(parts: list[str]) -> None:
    text = "".join(parts)
    assert top_keys(text) == _line_start(text)
