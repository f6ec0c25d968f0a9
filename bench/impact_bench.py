"""Section 7 of the benchmark: the impact of a change (engine/impact.py) on recorded judgements.

Records as the decision log holds them (subject, as_of, facts, decision id) are generated from the
bench corpus; the candidate rules are a copy of rules/ with a percent threshold raised, so that some
verdicts change. Both rule sets re-judge every record on every core; the same records judged in
this one process, with the verdict alone (Engine.verdict), give the single-core rate beside it.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
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


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended (the pool's workers,
    the candidate's build check)."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def records(bundle: Bundle, count: int, as_of: dt.date) -> list[dict]:
    """One record per facility of the bench corpus (perturbed examples and baselines), 300 schools."""
    return [{"decision_id": i, "subject": {"facility_id": f"F{i:06d}", "school": f"学校{i % 300:03d}"},
             "as_of": as_of.isoformat(), "facts": facts} for i, facts in enumerate(facilities(bundle, count))]


def impact_section(report, root: Path, bundle: Bundle, count: int, as_of: dt.date) -> None:  # noqa: ANN001
    print(f"\n== 7. impact: {count:,} recorded judgements re-judged under the active and a candidate rule set", flush=True)
    recorded = records(bundle, count, as_of)
    _, criterion = threshold_criterion(bundle, as_of)
    with tempfile.TemporaryDirectory(prefix="bench-impact-") as tmp:
        candidate = Path(tmp) / "rules"
        old = copy_with_threshold(root / "rules", candidate, criterion.id, 95)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        result = impact.impact(root / "rules", candidate, RecordSource(recorded).subjects(), ["bench"], None, as_of)
        seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
        sample = recorded[:2000]
        pair = impact.RuleSetPair(bundle, load(candidate))  # the same work on one core, in this process
        t1 = time.perf_counter()
        for r in sample:
            pair.judge(r["facts"], as_of)
        one_core = (time.perf_counter() - t1) / len(sample)
        pair.close()
    cores = os.cpu_count() or 1
    workers = f"{cores} workers" if count >= impact.IN_PROCESS_BELOW else "in-process (too few for workers)"
    report.add("impact", f"{count:,} recorded judgements, {workers}",
               f"{seconds:,.1f} s ({count / seconds:,.0f} records/s, both rule sets)",
               f"{result.changed_subjects:,} changed ({criterion.id} percent {old} → 95); one core in-process "
               f"{1 / one_core:,.0f} records/s: the workers {one_core * count / seconds:.2f}× that, including "
               f"start-up, the candidate's check and build, and the report")
    cores_alone = cpu / cores  # the wall time were the cores this run's alone
    report.add("impact", "CPU time of that run (this process and its workers)",
               f"{cpu:,.1f} CPU s ({cpu / count * 1e3:.2f} ms per record, both rule sets)",
               f"on {cores} cores with nothing else running: {cores_alone:,.1f} s; wall {seconds:,.1f} s, so this run "
               f"had {cpu / seconds:.2f} of the {cores} cores (the machine is shared)")
    scaled = seconds * TARGET_RECORDS / count
    report.target(f"{TARGET_RECORDS:,} recorded judgements re-judged in ≤ {TARGET_SECONDS} s",
                  scaled <= TARGET_SECONDS if count >= TARGET_RECORDS else None,
                  f"{seconds:,.1f} s wall for {count:,} ({cores_alone:,.1f} s of CPU per core: the cores alone)"
                  + ("" if count >= TARGET_RECORDS else " (fewer records: not measured)"))
    report.data["impact"] = {"records": count, "seconds": seconds, "cpu_seconds": cpu, "changed": result.changed_subjects,
                             "one_core_records_per_s": 1 / one_core, "workers": cores}
