"""8. Spreadsheets: a filled inspection sheet of 10,000 rows judged by `hazard judge-sheet`'s code
(engine.sheets.judging.judge_sheet: read, judge every row, write the verdicts) in one process and
with 2 worker processes (engine.sheets.pool, as the command does on 2 cores), against the same
facilities judged directly (engine.judge, no sheet) in the same run; each row's verdict must be the
direct judgement's, or the benchmark fails."""

from __future__ import annotations

import datetime as dt
import io
import time
from pathlib import Path
from typing import Any

from engine import Engine
from engine.bundle import Bundle
from engine.conditions import display_value
from engine.present.documents import workbook_bytes
from engine.questionnaire import questionnaire
from engine.sheets.judging import VERDICT_COLUMNS, judge_sheet
from engine.sheets.pool import MIN_ROWS, RowPool
from engine.sheets.template import FIRST_ROW, HEADER_ROW, SHEET, SheetCells, columns, workbook

ROOT = Path(__file__).resolve().parent.parent
PLACE_KIND = "teaching_building"  # one of the kinds with the most questions (83)


def _filled_sheet(bundle: Bundle, corpus: list[dict[str, Any]], rows: int,
                  as_of: dt.date) -> tuple[bytes, list[dict], int]:
    """The template filled with the corpus's answers to its questions (labels, as an inspector
    picks them), cycling through the corpus; and each row's facts as the engine takes them."""
    doc = questionnaire(bundle, PLACE_KIND, as_of)
    cols = columns(doc, bundle.vocabulary.facts)
    place = bundle.vocabulary.place_fact
    cells, facts = SheetCells(), []
    for i in range(rows):
        given = corpus[i % len(corpus)]
        row: list[object] = [f"教学楼 {i + 1}"]
        asked = {place: PLACE_KIND}
        for c in cols:
            value = given.get(c.fact)
            if value is not None:
                asked[c.fact] = value
            row.append(None if value is None else display_value(c.definition, value)
                       if c.definition.type in ("boolean", "enum") else value)
        cells.rows.append(row)
        facts.append(asked)
    return workbook_bytes(workbook(doc, cols, dt.datetime.now(dt.UTC), cells)), facts, len(cols)


def _verdicts(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True)[SHEET]
    rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
    head = list(next(rows))
    at = head.index(VERDICT_COLUMNS[0][0])
    return [row[at] for n, row in enumerate(rows, HEADER_ROW + 1) if n >= FIRST_ROW]


def sheet_section(report, bundle: Bundle, corpus: list[dict[str, Any]], as_of: dt.date, rows: int,
                  failure: type[Exception]) -> None:
    print(f"\n== 8. spreadsheets: a filled sheet of {rows:,} rows ({PLACE_KIND}) judged, against direct judging",
          flush=True)
    content, facts, questions = _filled_sheet(bundle, corpus, rows, as_of)
    with Engine(bundle) as engine, RowPool(ROOT / "rules", engine, 2) as pool:
        t0, c0 = time.perf_counter(), time.process_time()
        direct = [engine.judge(f, as_of).label for f in facts]
        direct_s, direct_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        one = judge_sheet(content, engine, dt.datetime.now(dt.UTC), as_of)
        one_s, one_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        two = judge_sheet(content, engine, dt.datetime.now(dt.UTC), as_of, judge_rows=pool)
        two_s = time.perf_counter() - t0  # the workers' CPU is not this process's: wall time only
    for outcome in (one, two):
        if outcome.bad_cells or _verdicts(outcome.content) != direct:
            raise failure(f"the sheet's verdicts differ from direct judging ({outcome.bad_cells} bad cells)")
    size = f"{len(content) / 1e6:.1f} MB in, {len(one.content) / 1e6:.1f} MB out"
    report.add("sheets", f"judge-sheet, {rows:,} rows × {questions} questions, 1 process",
               f"{one_s:.1f} s ({rows / one_s:,.0f} rows/s), CPU {one_cpu:.1f} s",
               f"{one_cpu / direct_cpu:.2f}× the CPU of judging the same facilities directly ({direct_s:.1f} s, "
               f"CPU {direct_cpu:.1f} s); {size}; every verdict equal")
    report.add("sheets", f"judge-sheet, {rows:,} rows, 2 worker processes (hazard judge-sheet's default here)",
               f"{two_s:.1f} s ({rows / two_s:,.0f} rows/s)",
               f"{two_s / one_s:.2f}× the time of 1 process{'' if rows >= MIN_ROWS else ' (fewer rows than MIN_ROWS: 1 process)'}; "
               "every verdict equal")
    report.data["sheets"] = {"rows": rows, "one_s": one_s, "one_cpu_s": one_cpu, "two_workers_s": two_s,
                             "direct_s": direct_s, "direct_cpu_s": direct_cpu}
    report.target(f"judge-sheet of {rows:,} rows < 60 s on the 2-core machine", two_s < 60 if rows >= 10_000 else None,
                  f"{two_s:.1f} s with 2 worker processes; 1 process {one_s:.1f} s (CPU {one_cpu:.1f} s, "
                  f"{one_cpu / direct_cpu:.2f}× direct judging's CPU)")
