"""PyYAML, imported without compiling its pure-Python reader's character check the slow way.

``yaml/reader.py`` compiles ``Reader.NON_PRINTABLE`` at import, a negated character class whose
ranges (``\\xA0-\\uD7FF``, ``\\uE000-\\uFFFD``) the regular expression compiler walks one code
point at a time in Python: about 68 M instructions, some 20 ms, more than the rest of PyYAML's
import together. govhook's templates go through libyaml (the C loader never calls the reader);
only the small policy file reads through it.

So the first import of PyYAML finds, in ``re``'s own cache under the pattern PyYAML writes, the
compiled complement of that class: the characters it matches listed directly (a few thousand code
points instead of 63,000; the same set over every code point, ``tests/unit/test_yaml_import.py``).
The entry is removed right after the import, so any other ``re.compile`` of the same text compiles
it as usual. Already imported (by a plug-in, a test), PyYAML is used as it is. Figures in
``bench/README.md``.

Import PyYAML through this module: ``from hook.core.yaml_import import yaml``.
"""

from __future__ import annotations

import re
import sys

__all__ = ["NON_PRINTABLE", "PYYAML_NON_PRINTABLE", "yaml"]

#: ``yaml.reader.Reader.NON_PRINTABLE``'s pattern, as PyYAML writes it.
PYYAML_NON_PRINTABLE = "[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]"
#: The same characters, listed: what the negated class leaves out of 0 .. 0x10FFFF.
NON_PRINTABLE = "[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uD800-\uDFFF\uFFFE\uFFFF]"


def _import_yaml() -> None:
    if "yaml" in sys.modules:
        return
    cache = getattr(re, "_cache2", None)
    key = (str, PYYAML_NON_PRINTABLE, 0)
    planted = None
    if isinstance(cache, dict) and key not in cache:
        planted = cache[key] = re.compile(NON_PRINTABLE)
    try:
        import yaml  # noqa: F401
    finally:
        if planted is not None and cache is not None and cache.get(key) is planted:
            del cache[key]


_import_yaml()

import yaml  # noqa: E402
