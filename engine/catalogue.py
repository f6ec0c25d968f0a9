"""Read-only views of a bundle for people and integrators: standards, criteria, the vocabulary."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from .bundle import Bundle, CompiledCriterion, Version
from .conditions import describe, facts_of
from .judgement import Citation, citation
from .notes import gap_text
from .places import place_kinds
from .provenance_words import DATE_STATUS
from .schema import DateMark
from .vocabulary import DEFAULT_LIMIT, Vocabulary

VersionState = Literal["in_force", "superseded", "not_yet_in_force"]


class VersionView(BaseModel):
    standard: str
    version: str
    document_number: str
    title: str
    issuer: str
    issued: DateMark
    effective: DateMark
    superseded: DateMark | None
    source_url: str
    scope: str
    encoded: bool
    state: VersionState
    criteria: list[str]
    gaps: list[str]
    changes: list[str]


class StandardView(BaseModel):
    id: str
    versions: list[VersionView]


class CriterionView(Citation):
    """One criterion with its citation, for the API and for the list."""

    id: str
    method: str
    hazards: list[str]
    applies_to: list[str]
    condition: str
    facts: list[str]
    governs: list[str] | None
    effective: str
    superseded: str
    note: str | None


def _state(version: Version, day: dt.date) -> VersionState:
    if version.in_force(day):
        return "in_force"
    start = version.meta.effective.date
    return "not_yet_in_force" if start is not None and day < start else "superseded"


def version_view(version: Version, day: dt.date) -> VersionView:
    m = version.meta
    return VersionView(standard=version.standard, version=version.version, document_number=m.document_number,
                       title=m.title, issuer=m.issuer, issued=m.issued, effective=m.effective, superseded=m.superseded,
                       source_url=m.source_url, scope=m.scope, encoded=m.encoded, state=_state(version, day),
                       criteria=[c.id for c in version.criteria], gaps=[gap_text(g) for g in m.gaps],
                       changes=list(m.changes))


def standards(bundle: Bundle, day: dt.date) -> list[StandardView]:
    grouped: dict[str, list[VersionView]] = {}
    for version in bundle.versions:
        grouped.setdefault(version.standard, []).append(version_view(version, day))
    return [StandardView(id=k, versions=v) for k, v in grouped.items()]


def _date(mark: DateMark | None) -> str:
    return "—" if mark is None else f"{mark.date or '未知'}（{DATE_STATUS[mark.status]}）"


def criterion_view(bundle: Bundle, version: Version, compiled: CompiledCriterion) -> CriterionView:
    spec, vocab = compiled.spec, bundle.vocabulary
    places = place_kinds(vocab)
    return CriterionView(
        **dict(citation(version, spec.clause, spec.text, spec.text_status, spec.source)),
        id=spec.id, method=spec.method, hazards=[vocab.hazards[h] for h in spec.hazards],
        applies_to=[places[p] for p in spec.applies_to or []],
        condition=describe(compiled.condition, vocab.facts, vocab.derived_labels()),
        facts=sorted(facts_of(compiled.condition)), governs=spec.governs,
        effective=_date(version.meta.effective), superseded=_date(version.meta.superseded), note=spec.note)


def criterion(bundle: Bundle, criterion_id: str) -> CriterionView | None:
    found = bundle.criteria.get(bundle.current_id(criterion_id))
    return criterion_view(bundle, *found) if found else None


def facts_schema(vocab: Vocabulary) -> dict[str, Any]:
    """The vocabulary as a JSON Schema (null = not known), for integrators to validate against."""
    properties: dict[str, Any] = {}
    for name, f in vocab.facts.items():
        # the label as x-label, not title: client generators name classes after a title (FacilityFacts所在位置)
        prop: dict[str, Any] = {"description": f"{f.label}：{f.description}", "x-label": f.label}
        if f.type == "enum":
            # a plain enum (with null for unknown): client generators read it; the labels apart, by code
            prop["anyOf"] = [{"type": "string", "enum": list(f.values or {})}, {"type": "null"}]
            prop["x-enum-labels"] = dict(f.values or {})
        elif f.type == "date":
            prop["type"], prop["format"] = ["string", "null"], "date"
        else:
            prop["type"] = [{"boolean": "boolean", "integer": "integer", "number": "number"}[f.type], "null"]
            prop["minimum"] = f.minimum if f.minimum is not None else -DEFAULT_LIMIT
            prop["maximum"] = f.maximum if f.maximum is not None else DEFAULT_LIMIT
            if f.unit:
                prop["x-unit"] = f.unit
        properties[name] = prop
    constraints = [{"id": c.name, "label": c.label, "facts": sorted(
        set().union(*(facts_of(n) for n in (c.when, c.require) if n is not None), c.absent))} for c in vocab.constraints]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "设施事实 / facility facts",
            "description": "事实之间不能相互矛盾：x-constraints 所列的约束（JSON Schema 无法表达）不满足时，请求以 422 拒绝，"
                           "并点名相关的事实 / facts must not contradict each other: a request breaking one of "
                           "x-constraints (which JSON Schema cannot express) is refused with 422 naming the facts",
            "type": "object", "additionalProperties": False, "properties": properties, "x-constraints": constraints,
            "x-place-fact": vocab.place_fact}  # the fact naming the kind of place, which questionnaires are for
