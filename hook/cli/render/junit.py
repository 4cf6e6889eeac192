"""JUnit XML: one suite per file, one test case per rule and resource."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from xml.etree import ElementTree as ET

from hook.core.errors import InputError
from hook.core.model import Disposition, Finding, Verdict

# Characters XML 1.0 cannot carry at all, even escaped (a template value may hold "\u0001").
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def render(verdict: Verdict, *, files: list[str] | None = None, input_errors: Sequence[InputError] = (),
           baselined: Callable[[Finding], bool] | None = None) -> str:
    """An input that could not be checked is a suite of its own with one ``<error>`` case; a
    blocking finding the baseline holds is not a failure (its case says so in ``system-out``)."""

    def known(f: Finding) -> bool:
        return baselined is not None and f.disposition is Disposition.BLOCKING and baselined(f)

    suites = ET.Element("testsuites", name="govhook")
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in verdict.sorted().findings:
        by_file[f.location.file if f.location else "(no file)"].append(f)
    for file in files or []:
        by_file.setdefault(file, [])
    total = {"tests": 0, "failures": 0, "skipped": 0}
    for file in sorted(by_file):
        cases: dict[tuple[str, str], list[Finding]] = defaultdict(list)
        for f in by_file[file]:
            # A CDK resource is named by its construct path too (the logical id is a hash of it).
            res = f.logical_id or "stack"
            cases[(f.rule_id, f"{res} ({f.construct_path})" if f.construct_path else res)].append(f)
        suite = ET.SubElement(suites, "testsuite", name=file)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        for (rule_id, res), items in sorted(cases.items()):
            case = ET.SubElement(suite, "testcase", classname=rule_id, name=f"{res} {rule_id}")
            counts["tests"] += 1
            blocking = [f for f in items if f.disposition is Disposition.BLOCKING and not known(f)]
            other = [f for f in items if f.disposition in (Disposition.WARNING, Disposition.EXEMPTED) or known(f)]
            if blocking:
                counts["failures"] += 1
                fail = ET.SubElement(case, "failure", message=blocking[0].message, type=blocking[0].severity.value)
                fail.text = "\n".join(
                    f"{f.rule_id} {f.logical_id or 'stack'} {f.path}: {f.message}"
                    + (f" (line {f.location.line})" if f.location and f.location.line else "")
                    + (f"\nfix: {f.remediation}" if f.remediation else "")
                    for f in blocking
                )
            elif all(f.disposition is Disposition.SKIPPED for f in items):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=items[0].message)
            if other:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(
                    f"{'BASELINED' if known(f) else f.disposition.value.upper()}: {f.message}"
                    + (f" (exempted by {f.exemption.id}: {f.exemption.reason})" if f.exemption else "")
                    for f in other
                )
        for k, n in counts.items():
            suite.set(k, str(n))
            total[k] += n
        suite.set("errors", "0")
    for err in input_errors:
        suite = ET.SubElement(suites, "testsuite", name=err.file or "(input)", tests="1", failures="0",
                              skipped="0", errors="1")
        case = ET.SubElement(suite, "testcase", classname="govhook.input", name=f"{err.file or 'input'} could not be checked")
        ET.SubElement(case, "error", message=str(err), type="InputError").text = str(err)
        total["tests"] += 1
    for k, n in total.items():
        suites.set(k, str(n))
    suites.set("errors", str(len(input_errors)))
    for element in suites.iter():
        element.attrib = {k: _xml_safe(v) for k, v in element.attrib.items()}
        if element.text:
            element.text = _xml_safe(element.text)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
