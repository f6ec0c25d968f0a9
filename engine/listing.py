"""A declared list (e.g. the education sector's "一行业一清单") as in force on a date (what changes
between two dates: engine/differences.py)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from .bundle import Bundle, Version
from .catalogue import CriterionView, criterion_view
from .notes import gap_text
from .places import place_kinds
from .schema import ListSelection


class ListedStandard(BaseModel):
    """One included standard in an area: the version in force, or why none is listed."""

    standard: str
    version: str | None
    document_number: str | None
    title: str | None
    state: str  # encoded / in_force_not_encoded / not_in_force
    note: str | None
    criteria: list[CriterionView]


class ListedArea(BaseModel):
    id: str
    name: str
    basis: str
    basis_status: str
    places: list[str]
    standards: list[ListedStandard]
    not_encoded: str | None


class Coverage(BaseModel):
    standard: str
    version: str
    document_number: str
    encoded: bool
    by_text_status: dict[str, int]
    gaps: list[str]


class ListDocument(BaseModel):
    list_id: str
    title: str
    issuer: str
    basis: str
    description: str
    as_of: dt.date
    rules_digest: str
    areas: list[ListedArea]
    coverage: list[Coverage]
    areas_not_encoded: list[str]


def selected_criteria(version: Version, selection: ListSelection) -> list:
    out = []
    for c in version.criteria:
        if selection.criteria is not None and c.id not in selection.criteria:
            continue
        if selection.hazards is not None and not set(c.spec.hazards) & set(selection.hazards):
            continue
        out.append(c)
    return out


def _listed_standard(bundle: Bundle, selection: ListSelection, day: dt.date) -> ListedStandard:
    version = next((v for v in bundle.versions_on(day) if v.standard == selection.standard), None)
    if version is None:  # named after its newest version, so the reader knows what is absent
        newest = [v for v in bundle.versions if v.standard == selection.standard][-1]
        return ListedStandard(standard=selection.standard, version=None, document_number=newest.meta.document_number,
                              title=newest.meta.title, state="not_in_force", note=selection.note, criteria=[])
    meta = version.meta
    return ListedStandard(standard=version.standard, version=version.version, document_number=meta.document_number,
                          title=meta.title, state="encoded" if meta.encoded else "in_force_not_encoded",
                          note=selection.note,
                          criteria=[criterion_view(bundle, version, c) for c in selected_criteria(version, selection)])


def list_in_force(bundle: Bundle, list_id: str, day: dt.date) -> ListDocument:
    declared = bundle.lists[list_id]
    vocab = bundle.vocabulary
    places = place_kinds(vocab)
    areas = [ListedArea(id=a.id, name=a.name, basis=a.basis, basis_status=a.basis_status,
                        places=[places[p] for p in a.places],
                        standards=[_listed_standard(bundle, s, day) for s in a.include], not_encoded=a.not_encoded)
             for a in declared.areas]
    included = {s.standard for a in declared.areas for s in a.include}
    coverage = []
    for v in bundle.versions_on(day):
        if v.standard in included:
            counts: dict[str, int] = {}
            for c in v.criteria:
                counts[c.spec.text_status] = counts.get(c.spec.text_status, 0) + 1
            coverage.append(Coverage(standard=v.standard, version=v.version, document_number=v.meta.document_number,
                                     encoded=v.meta.encoded, by_text_status=counts,
                                     gaps=[gap_text(g) for g in v.meta.gaps]))
    missing = [a.name for a in areas if not any(s.criteria for s in a.standards)]
    return ListDocument(list_id=list_id, title=declared.title, issuer=declared.issuer, basis=declared.basis,
                        description=declared.description, as_of=day, rules_digest=bundle.digest, areas=areas,
                        coverage=coverage, areas_not_encoded=missing)
