"""The mutation fuzzer of rule files (tests/fuzz/fuzz.py) at CI size: every kind of editor slip in
every file under rules/ (at least 300 mutated rule sets), each loaded, checked and built in a worker
process under a timeout. None may crash, hang or leak an exception; each loads, or is refused with
problems naming a file and a line (an invisible character at its very column). The stress mode is
the same run with more sets:

    .venv/bin/python tests/fuzz/fuzz.py                                   # 5,000 sets
    HAZARD_FUZZ_SETS=5000 .venv/bin/pytest tests/test_rule_fuzz.py        # the same, as this test
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

import fuzz  # noqa: E402
from mutations import KINDS  # noqa: E402
from rule_sets import base_files  # noqa: E402
from rule_text import add_hanging_standard  # noqa: E402

FILES = base_files(ROOT / "rules")
SETS = int(os.environ.get("HAZARD_FUZZ_SETS", max(300, len(KINDS) * len(FILES))))


def test_mutated_rule_sets_load_or_are_refused_with_file_and_line():
    summary = fuzz.run(ROOT / "rules", SETS)
    print(summary.table())
    assert summary.sets == SETS >= 300
    assert summary.crashes == [], "\n".join(summary.crashes[:10])
    assert set(summary.by_kind) == set(KINDS)  # every kind of slip was tried ...
    assert set(summary.by_file) == set(FILES)  # ... and every bundled file slipped
    assert summary.outcomes[fuzz.LOADED] and summary.outcomes[fuzz.REFUSED]


def test_a_set_that_hangs_durable_rules_is_refused_by_the_build_not_a_crash(tmp_path):
    """A slip that leaves the files loadable (CRLF line ends) in a set that passes lint but hangs
    durable-rules: the worker hangs building it, and the product's build in a child process
    (engine.reload.build_check) must refuse it, as a reload or `hazard lint` would."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    add_hanging_standard(rules)
    crlf = sorted(KINDS).index("CRLF line ends")  # set number k slips the k-th kind
    summary = fuzz.run(rules, sets=crlf + 1, timeout=5)
    assert summary.crashes == [], summary.crashes
    assert summary.by_kind["CRLF line ends"][fuzz.REFUSED_BY_BUILD] == 1
