"""A declared list (e.g. the education sector's "一行业一清单") as in force on a date, and the
difference between two versions of a standard or two dates of a list."""

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


def _selected(version: Version, selection: ListSelection) -> list:
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
                          criteria=[criterion_view(bundle, version, c) for c in _selected(version, selection)])


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


# --- differences -----------------------------------------------------------------------------

class Change(BaseModel):
    kind: str  # added / removed / changed
    old: CriterionView | None
    new: CriterionView | None
    what: list[str]  # for "changed": 文本 / 判定方法 / 条件 / 阈值 / 文本状态 / 条号


class VersionDiff(BaseModel):
    standard: str
    old: str
    new: str
    old_document: str
    new_document: str
    changes: list[Change]
    unchanged: int
    method_changes: list[str]


def _version(bundle: Bundle, standard: str, version: str) -> Version:
    for v in bundle.versions:
        if v.standard == standard and v.version == version:
            return v
    known = ", ".join(f"{v.standard}@{v.version}" for v in bundle.versions)
    raise KeyError(f"没有版本 {standard}@{version}（已有：{known}）/ no version {standard}@{version}")


def diff_versions(bundle: Bundle, standard: str, old_id: str, new_id: str) -> VersionDiff:
    old, new = _version(bundle, standard, old_id), _version(bundle, standard, new_id)
    if not old.meta.encoded or not new.meta.encoded:  # clause by clause is impossible; say so, list nothing as removed
        return VersionDiff(standard=standard, old=old_id, new=new_id, old_document=old.meta.document_number,
                           new_document=new.meta.document_number, changes=[], unchanged=0,
                           method_changes=_method_changes(old, new))
    old_rows = {c.id: criterion_view(bundle, old, c) for c in old.criteria}
    linked: set[str] = set()
    changes: list[Change] = []
    unchanged = 0
    by_clause = {row.clause: cid for cid, row in old_rows.items()}
    for c in new.criteria:
        row = criterion_view(bundle, new, c)
        sources = [p for p in c.spec.previous if p in old_rows] or (
            [by_clause[row.clause]] if row.clause in by_clause and not any(
                x.spec.previous for x in new.criteria) else [])
        if not sources:
            changes.append(Change(kind="added", old=None, new=row, what=[]))
            continue
        for source in sources:
            linked.add(source)
            before = old_rows[source]
            what = [word for word, a, b in (("条号", before.clause, row.clause), ("文本", before.text, row.text),
                                            ("判定方法", before.method, row.method), ("条件", before.condition, row.condition),
                                            ("文本状态", before.text_status, row.text_status)) if a != b]
            if what:
                changes.append(Change(kind="changed", old=before, new=row, what=what))
            else:
                unchanged += 1
    changes += [Change(kind="removed", old=row, new=None, what=[]) for cid, row in old_rows.items() if cid not in linked]
    return VersionDiff(standard=standard, old=old_id, new=new_id, old_document=old.meta.document_number,
                       new_document=new.meta.document_number, changes=changes, unchanged=unchanged,
                       method_changes=_method_changes(old, new))


def _method_changes(old: Version, new: Version) -> list[str]:
    """Combined rules: thresholds and element sets, matched by `previous` or clause."""
    out = []
    old_rules = {r.id: r.spec for r in old.combined}
    for rule in new.combined:
        spec = rule.spec
        match = next((old_rules[p] for p in spec.previous if p in old_rules), None) or next(
            (r for r in old_rules.values() if r.clause == spec.clause), None)
        if match is None:
            out.append(f"综合判定 {spec.clause}：{spec.category.label} {spec.at_least} 条以上（含本数）"
                       f"——旧版本没有已编码的对应规则（见其未编码部分），无法比较阈值")
        elif match.at_least != spec.at_least:
            out.append(f"综合判定 {spec.clause} 阈值 {match.at_least} → {spec.at_least}")
    if not old.meta.encoded or not new.meta.encoded:
        which = [f"{v.meta.document_number}" for v in (old, new) if not v.meta.encoded]
        out.append(f"{'、'.join(which)} 的条文未编码，无法逐条比较")
    for item in new.meta.changes:
        out.append(f"（标准前言所列变化）{item}")
    out += [f"旧版本未编码部分：{gap_text(g)}" for g in old.meta.gaps if "综合" in g.clause + g.reason][:3]
    return out


class ListDiff(BaseModel):
    old: dt.date
    new: dt.date
    switched: list[str]       # standards whose version in force differs
    versions: list[VersionDiff]


def diff_dates(bundle: Bundle, list_id: str, old_day: dt.date, new_day: dt.date) -> ListDiff:
    included = {s.standard for a in bundle.lists[list_id].areas for s in a.include}
    before = {v.standard: v for v in bundle.versions_on(old_day) if v.standard in included}
    after = {v.standard: v for v in bundle.versions_on(new_day) if v.standard in included}
    switched, diffs = [], []
    for standard in sorted(included):
        a, b = before.get(standard), after.get(standard)
        if a is b:
            continue
        describe_version = lambda v: f"{v.meta.document_number}{'' if v.meta.encoded else '（未编码）'}" if v else "无有效版本"  # noqa: E731
        switched.append(f"{standard}：{describe_version(a)} → {describe_version(b)}")
        if a and b:
            diffs.append(diff_versions(bundle, standard, a.version, b.version))
    return ListDiff(old=old_day, new=new_day, switched=switched, versions=diffs)
