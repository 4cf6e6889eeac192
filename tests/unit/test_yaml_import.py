"""hook.core.yaml_import: PyYAML's reader check compiled from the listed complement, same characters."""

from __future__ import annotations

import re
import sys

import pytest

from hook.core.yaml_import import NON_PRINTABLE, PYYAML_NON_PRINTABLE, yaml

EVERY_CODE_POINT = "".join(map(chr, range(0x110000)))


def test_the_listed_class_matches_exactly_what_pyyaml_s_class_matches() -> None:
    theirs = re.compile(PYYAML_NON_PRINTABLE)
    ours = re.compile(NON_PRINTABLE)
    found = ours.findall(EVERY_CODE_POINT)
    assert found == theirs.findall(EVERY_CODE_POINT)
    assert len(found) == 2111  # C0 controls but tab/LF/CR, DEL..0x9F but NEL, surrogates, FFFE/FFFF


def test_the_pattern_is_pyyaml_s_own_text() -> None:
    # If PyYAML changes its pattern, the planted entry no longer applies (and this says so).
    import inspect

    source = inspect.getsource(yaml.reader.Reader)
    assert "re.compile('[^\\x09\\x0A\\x0D\\x20-\\x7E\\x85\\xA0-\\uD7FF\\uE000-\\uFFFD\\U00010000-\\U0010ffff]')" \
        in source
    assert eval(
        source.split("NON_PRINTABLE = re.compile(", 1)[1].split(")\n", 1)[0]) == PYYAML_NON_PRINTABLE


class _Original(yaml.SafeLoader):
    """The pure-Python loader with the pattern compiled from PyYAML's own text."""

    NON_PRINTABLE = re.compile(PYYAML_NON_PRINTABLE)


@pytest.mark.parametrize("text", [
    "a: 1\nb: \x07\n", "a: \x85b\ud7ff\n", "a: x\x85y\ud7ff\n", "k: \ufffe\n", "k: \ufffd\U0001f600\n", "k: \x1f\n",
    "k: \x7f\n", "k: \x9f\xa0\n", "k: '\ud800'\n", "k: \t\r\n", "",
])
def test_the_pure_python_reader_accepts_and_refuses_what_it_did(text: str) -> None:
    def load(loader: type) -> object:
        try:
            return yaml.load(text, Loader=loader)
        except yaml.reader.ReaderError as exc:
            return ("refused", exc.position, exc.character, exc.reason)
        except yaml.YAMLError as exc:  # a YAML error after the reader's check
            return (type(exc).__name__, str(exc))

    assert load(yaml.SafeLoader) == load(_Original)
    assert yaml.SafeLoader.NON_PRINTABLE.pattern in (NON_PRINTABLE, PYYAML_NON_PRINTABLE)


def test_a_non_printable_character_is_refused_where_it_is() -> None:
    with pytest.raises(yaml.reader.ReaderError) as caught:
        yaml.load("a: 1\nb: \x07\n", Loader=yaml.SafeLoader)
    assert (caught.value.position, caught.value.character) == (8, 7)


def test_re_s_cache_holds_no_planted_entry_after_the_import() -> None:
    cached = getattr(re, "_cache2", {}).get((str, PYYAML_NON_PRINTABLE, 0))
    assert cached is None or cached.pattern == PYYAML_NON_PRINTABLE
    assert re.compile(PYYAML_NON_PRINTABLE).pattern == PYYAML_NON_PRINTABLE
    assert "yaml" in sys.modules
