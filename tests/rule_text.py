"""Helpers for tests: rule-file text for tests that write small rule sets of their own (a standard
version's header and direct criteria, in the layout of rules/standards/<standard>/<version>.yaml;
a standard that passes lint but hangs durable-rules' create_ruleset), and reading a judgement's JSON."""

from __future__ import annotations

from pathlib import Path


def version_header(document_number: str, title: str = "测试") -> str:
    """Everything a version file needs before its criteria (the list under `criteria:` follows)."""
    return (f"document_number: {document_number}\ntitle: {title}\nissuer: 测试\n"
            "issued: {date: 2020-01-01, status: verbatim}\neffective: {date: 2020-01-01, status: verbatim}\n"
            "source_url: http://example.invalid\nscope: 测试\nencoded: true\n"
            "method:\n  direct: {clause: d, text: t, text_status: verbatim}\ncriteria:\n")


def criterion(cid: str, condition: str, text: str = "t") -> str:
    """One direct criterion, an item of `criteria:`; condition in the rule language's flow YAML."""
    return (f"  - id: {cid}\n    clause: {cid}\n    text: {text}\n    text_status: verbatim\n    source: s\n"
            f"    method: direct\n    condition: {condition}\n")


def add_hanging_standard(root: Path, values: int = 520) -> None:
    """One file (and its enum fact): criteria `in` 40 distinct values each, `values` in all: from 512
    on, more sibling conditions under one durable-rules node than create_ruleset survives."""
    (root / "facts" / "hostile.yaml").write_text(
        "facts:\n  hostile_e: {type: enum, label: e, description: d, values: {%s}}\n"
        % ", ".join(f"v{i}: v{i}" for i in range(values)), encoding="utf-8")
    body = "".join(criterion(f"h{c}", "{fact: hostile_e, in: [%s]}" % ", ".join(f"v{j}" for j in range(c * 40, min(values, c * 40 + 40))))
                   for c in range((values + 39) // 40))
    (root / "standards" / "hostile").mkdir(parents=True)
    (root / "standards" / "hostile" / "v1.yaml").write_text(version_header("T-h", "测试h") + body, encoding="utf-8")


def missing_names(judgement: dict) -> list[str]:
    """Every missing fact a judgement (as JSON) asks for: its decisive questions', then the others."""
    missing = judgement["missing_facts"]
    names = [f["name"] for q in missing["decisive"] for f in q["facts"]] + [m["name"] for m in missing["other"]]
    return list(dict.fromkeys(names))


def threshold_criterion(bundle, day):  # noqa: ANN001, ANN201 - a Bundle and its (Version, CompiledCriterion)
    """A direct criterion in force on `day` whose condition compares with a percent of a required
    value: a threshold an expert may move (taken from the rules, so no id is named)."""
    import json

    for version, c in bundle.criteria.values():
        if c.spec.method == "direct" and version.in_force(day) and "percent" in json.dumps(c.spec.condition):
            return version, c
    raise LookupError("no direct criterion with a percent threshold in force")


def copy_with_threshold(rules: Path, target: Path, criterion_id: str, new_percent: int) -> int:
    """A copy of `rules` at `target` with the first percent of that criterion's entry set to
    `new_percent`; returns the percent it had."""
    import re
    import shutil

    shutil.copytree(rules, target)
    path = next(p for p in target.rglob("*.yaml") if f"- id: {criterion_id}\n" in p.read_text(encoding="utf-8"))
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- id: {criterion_id}\n")
    end = text.find("\n  - id: ", start + 1)
    entry = text[start:end if end > 0 else len(text)]
    old = re.search(r"percent: (\d+)", entry)
    path.write_text(text[:start] + entry.replace(old[0], f"percent: {new_percent}", 1) + text[start + len(entry):],
                    encoding="utf-8")
    return int(old[1])
