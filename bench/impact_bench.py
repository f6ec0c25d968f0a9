"""Section 6 of the benchmark: the impact of a change (engine/impact.py) on recorded judgements.

Records as the decision log holds them (subject, as_of, facts, decision id) are generated from the
bench corpus; the candidate rules are a copy of rules/ with a percent threshold raised, so that some
verdicts change. Both rule sets re-judge every record on every core; the same records judged in
this one process, with the verdict alone (Engine.verdict), give the single-core rate beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from bench.corpus import facilities
from engine import impact, load
from engine.bundle import Bundle
from engine.impact_sources import RecordSource
from rule_text import copy_with_threshold, threshold_criterion

TARGET_SECONDS = 60
TARGET_RECORDS = 100_000


def records(bundle: Bundle, count: int, as_of: dt.date) -> list[dict]:
    """One record per facility of the bench corpus (perturbed examples and baselines), 300 schools."""
    return [{"decision_id": i, "subject": {"facility_id": f"F{i:06d}", "school": f"学校{i % 300:03d}"},
             "as_of": as_of.isoformat(), "facts": facts} for i, facts in enumerate(facilities(bundle, count))]


def impact_section(report, root: Path, bundle: Bundle, count: int, as_of: dt.date) -> None:  # noqa: ANN001
    print(f"\n6. impact: {count:,} recorded judgements re-judged under the active and a candidate rule set", flush=True)
    recorded = records(bundle, count, as_of)
    _, criterion = threshold_criterion(bundle, as_of)
    with tempfile.TemporaryDirectory(prefix="bench-impact-") as tmp:
        candidate = Path(tmp) / "rules"
        old = copy_with_threshold(root / "rules", candidate, criterion.id, 95)
        t0 = time.perf_counter()
        result = impact.impact(root / "rules", candidate, RecordSource(recorded).subjects(), ["bench"], None, as_of)
        seconds = time.perf_counter() - t0
        sample = recorded[:2000]
        pair = impact.RuleSetPair(bundle, load(candidate))  # the same work on one core, in this process
        t1 = time.perf_counter()
        for r in sample:
            pair.judge(r["facts"], as_of)
        one_core = (time.perf_counter() - t1) / len(sample)
        pair.close()
    cores = os.cpu_count() or 1
    report.add("impact", f"{count:,} recorded judgements, {cores} workers",
               f"{seconds:,.1f} s ({count / seconds:,.0f} records/s, both rule sets)",
               f"{result.changed_subjects:,} changed ({criterion.id} percent {old} → 95); one core in-process "
               f"{1 / one_core:,.0f} records/s: the workers {one_core * count / seconds:.2f}× that, including "
               f"start-up, the candidate's check and build, and the report")
    scaled = seconds * TARGET_RECORDS / count
    report.target(f"{TARGET_RECORDS:,} recorded judgements re-judged in ≤ {TARGET_SECONDS} s",
                  scaled <= TARGET_SECONDS if count >= TARGET_RECORDS else None,
                  f"{seconds:,.1f} s for {count:,}" + ("" if count >= TARGET_RECORDS else " (fewer records: not measured)"))
    report.data["impact"] = {"records": count, "seconds": seconds, "changed": result.changed_subjects,
                             "one_core_records_per_s": 1 / one_core, "workers": cores}
