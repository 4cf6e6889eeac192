"""Fast YAML construction: a composed template node tree -> Python data, as PyYAML builds it.

PyYAML's constructor walks the composed tree with general machinery (a generator per mapping,
state dictionaries, a Hashable check per key, a flatten pass per mapping). Templates are plain trees
of str/int/bool/null/map/list plus the CloudFormation tags, so :func:`construct_document` builds
exactly that directly, and hands anything else back to PyYAML: a scalar of another kind (float,
octal, ``!!binary``...) is built by PyYAML's own constructor; a document with merge keys,
non-string keys, aliased collections or an unknown tag on a collection is built entirely by PyYAML,
so the result is the same object PyYAML would build; so is a document PyYAML refuses, so that the
error (and its line) is the one PyYAML reports.

Parity with PyYAML is tested on every YAML file in the repository, on edge cases and on generated
documents (``tests/unit/test_yamlcfn.py``); what it saves is measured in ``bench/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hook.core.yaml_import import yaml

__all__ = ["construct_document"]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


class _Generic(Exception):
    """This document needs PyYAML's general constructor."""


def construct_document(loader: Any, root: Any, short_tags: Mapping[str, str],
                       check: Callable[[Any], None] | None = None) -> Any:
    """The document PyYAML's ``loader.construct_document(root)`` would build, built directly.

    ``short_tags`` maps a short-form tag to the one-key mapping it stands for (``!Ref`` ->
    ``Ref``, ``!Sub`` -> ``Fn::Sub``; ``!GetAtt A.B`` becomes ``["A", "B"]``), as the loader's own
    constructors build them.

    ``check`` (a check of the node tree that raises, such as the refusal of a repeated key) is
    called with the root before the document is built by PyYAML's general walk: whenever the direct
    build does not complete, and when it finds a mapping that repeats a key. A document built
    directly has no repeated key (every mapping was read, each key a plain string), so there it is
    not called.
    """
    scalar_node, mapping_node, sequence_node = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
    seen: set[int] = set()

    def build(node: Any) -> Any:
        kind = type(node)
        tag = node.tag
        if kind is scalar_node:
            value = node.value
            if tag == _STR:
                return value
            if tag == _INT and value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
                return int(value)
            if tag == _BOOL and value.lower() in _BOOLS:
                return _BOOLS[value.lower()]
            if tag == _NULL:
                return None
            if tag in short_tags:
                if id(node) in seen:
                    raise _Generic  # an aliased tag builds one shared dict in PyYAML
                seen.add(id(node))
                if tag == "!GetAtt":
                    head, _, tail = value.partition(".")
                    return {"Fn::GetAtt": [head, tail]}
                return {short_tags[tag]: value}
            # Any other scalar (float, octal, sexagesimal, !!binary...): PyYAML's own constructor.
            return loader.construct_object(node, deep=True)
        if id(node) in seen:
            raise _Generic  # an alias: PyYAML shares the object, so let it build the document
        seen.add(id(node))
        if kind is mapping_node:
            if tag != _MAP and tag not in short_tags:
                raise _Generic
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not scalar_node or key_node.tag != _STR:
                    raise _Generic  # merge keys (<<), non-string keys
                out[key_node.value] = build(value_node)
            if len(out) != len(node.value):
                raise _Generic  # a key repeated: last one wins in PyYAML (and ``check`` sees it)
        elif kind is sequence_node:
            if tag != _SEQ and tag not in short_tags:
                raise _Generic
            items = [build(child) for child in node.value]
            if tag == "!GetAtt":
                return {"Fn::GetAtt": items}
            return {short_tags[tag]: items} if tag != _SEQ else items
        else:
            raise _Generic
        return out if tag == _MAP else {short_tags[tag]: out}

    try:
        return build(root)
    except Exception:  # _Generic, or a scalar PyYAML refuses: its own walk reports the first error
        pass
    finally:  # the state PyYAML's construct_document leaves behind
        loader.state_generators = []
        loader.constructed_objects = {}
        loader.recursive_objects = {}
        loader.deep_construct = False
    if check is not None:
        check(root)
    # Only a document with aliases (or something else unusual) reaches PyYAML's general walk: its
    # expanded size is checked first (an alias bomb is refused before it is built).
    from hook.inputs.alias_budget import check_alias_expansion

    check_alias_expansion(root)
    return loader.construct_document(root)
