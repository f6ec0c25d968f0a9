"""Load a rules directory, check everything, and build a Bundle, or report every problem.

Layout:  rules/facts/*.yaml                   the fact vocabulary (and derived facts)
         rules/standards/<standard>/<version>.yaml   one file per version of a standard
"""

from __future__ import annotations

import difflib
import hashlib
import traceback
from pathlib import Path

from pydantic import ValidationError

from . import load_stages, reuse, text_numbers
from .bundle import Bundle, CompiledCombined, CompiledCriterion, Version
from .conditions import All, AnyOf, Compare, ConditionParser, Node, _suggest, _suggest_en
from .errors import RuleError, RuleProblem
from .list_checks import LIST_CHECKS, ListInFile
from .rule_messages import SCHEMA_MESSAGES, words
from .schema import (Category, Citation, CombinedRule, ConstraintDef, Criterion, DateMark, Defaults, DerivedDef, DirectRule,
                     FactDef, Gap, ListFile, MethodSpec, PlaceGroup, Reading, Section, VersionFile, VocabularyFile)
from .version_checks import VERSION_CHECKS, VersionInFile
from .vocabulary import Vocabulary
from .vocabulary_checks import VOCABULARY_CHECKS, VocabularyInFile, VocabularyState
from .yaml_source import SourceDoc, read_file




# A check across fields of one entry points at the field that is most likely wrong.
_FIELD_OF_CHECK = {"date_status_mismatch": "date", "unit_not_numeric": "unit", "bounds_not_numeric": "minimum",
                   "bounds_order": "minimum", "place_not_enum": "place", "enum_values": "values",
                   "constraint_form": "require", "gap_places": "places"}
_FIELD_NAMES = sorted({name for model in (VocabularyFile, FactDef, DerivedDef, Citation, VersionFile, DateMark, MethodSpec,
                                          DirectRule, CombinedRule, Category, Criterion, Gap, Reading, Section,
                                          ConstraintDef, Defaults, PlaceGroup)
                       for name in model.model_fields})


def _pydantic_problems(doc: SourceDoc, exc: ValidationError, prefix: tuple = ()) -> list[RuleProblem]:
    problems = []
    errors = exc.errors()
    missing = {tuple(e["loc"]) for e in errors if e["type"] == "missing"}
    for err in errors:
        path = prefix + tuple(part for part in err["loc"] if part not in ("function-after",))
        zh, en = SCHEMA_MESSAGES.get(err["type"], ("格式不正确", err["msg"]))
        if err["type"] == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            zh, en = f"取值不允许，应为：{expected}", f"value not allowed; expected {expected}"
        field = _FIELD_OF_CHECK.get(err["type"])
        if field and path + (field,) in doc.lines:
            path += (field,)
        if err["type"] == "extra_forbidden" and isinstance(path[-1], str):
            # a misspelt field: prefer the required field that is missing beside it
            beside = [loc[-1] for loc in missing if loc[:-1] == tuple(err["loc"])[:-1]]
            known = beside if difflib.get_close_matches(path[-1], beside, n=1) else _FIELD_NAMES
            zh, en = zh + _suggest(path[-1], known), en + _suggest_en(path[-1], known)
        problems.append(doc.problem(path, zh, en))
    return problems


class _Loader:
    def __init__(self, root: Path, shown_as: Path):
        self.root = root
        self.shown_as = shown_as
        self.problems: list[RuleProblem] = []
        self.docs: list[SourceDoc] = []
        # sha256 over each file read (its name under the root, the hash of its bytes), in reading
        # order: the digest names exactly the bytes parsed, whatever happens to the files meanwhile
        self._digest = hashlib.sha256()
        # facts and derived facts that are defined but wrongly (already reported): conditions
        # that use them are skipped without a second, misleading "unknown fact" problem
        self.broken: set[str] = set()
        self.broken_hazards: set[str] = set()  # hazard kinds defined, but wrongly (already reported)
        # standards with a version file that could not be read or is malformed (already reported):
        # which entries they declare is unknown, so references to them are not checked
        self.unreadable_standards: set[str] = set()
        # False when a vocabulary file could not be read at all: which facts exist is then
        # unknown, so conditions are not checked against the vocabulary
        self.vocabulary_complete = True
        self.places = reuse.Places()  # the kinds of place and their named groups, for applies_to

    def expanded(self, doc: SourceDoc, written_out: SourceDoc) -> SourceDoc:
        """The document as the reuse stages wrote it out stands for the file from now on."""
        self.docs[self.docs.index(doc)] = written_out
        return written_out

    def name(self, path: Path) -> str:
        """How problems name a file: under the directory the expert edits, not a staged copy."""
        return str(self.shown_as / path.relative_to(self.root))

    def problem(self, doc: SourceDoc, path: tuple, zh: str, en: str) -> None:
        self.problems.append(doc.problem(path, zh, en))

    def read(self, path: Path) -> SourceDoc | None:
        result = read_file(path, self.name(path))
        if not isinstance(result, SourceDoc):
            self.problems += result
            return None
        self.docs.append(result)
        self._digest.update(f"{path.relative_to(self.root)}\0{result.sha256}\0".encode())
        return result

    def digest(self) -> str:
        return self._digest.hexdigest()

    # -- vocabulary ----------------------------------------------------------------------
    def vocabulary(self, files: list[Path]) -> Vocabulary | None:
        read = [doc for doc in map(self.read, files) if doc is not None]
        self.vocabulary_complete = len(read) == len(files)
        reused = reuse.expand_vocabulary(read, self.problems)
        self.broken |= reused.broken
        self.places = reused.places
        state = VocabularyState([self._vocabulary_file(self.expanded(old, new)) for old, new in zip(read, reused.docs)])
        for _, check in VOCABULARY_CHECKS:
            check(self, state)
        return state.vocabulary(self.vocabulary_complete)

    def _vocabulary_file(self, doc: SourceDoc) -> VocabularyInFile:
        try:
            parsed = VocabularyFile.model_validate(doc.data)
        except ValidationError as exc:
            self.problems += _pydantic_problems(doc, exc)
            return VocabularyInFile(doc, False, self._salvage(doc), self._salvage_hazards(doc), {})
        return VocabularyInFile(doc, True, (("facts", parsed.facts), ("derived", parsed.derived)), parsed.hazards,
                                parsed.constraints)

    def _salvage_hazards(self, doc: SourceDoc) -> dict[str, str]:
        """The hazard kinds of a vocabulary file that failed validation which are valid on their
        own; the names of the others go to `broken_hazards` (their uses are no second mistake)."""
        data = doc.data if isinstance(doc.data, dict) else {}
        good = {}
        for name, label in (data.get("hazards") if isinstance(data.get("hazards"), dict) else {}).items():
            try:
                good.update(VocabularyFile.model_validate({"hazards": {name: label}}).hazards)
            except ValidationError:
                self.broken_hazards.add(str(name))
        return good

    def _salvage(self, doc: SourceDoc) -> tuple:
        """The entries of a vocabulary file that failed validation which are valid on their own
        (the file's problems are already reported); the names of the others go to `broken`."""
        data = doc.data if isinstance(doc.data, dict) else {}
        out = []
        for section, model in (("facts", FactDef), ("derived", DerivedDef)):
            entries = data.get(section) if isinstance(data.get(section), dict) else {}
            good = {}
            for name, raw in entries.items():
                try:
                    VocabularyFile.model_validate({section: {name: raw}})
                    good[name] = model.model_validate(raw)
                except ValidationError:
                    self.broken.add(str(name))
            out.append((section, good))
        return tuple(out)

    # -- standards -----------------------------------------------------------------------
    def version(self, path: Path, vocab: Vocabulary | None) -> Version | None:
        """One version file; without a (complete) vocabulary only its shape and dates are checked."""
        doc = self.read(path)
        if doc is None:
            self.unreadable_standards.add(path.parent.name)
            return None
        doc = self.expanded(doc, reuse.expand_version(doc, self.places, self.problems))
        try:
            meta = VersionFile.model_validate(doc.data)
        except ValidationError as exc:
            self.problems += _pydantic_problems(doc, exc)
            self.unreadable_standards.add(path.parent.name)
            return None
        say = lambda p, zh, en: self.problem(doc, p, zh, en)  # noqa: E731
        checked = VersionInFile(meta, vocab, frozenset(self.broken_hazards))
        for _, check in VERSION_CHECKS:
            for where, key, names in check(checked):
                say(where, *words(key, **names))
        if vocab is None:
            return Version(path.parent.name, path.stem, doc.file, meta, (), ())
        parser = ConditionParser(vocab.facts, lambda n: vocab.derived[n].condition if n in vocab.derived else None,
                                 list(vocab.derived), frozenset(self.broken))
        criteria = []
        for i, criterion in enumerate(meta.criteria):
            where = ("criteria", i)
            node = parser.parse(criterion.condition, where + ("condition",), say)
            scope = self._scope(criterion.applies_to, vocab, where, say)
            if node is None or scope is False:
                continue
            if scope is not None:
                node = All((scope, node))
            criteria.append(CompiledCriterion(criterion, node, doc.line_of(where)))
        combined = []
        for i, rule in enumerate(meta.method.combined if meta.method else []):
            where = ("method", "combined", i, "category", "condition")
            node = parser.parse(rule.category.condition, where, say)
            if node is not None:
                combined.append(CompiledCombined(rule, node, doc.line_of(("method", "combined", i))))
        return Version(path.parent.name, path.stem, doc.file, meta, tuple(criteria), tuple(combined))

    def _scope(self, applies_to: list[str] | None, vocab: Vocabulary, where: tuple, say) -> Node | None | bool:
        """applies_to as a condition on the place fact (None: everywhere; False: invalid)."""
        if applies_to is None:
            return None
        place = vocab.place_fact
        if place is None and self.broken:
            return False  # the place fact is defined wrongly, and that is reported where it is
        if place is None:
            say(where + ("applies_to",), *words("applies_to_without_place_fact"))
            return False
        kinds = vocab.facts[place].values or {}
        bad = [k for k in applies_to if k not in kinds]
        for k in bad:
            say(where + ("applies_to", applies_to.index(k)), *words("applies_to_kind_unknown", kind=k, place=place,
                                                                     hint=_suggest(k, list(kinds)),
                                                                     hint_en=_suggest_en(k, list(kinds))))
        if bad or not applies_to:
            if not applies_to:
                say(where + ("applies_to",), *words("applies_to_empty"))
            return False
        leaves = tuple(Compare(place, "eq", k) for k in applies_to)
        return leaves[0] if len(leaves) == 1 else AnyOf(leaves)

    def list_file(self, path: Path, vocab: Vocabulary | None, versions: list[Version]) -> ListFile | None:
        doc = self.read(path)
        if doc is None:
            return None
        try:
            parsed = ListFile.model_validate(doc.data)
        except ValidationError as exc:
            self.problems += _pydantic_problems(doc, exc)
            return None
        checked = ListInFile(parsed, vocab, frozenset(v.standard for v in versions),
                             frozenset(e.id for v in versions for e in load_stages.declared(v)),
                             frozenset(self.unreadable_standards), frozenset(self.broken_hazards))
        for _, check in LIST_CHECKS:
            for where, key, names in check(checked):
                self.problem(doc, where, *words(key, **names))
        return parsed

    def gap_scopes(self, version: Version, lists: dict[str, ListFile]) -> tuple[frozenset[str] | None, ...]:
        """Per gap, the kinds of place it concerns (None: every kind); areas take their places
        from the declared lists."""
        areas: dict[str, set[str]] = {}
        for declared in lists.values():
            for area in declared.areas:
                areas.setdefault(area.id, set()).update(area.places)
        doc = next(d for d in self.docs if d.file == version.file)
        scopes = []
        for i, gap in enumerate(version.meta.gaps):
            if gap.places == "all":
                scopes.append(None)
            elif gap.places == "none":
                scopes.append(frozenset())
            elif gap.places is not None:
                scopes.append(frozenset(gap.places))
            else:
                for j, area in enumerate(gap.areas or []):
                    if area not in areas and lists:
                        self.problem(doc, ("gaps", i, "areas", j),
                                     *words("gap_area_unknown", area=area, hint=_suggest(area, sorted(areas))))
                places = frozenset(p for area in gap.areas or [] for p in areas.get(area, ()))
                if not places and all(area in areas for area in gap.areas or []):
                    self.problem(doc, ("gaps", i, "areas"), *words("gap_areas_without_places"))
                scopes.append(places)
        return tuple(scopes)


def load(root: str | Path, shown_as: str | Path | None = None) -> Bundle:
    """Load and check every rule file under root; RuleError lists every problem found.
    shown_as: the directory to name in problems when root is a copy of it (a staged reload)."""
    root = Path(root)
    if not root.is_dir():
        raise RuleError([RuleProblem(str(shown_as or root), None, (), *words("rules_dir_missing"))])
    loader = _Loader(root, Path(shown_as) if shown_as else root)
    try:
        return _load_checked(loader, root)
    except RuleError:
        raise
    except Exception as exc:  # noqa: BLE001 - a fault in the checks, not in the files: named, never a traceback
        raise RuleError(loader.problems + [_fault_in_checks(loader.name(root), exc)]) from exc


def _load_checked(loader: _Loader, root: Path) -> Bundle:
    state = load_stages.LoadState(root)
    for _, stage in load_stages.STAGES:
        stage(loader, state)
    if loader.problems:
        raise RuleError(loader.problems)
    versions = state.versions
    warnings = text_numbers.unquoted_numbers(versions, state.vocabulary, loader.docs)
    aliases = {former: entry.id for v in versions for entry in load_stages.declared(v) for former in entry.formerly}
    return Bundle(state.vocabulary, tuple(versions), loader.digest(), state.lists, warnings, aliases)


def _fault_in_checks(rules_dir: str, exc: Exception) -> RuleProblem:
    """What went wrong in the engine's own code, where, for a bug report (the fuzzer's tests
    look for these: there should be none)."""
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}"
    return RuleProblem(rules_dir, None, (), *words("fault_in_checks", where=where, kind=type(exc).__name__, error=exc))


def lint(root: str | Path) -> list[RuleProblem]:
    try:
        load(root)
    except RuleError as exc:
        return exc.problems
    return []
