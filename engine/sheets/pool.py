"""A large sheet's rows judged in worker processes: durable-rules' C core never releases the GIL,
so a second core judges only from a second process. Each worker loads the same rule files once
(checked by digest: the files may have changed since the caller loaded them) and judges chunks of
rows; the verdicts come back in row order."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..engine import Engine
from ..loader import load
from .judging import ReadSheet, RowVerdict, verdicts
from .template import Column

CHUNK = 200  # rows per task: few round trips, and the first verdicts (the progress bar) come soon
MIN_ROWS = 1000  # below this, starting the workers costs more than it saves

_engine: Engine | None = None  # a worker's own engine


class RulesChanged(RuntimeError):
    """A worker loaded rule files other than those the sheet is judged under."""


def _start(rules_dir: str, digest: str) -> None:
    global _engine
    bundle = load(rules_dir)
    if bundle.digest != digest:
        raise RulesChanged(f"{rules_dir}: 规则文件在判定期间被修改 / the rule files changed while judging")
    _engine = Engine(bundle)


def _judge(place_kind: str, as_of: dt.date, facts: list[str], chunk: list[tuple[int, list[object]]]) -> list[RowVerdict]:
    assert _engine is not None, "started by _start"
    vocab = _engine.bundle.vocabulary
    sheet = ReadSheet(place_kind, as_of, [Column(name, vocab.facts[name]) for name in facts], [])
    return list(verdicts(_engine, sheet, chunk))


class RowPool:
    """Judges rows in `workers` processes on the rules in `rules_dir` (those `engine` holds), or in
    this process with `engine` when the sheet is small or one worker is asked for."""

    def __init__(self, rules_dir: Path, engine: Engine, workers: int):
        self.rules_dir, self.engine, self.workers = rules_dir, engine, workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> RowPool:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __call__(self, sheet: ReadSheet, numbered: list[tuple[int, list[object]]]) -> Iterator[RowVerdict]:
        if self.workers < 2 or len(numbered) < MIN_ROWS:
            yield from verdicts(self.engine, sheet, numbered)
            return
        if self._pool is None:  # spawned, not forked: a fork would copy this process's durable-rules state
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start, initargs=(str(self.rules_dir), self.engine.bundle.digest))
        facts = [c.fact for c in sheet.columns]
        futures = [self._pool.submit(_judge, sheet.place_kind, sheet.as_of, facts, numbered[i:i + CHUNK])
                   for i in range(0, len(numbered), CHUNK)]
        for future in futures:
            yield from future.result()
