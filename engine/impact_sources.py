"""Where the subjects of an impact come from (engine/impact.py):

- RecordSource: any iterable of recorded decisions (the decision log's latest decision of each
  subject): each with its subject (facility id, school, place …), as_of, the facts as submitted and
  its decision id, as attributes or keys;
- ExampleSource: the bundled examples (examples/*.yaml);
- the living documentation (features/: the compliant baselines and the scenarios' facilities),
  read by features/living_subjects.py with the scenarios' own step parsing;
- bundled_sources(): the examples and the living documentation, for an expert previewing an edit
  when there is no log.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from .bundle import Bundle
from .facts_files import read_facts
from .impact import Subject

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
FEATURES_DIR = ROOT / "features"


class SubjectSource(Protocol):
    description: str

    def subjects(self) -> Iterable[Subject]: ...


class SourceUnavailable(Exception):
    """A source that cannot be read here (message: 中文 / English)."""


def _field(record: Any, name: str) -> Any:
    return record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)


class RecordSource:
    """Recorded decisions, e.g. `RecordSource(log.latest_per_subject())`."""

    def __init__(self, records: Iterable[Any], description: str = "决策日志中每个对象的最新判定 / the decision "
                                                                    "log's latest decision of each subject"):
        self.records, self.description = records, description

    def subjects(self) -> Iterator[Subject]:
        for record in self.records:
            subject = _field(record, "subject") or {}
            decision = str(_field(record, "decision_id") or _field(record, "id"))
            facility = subject.get("facility_id") or subject.get("facility")
            label = " ".join(str(x) for x in (facility, subject.get("place")) if x) or f"判定 {decision}"
            day = _field(record, "as_of")
            yield Subject(key=f"{facility or '判定'} #{decision}", label=label,
                          school=subject.get("school") or "（未注明学校）", source="log",
                          facts=dict(_field(record, "facts")),
                          as_of=dt.date.fromisoformat(day) if isinstance(day, str) else day)


class ExampleSource:
    description = "随附示例 examples/*.yaml / the bundled examples"

    def __init__(self, directory: Path = EXAMPLES_DIR):
        self.directory = directory

    def subjects(self) -> Iterator[Subject]:
        for path in sorted(self.directory.glob("*.yaml")):
            yield Subject(key=f"examples/{path.name}", label=path.stem, school="随附示例", source="example",
                          facts=read_facts(path))


def living_documentation(bundle: Bundle) -> SubjectSource:
    """The living documentation's baselines and scenarios, their facts read with the bundle's words.
    Needs the test dependencies (pytest-bdd reads the feature files)."""
    module_path = FEATURES_DIR / "living_subjects.py"
    try:
        if str(FEATURES_DIR) not in sys.path:
            sys.path.insert(0, str(FEATURES_DIR))  # living_subjects imports hazard_bdd, as features/conftest.py does
        spec = importlib.util.spec_from_file_location("living_subjects", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (ImportError, FileNotFoundError) as exc:
        raise SourceUnavailable(f"无法读取活文档（{module_path}）：{exc}；需要测试依赖：pip install -e '.[test]' / cannot "
                                f"read the living documentation; it needs the test dependencies") from None
    return module.LivingDocumentation(bundle)


def bundled_sources(bundle: Bundle) -> list[SubjectSource]:
    return [ExampleSource(), living_documentation(bundle)]
