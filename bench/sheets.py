"""6. Spreadsheets: a filled inspection sheet of 10,000 rows judged by `hazard judge-sheet`'s code
(engine.sheet_judging.judge_sheet: read, judge every row, write the verdicts), against the same
facilities judged directly (engine.judge, no sheet) in the same run; each row's verdict must be the
direct judgement's, or the benchmark fails."""

from __future__ import annotations

import datetime as dt
import io
import time
from typing import Any

from engine import Engine
from engine.bundle import Bundle
from engine.conditions import display_value
from engine.documents import workbook_bytes
from engine.questionnaire import questionnaire
from engine.sheet_judging import VERDICT_COLUMNS, judge_sheet
from engine.sheet_template import FIRST_ROW, HEADER_ROW, SHEET, SheetCells, columns, workbook

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
    return workbook_bytes(workbook(doc, cols, dt.datetime.now(dt.timezone.utc), cells)), facts, len(cols)


def _verdicts(content: bytes) -> list[str]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True)[SHEET]
    rows = sheet.iter_rows(min_row=HEADER_ROW, values_only=True)
    head = list(next(rows))
    at = head.index(VERDICT_COLUMNS[0][0])
    return [row[at] for n, row in enumerate(rows, HEADER_ROW + 1) if n >= FIRST_ROW]


def sheet_section(report, bundle: Bundle, corpus: list[dict[str, Any]], as_of: dt.date, rows: int,
                  failure: type[Exception]) -> None:
    print(f"\n== 6. spreadsheets: a filled sheet of {rows:,} rows ({PLACE_KIND}) judged, against direct judging",
          flush=True)
    content, facts, questions = _filled_sheet(bundle, corpus, rows, as_of)
    with Engine(bundle) as engine:
        t0, c0 = time.perf_counter(), time.process_time()
        direct = [engine.judge(f, as_of).label for f in facts]
        direct_s, direct_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        outcome = judge_sheet(content, engine, dt.datetime.now(dt.timezone.utc), as_of)
        sheet_s, sheet_cpu = time.perf_counter() - t0, time.process_time() - c0
    if outcome.bad_cells or _verdicts(outcome.content) != direct:
        raise failure(f"the sheet's verdicts differ from direct judging ({outcome.bad_cells} bad cells)")
    size = f"{len(content) / 1e6:.1f} MB in, {len(outcome.content) / 1e6:.1f} MB out"
    report.add("sheets", f"judge-sheet, {rows:,} rows × {questions} questions",
               f"{sheet_s:.1f} s ({rows / sheet_s:,.0f} rows/s), CPU {sheet_cpu:.1f} s",
               f"{sheet_cpu / direct_cpu:.2f}× the CPU of judging the same facilities directly ({direct_s:.1f} s, "
               f"CPU {direct_cpu:.1f} s); {size}; every verdict equal")
    report.data["sheets"] = {"rows": rows, "sheet_s": sheet_s, "sheet_cpu_s": sheet_cpu, "direct_s": direct_s,
                             "direct_cpu_s": direct_cpu}
    # one process on one core: the wall time is the CPU time unless the shared machine is busy
    report.target(f"judge-sheet of {rows:,} rows < 60 s on the 2-core machine", sheet_s < 60 if rows >= 10_000 else None,
                  f"{sheet_s:.1f} s (CPU {sheet_cpu:.1f} s), {sheet_cpu / direct_cpu:.2f}× direct judging's CPU")
