"""The loader's checks as a named, ordered list of stages (after OPA's compiler stages).

`STAGES` runs in order over one LoadState: where the files are, the vocabulary, each standard
version (each file's reuse written out first, engine/reuse.py), then what needs the whole bundle
(ids, the facts `ask_order` lists, dates of sibling versions, `previous` links, what durable-rules
can express), the lists and the places of the gaps. The vocabulary, each version file and each list
run their own named lists (`WITHIN`: the reuse written out, engine/reuse.py, then the file's checks,
engine/vocabulary_checks.py, engine/version_checks.py and engine/list_checks.py); `outline()` lists them all, as
`hazard lint --stages` prints them. Each stage reports into the loader (file, line, field); their words are in
engine/rule_messages.py. A stage after a failed one still runs, so an expert sees every mistake in
one pass; what a failed file leaves unknown is not checked again (no follow-on problems).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import durable_backend, reuse
from .bundle import Version
from .conditions import _suggest, facts_of
from .errors import RuleProblem
from .rule_messages import words
from .list_checks import LIST_CHECKS
from .schema import ListFile, clause_in_section
from .version_checks import VERSION_CHECKS
from .vocabulary import Vocabulary
from .vocabulary_checks import VOCABULARY_CHECKS

if TYPE_CHECKING:
    from .loader import _Loader


@dataclass
class LoadState:
    """What the stages have found so far."""

    root: Path
    fact_files: list[Path] = field(default_factory=list)
    version_files: list[Path] = field(default_factory=list)
    list_files: list[Path] = field(default_factory=list)
    vocabulary: Vocabulary | None = None
    usable: Vocabulary | None = None  # the vocabulary, when every file of it could be read
    versions: list[Version] = field(default_factory=list)
    lists: dict[str, ListFile] = field(default_factory=dict)


def _say(loader: _Loader, doc: Any, path: tuple, key: str, **names: object) -> None:
    loader.problem(doc, path, *words(key, **names))


def files_in_place(loader: _Loader, state: LoadState) -> None:
    root = state.root
    state.fact_files = sorted((root / "facts").glob("*.yaml"))
    state.version_files = sorted((root / "standards").glob("*/*.yaml"))
    state.list_files = sorted((root / "lists").glob("*.yaml"))
    placed = {*state.fact_files, *state.version_files, *state.list_files}
    for path in sorted(set(root.rglob("*.y*ml")) - placed):
        loader.problems.append(RuleProblem(loader.name(path), None, (), *words("file_misplaced")))


def vocabulary(loader: _Loader, state: LoadState) -> None:
    state.vocabulary = loader.vocabulary(state.fact_files)
    state.usable = state.vocabulary if loader.vocabulary_complete else None


def standard_versions(loader: _Loader, state: LoadState) -> None:
    state.versions = [v for v in (loader.version(p, state.usable) for p in state.version_files) if v is not None]


def _index_of(entries: list, spec: Any) -> int:
    """Where a compiled entry's spec sits in its file (compiled lists skip entries that failed)."""
    return next(j for j, entry in enumerate(entries) if entry is spec)


def declared(version: Version) -> tuple:
    """Every entry the version's file declares, also those whose condition could not be used
    (already reported there): a reference to one is not a second mistake."""
    return (*version.meta.criteria, *(version.meta.method.combined if version.meta.method else ()))


def _docs(loader: _Loader) -> dict[str, Any]:
    return {d.file: d for d in loader.docs}


def ids_used_once(loader: _Loader, state: LoadState) -> None:
    """Each id, and each id an entry had before (`formerly`, so stored ids still resolve), once."""
    first: dict[str, str] = {}
    docs = _docs(loader)
    for version in state.versions:
        doc = docs[version.file]
        entries = [(c.spec, ("criteria", _index_of(version.meta.criteria, c.spec))) for c in version.criteria]
        entries += [(r.spec, ("method", "combined", _index_of(version.meta.method.combined, r.spec)))
                    for r in version.combined]
        named = [(spec.id, where + ("id",)) for spec, where in entries]
        named += [(former, where + ("formerly", j)) for spec, where in entries for j, former in enumerate(spec.formerly)]
        for entry_id, where in named:
            if entry_id in first:
                _say(loader, doc, where, "id_twice", id=entry_id, where=first[entry_id])
            else:
                first[entry_id] = f"{version.file}:{doc.line_of(where)}"


def _named_facts(raw: Any, vocabulary: Vocabulary) -> set[str]:
    """The facts a condition as written reads (a derived fact: those of its definition)."""
    if isinstance(raw, list):
        return set().union(*(_named_facts(item, vocabulary) for item in raw))
    if not isinstance(raw, dict):
        return set()
    name = raw.get("fact")
    derived = vocabulary.derived.get(name) if isinstance(name, str) else None
    own = facts_of(derived.condition) if derived else {name} if isinstance(name, str) else set()
    return own.union(*(_named_facts(value, vocabulary) for value in raw.values()))


def _gated(version: Version, vocabulary: Vocabulary) -> dict[str, tuple[str, set[str]]]:
    """Each fact an element of a gated section reads beyond the gate: the section and its gate's facts."""
    out: dict[str, tuple[str, set[str]]] = {}
    for section in (s for s in version.meta.sections if s.gate is not None):
        gate = _named_facts(section.gate, vocabulary)
        for c in version.criteria:
            if c.spec.clause != section.clause and clause_in_section(c.spec.clause, section.clause):
                for name in facts_of(c.condition) - gate:
                    out.setdefault(name, (section.clause, gate))
    return out


def ask_order(loader: _Loader, state: LoadState) -> None:
    """`ask_order` lists facts of the vocabulary that the version's conditions read, each once, and
    a section's gate before what the gate guards (listed alone, a fact would be asked before it)."""
    docs = _docs(loader)
    known = list(state.vocabulary.facts) if state.vocabulary else []
    for version in state.versions:
        gated = _gated(version, state.vocabulary) if version.meta.ask_order and state.vocabulary else {}
        doc = docs[version.file]
        read = set().union(*(facts_of(c.condition) for c in version.criteria),
                           *(facts_of(r.category) for r in version.combined))
        first: dict[str, str] = {}
        for j, name in enumerate(version.meta.ask_order):
            where = ("ask_order", j)
            if name not in known:
                _say(loader, doc, where, "ask_order_unknown", name=name, hint=_suggest(name, known))
            elif name in first:
                _say(loader, doc, where, "ask_order_twice", name=name, where=first[name])
            elif name not in read:
                _say(loader, doc, where, "ask_order_unread", name=name)
            elif name in gated and not gated[name][1] & set(version.meta.ask_order[:j]):
                section, gate = gated[name]
                _say(loader, doc, where, "ask_order_before_gate", name=name, section=section, gate="、".join(sorted(gate)))
            first.setdefault(name, f"{version.file}:{doc.line_of(where)}")


def _overlap(a: Version, b: Version) -> bool:
    def span(v: Version):
        return v.meta.effective.date, v.meta.superseded.date if v.meta.superseded else None
    (s1, e1), (s2, e2) = span(a), span(b)
    starts_before_end = lambda s, e: s is None or e is None or s < e  # noqa: E731
    return starts_before_end(s1, e2) and starts_before_end(s2, e1)


def one_version_a_day(loader: _Loader, state: LoadState) -> None:
    docs = _docs(loader)
    by_standard: dict[str, list[Version]] = defaultdict(list)
    for version in state.versions:
        by_standard[version.standard].append(version)
    for group in by_standard.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if _overlap(a, b):
                    _say(loader, docs[b.file], ("effective",), "versions_overlap", other=a.file)


def previous_links(loader: _Loader, state: LoadState) -> None:
    """`previous` names entries of another version of the same standard."""
    docs = _docs(loader)
    owner = {entry.id: v for v in state.versions for entry in declared(v)}
    for version in state.versions:
        entries = [(("criteria", i), c) for i, c in enumerate(version.meta.criteria)]
        entries += [(("method", "combined", i), r) for i, r in enumerate(version.meta.method.combined
                                                                          if version.meta.method else [])]
        for where, spec in entries:
            for j, ref in enumerate(spec.previous):
                other = owner.get(ref)
                if other is None and version.standard in loader.unreadable_standards:
                    continue
                if other is None or other.standard != version.standard or other is version:
                    _say(loader, docs[version.file], where + ("previous", j), "previous_unknown", ref=ref)


def expressible(loader: _Loader, state: LoadState) -> None:
    docs = _docs(loader)
    for version in state.versions:
        checks = [(("criteria", _index_of(version.meta.criteria, c.spec), "condition"), c.condition)
                  for c in version.criteria]
        checks += [(("method", "combined", _index_of(version.meta.method.combined, r.spec), "category", "condition"),
                    r.category) for r in version.combined]
        for where, condition in checks:
            error = durable_backend.expressible(condition)
            if error:
                zh, _, en = error.partition(" / ")  # expressible words its own limits in both languages
                _say(loader, docs[version.file], where, "not_expressible", zh=zh, en=en or zh)


def lists(loader: _Loader, state: LoadState) -> None:
    state.lists = {p.stem: parsed for p in state.list_files
                   if (parsed := loader.list_file(p, state.usable, state.versions)) is not None}


def gap_places(loader: _Loader, state: LoadState) -> None:
    state.versions = [replace(v, gap_scopes=loader.gap_scopes(v, state.lists)) for v in state.versions]


STAGES: tuple[tuple[str, Callable[[_Loader, LoadState], None]], ...] = (
    ("files in place", files_in_place),
    ("vocabulary", vocabulary),
    ("standard versions", standard_versions),
    ("ids used once", ids_used_once),
    ("ask order", ask_order),
    ("one version of a standard a day", one_version_a_day),
    ("previous links", previous_links),
    ("conditions durable-rules can express", expressible),
    ("lists", lists),
    ("gap places", gap_places),
)

# The named lists a stage runs within itself, in order: the reuse written out, then the checks.
WITHIN: dict[str, tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]] = {
    "vocabulary": (("reuse", reuse.VOCABULARY_STAGES), ("checks", VOCABULARY_CHECKS)),
    "standard versions": (("reuse", reuse.VERSION_STAGES), ("checks", VERSION_CHECKS)),
    "lists": (("checks", LIST_CHECKS),),
}


def outline() -> list[str]:
    """Every stage in the order it runs, numbered, with the named lists run within a stage."""
    lines = []
    for i, (name, _) in enumerate(STAGES, 1):
        lines.append(f"{i}. {name}")
        for kind, stages in WITHIN.get(name, ()):
            lines += [f"   {kind} {j}. {inner}" for j, (inner, _) in enumerate(stages, 1)]
    return lines
