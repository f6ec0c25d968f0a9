"""What changes between two versions of a standard, or in a declared list between two dates:
every clause that enters, leaves or changes, per standard (and, for a list, per area), a whole
version switch included (a standard that comes into force brings all its clauses; one replaced by
a version whose text is not encoded takes all of its clauses out of the list)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from .bundle import Bundle, CompiledCriterion, Version
from .catalogue import CriterionView, criterion_view
from .listing import selected_criteria

# added / removed: the clause enters or leaves; changed: matched by `previous` (or clause number),
# some of it differs; not_comparable: the other version's text is not encoded, so there is nothing to
# match it against (a version diff cannot say it was removed).
ChangeKind = Literal["added", "removed", "changed", "not_comparable"]

# what of a matched clause is compared, in the words the documents print
COMPARED = (("条号", "clause"), ("文本", "text"), ("判定方法", "method"), ("条件", "condition"),
            ("文本状态", "text_status"), ("隐患类型", "hazards"), ("适用场所", "applies_to"))


class ClauseChange(BaseModel):
    kind: ChangeKind
    old: CriterionView | None
    new: CriterionView | None
    what: list[str]          # for changed: the compared parts that differ (COMPARED's words)
    reason: str | None       # why a whole version's clauses enter or leave


class StandardDiff(BaseModel):
    """One standard between two versions (either may be absent: not in force on that day)."""

    standard: str
    old_version: str | None
    new_version: str | None
    old_document: str | None
    new_document: str | None
    old_dates: str           # 实施 … 废止 … of the old version ("—" when absent)
    new_dates: str
    switch: str              # the version change in words
    changes: list[ClauseChange]
    unchanged: int
    method_changes: list[str]

    def count(self, kind: ChangeKind) -> int:
        return sum(c.kind == kind for c in self.changes)


class VersionDiff(BaseModel):
    title: str
    rules_digest: str
    diff: StandardDiff


class AreaDiff(BaseModel):
    id: str
    name: str
    standards: list[StandardDiff]  # only those whose version in force differs


class ListDiff(BaseModel):
    title: str
    list_id: str
    old: dt.date
    new: dt.date
    rules_digest: str
    switched: list[str]      # standards of the list whose version in force differs
    areas: list[AreaDiff]


class DiffRequestError(ValueError):
    """The two operands name no diff the rules can make (message: 中文 / English)."""


def _version(bundle: Bundle, standard: str, version: str) -> Version:
    for v in bundle.versions:
        if v.standard == standard and v.version == version:
            return v
    known = ", ".join(f"{v.standard}@{v.version}" for v in bundle.versions)
    raise DiffRequestError(f"没有版本 {standard}@{version}（已有：{known}）/ no version {standard}@{version}")


def _dates(version: Version | None) -> str:
    if version is None:
        return "—"
    end = version.meta.superseded
    return (f"实施 {version.meta.effective.date or '日期未知'}（{version.meta.effective.status}）"
            + (f"，废止 {end.date or '日期未知'}（{end.status}）" if end else ""))


def _document(version: Version | None) -> str:
    if version is None:
        return "无有效版本"
    return f"{version.meta.document_number}{'' if version.meta.encoded else '（未编码）'}"


def _match(bundle: Bundle, old: Version, old_criteria: list[CompiledCriterion], new: Version,
           new_criteria: list[CompiledCriterion]) -> tuple[list[ClauseChange], int]:
    """Clauses of two encoded versions, matched by the new one's `previous` links (or, when the new
    version links none at all, by clause number)."""
    old_rows = {c.id: criterion_view(bundle, old, c) for c in old_criteria}
    by_clause = {row.clause: cid for cid, row in old_rows.items()}
    links_given = any(c.spec.previous for c in new.criteria)
    linked: set[str] = set()
    changes: list[ClauseChange] = []
    unchanged = 0
    for c in new_criteria:
        row = criterion_view(bundle, new, c)
        sources = [p for p in c.spec.previous if p in old_rows] or (
            [by_clause[row.clause]] if row.clause in by_clause and not links_given else [])
        if not sources:
            changes.append(ClauseChange(kind="added", old=None, new=row, what=[], reason=None))
        for source in sources:
            linked.add(source)
            before = old_rows[source]
            what = [word for word, field in COMPARED if getattr(before, field) != getattr(row, field)]
            if what:
                changes.append(ClauseChange(kind="changed", old=before, new=row, what=what, reason=None))
            else:
                unchanged += 1
    changes += [ClauseChange(kind="removed", old=row, new=None, what=[], reason=None)
                for cid, row in old_rows.items() if cid not in linked]
    return changes, unchanged


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
        elif set(match.elements) != set(spec.elements):
            out.append(f"综合判定 {spec.clause} 计入的要素由 {len(match.elements)} 条变为 {len(spec.elements)} 条")
    if not old.meta.encoded or not new.meta.encoded:
        which = [f"{v.meta.document_number}" for v in (old, new) if not v.meta.encoded]
        out.append(f"{'、'.join(which)} 的条文未编码，无法逐条比较")
    for item in new.meta.changes:
        out.append(f"（标准前言所列变化）{item}")
    out += [f"旧版本未编码部分：{g.clause}：{g.reason}" for g in old.meta.gaps if "综合" in g.clause + g.reason][:3]
    return out


def _standard_diff(bundle: Bundle, standard: str, old: Version | None, new: Version | None,
                   old_criteria: list[CompiledCriterion], new_criteria: list[CompiledCriterion],
                   whole_switch_leaves: bool) -> StandardDiff:
    """`whole_switch_leaves`: in a list, the clauses of a version replaced by an unencoded one leave the
    list; between two versions they are only not comparable (the new text may well keep them)."""
    changes: list[ClauseChange] = []
    unchanged = 0
    method: list[str] = []
    old_encoded, new_encoded = bool(old and old.meta.encoded), bool(new and new.meta.encoded)
    if old_encoded and new_encoded:
        changes, unchanged = _match(bundle, old, old_criteria, new, new_criteria)
        method = _method_changes(old, new)
    else:
        if old is not None and new is not None:
            method = _method_changes(old, new)
        if new_encoded:
            reason = (f"{new.meta.document_number} 自 {new.meta.effective.date or '（日期未知）'} 起有效"
                      + (f"，取代未编码的 {old.meta.document_number}" if old else ""))
            changes += [ClauseChange(kind="added", old=None, new=criterion_view(bundle, new, c), what=[],
                                     reason=reason) for c in new_criteria]
        if old_encoded:
            if new is None:
                reason = f"{old.meta.document_number} 已不再有效（{_dates(old)}）"
            else:
                reason = (f"{new.meta.document_number} 自 {new.meta.effective.date or '（日期未知）'} 起取代 "
                          f"{old.meta.document_number}，其条文未编码，无法逐条列出")
            kind: ChangeKind = "removed" if whole_switch_leaves or new is None else "not_comparable"
            changes += [ClauseChange(kind=kind, old=criterion_view(bundle, old, c), new=None, what=[], reason=reason)
                        for c in old_criteria]
    return StandardDiff(standard=standard, old_version=old.version if old else None,
                        new_version=new.version if new else None,
                        old_document=old.meta.document_number if old else None,
                        new_document=new.meta.document_number if new else None,
                        old_dates=_dates(old), new_dates=_dates(new),
                        switch=f"{standard}：{_document(old)} → {_document(new)}", changes=changes,
                        unchanged=unchanged, method_changes=method)


def diff_versions(bundle: Bundle, standard: str, old_id: str, new_id: str) -> VersionDiff:
    old, new = _version(bundle, standard, old_id), _version(bundle, standard, new_id)
    diff = _standard_diff(bundle, standard, old, new, list(old.criteria), list(new.criteria),
                          whole_switch_leaves=False)
    return VersionDiff(title=f"标准版本对比：{old.meta.document_number} → {new.meta.document_number}",
                       rules_digest=bundle.digest, diff=diff)


def diff_dates(bundle: Bundle, list_id: str, old_day: dt.date, new_day: dt.date) -> ListDiff:
    declared = bundle.lists[list_id]
    before = {v.standard: v for v in bundle.versions_on(old_day)}
    after = {v.standard: v for v in bundle.versions_on(new_day)}
    areas, switched = [], {}
    for area in declared.areas:
        standards = []
        for selection in area.include:
            a, b = before.get(selection.standard), after.get(selection.standard)
            if a is b:
                continue
            diff = _standard_diff(bundle, selection.standard, a, b,
                                  selected_criteria(a, selection) if a else [],
                                  selected_criteria(b, selection) if b else [], whole_switch_leaves=True)
            switched.setdefault(selection.standard, diff.switch)
            standards.append(diff)
        if standards:
            areas.append(AreaDiff(id=area.id, name=area.name, standards=standards))
    return ListDiff(title=f"{declared.title}：{old_day} → {new_day} 的变化", list_id=list_id, old=old_day, new=new_day,
                    rules_digest=bundle.digest, switched=list(switched.values()), areas=areas)


def diff(bundle: Bundle, old: str, new: str, list_id: str | None = None) -> ListDiff | VersionDiff:
    """Two dates (YYYY-MM-DD): the list between them; STANDARD@VERSION twice: the two versions."""
    days = [_maybe_date(x) for x in (old, new)]
    if all(days):
        chosen = list_id or next(iter(bundle.lists), None)
        if chosen not in bundle.lists:
            raise DiffRequestError(f"没有清单 “{chosen}”（已有：{', '.join(bundle.lists) or '无'}）/ no such list")
        return diff_dates(bundle, chosen, days[0], days[1])
    try:
        (standard, old_id), (new_standard, new_id) = (x.split("@", 1) for x in (old, new))
    except ValueError:
        raise DiffRequestError("比较两个版本写 标准@版本 标准@版本（如 gb35181@2006 gb35181@2017），"
                               "比较清单写两个日期（YYYY-MM-DD）/ give STANDARD@VERSION twice, or two dates") from None
    if standard != new_standard:
        raise DiffRequestError("只能比较同一标准的两个版本 / both versions must be of one standard")
    return diff_versions(bundle, standard, old_id, new_id)


def _maybe_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
