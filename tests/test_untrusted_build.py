"""Untrusted rule files are built in a child process with a timeout before they are loaded here.

A set of files can pass lint (each condition within durable-rules' limits) and still hang
durable-rules' create_ruleset while it holds the GIL: more than 512 distinct sibling conditions
under one network node. One file does it: 13 criteria, each `in` a list of 40 values of one enum
(520 values in all), fall into one bucket, whose guard node then has 520 alternatives (plus the
`$nex` of the may-hold rules): 510 and 511 values build, 512 and more hang (measured). A reload,
`hazard lint` and `hazard serve` build the files in a child process first (engine.reload.build_check)
and refuse them if it fails, crashes or times out; the rules in service keep serving.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import engine
import engine.reload.build_check
import engine.reload.registry
import engine.reload.rule_store
from engine.reload.build_check import BuildCheck, check_build
from engine.reload.registry import ActiveRules
from live_server import free_port
from rule_text import add_hanging_standard, criterion, version_header
from service import create_app
from service.settings import Settings

HAZARD = str(Path(sys.executable).with_name("hazard"))
TIMEOUT = 4  # seconds: the child needs about 0.5 s to import and load before it hangs
DAY = dt.date(2025, 6, 1)
FACTS = "facts:\n  n: {type: integer, label: 数量, description: d, minimum: 0, maximum: 9}\n"
def rules_with(root: Path, versions: int) -> Path:
    """A good rules directory: `versions` standards, each one criterion on the fact n."""
    (root / "facts").mkdir(parents=True)
    (root / "facts" / "f.yaml").write_text(FACTS, encoding="utf-8")
    add_standards(root, range(versions))
    return root


def add_standards(root: Path, numbers) -> None:
    for i in numbers:
        folder = root / "standards" / f"s{i:04d}"
        folder.mkdir(parents=True)
        (folder / "v1.yaml").write_text(version_header(f"T-{i}", f"测试{i}") + criterion(f"s{i}.c", f"{{fact: n, lt: {i % 7 + 1}}}"),
                                        encoding="utf-8")


@pytest.fixture(scope="module")
def hanging(tmp_path_factory) -> Path:
    root = rules_with(tmp_path_factory.mktemp("hang") / "rules", 3)
    add_hanging_standard(root)
    return root


def replace_with(rules: Path, other: Path) -> None:
    for part in ("facts", "standards"):
        shutil.rmtree(rules / part)
        shutil.copytree(other / part, rules / part)


def test_lint_passes_the_hanging_set(hanging):
    assert engine.lint(hanging) == []  # so only a build can tell


def test_child_build_of_the_hanging_set_times_out(hanging):
    t0 = time.monotonic()
    check = check_build(hanging, timeout=TIMEOUT)
    assert not check.ok and check.digest is None
    assert f"did not finish within {TIMEOUT} s" in check.problem and "超过" in check.problem
    assert time.monotonic() - t0 < TIMEOUT + 5


def test_a_child_that_crashes_is_reported_with_its_signal(tmp_path, monkeypatch):
    """durable-rules has aborted processes (`free(): invalid pointer`) on some rule sets: the
    child's death by a signal is a refusal naming the signal, not a crash here."""
    monkeypatch.setattr(engine.reload.build_check, "_CHILD", "import os, sys; sys.stderr.write('double free'); os.abort()")
    check = check_build(rules_with(tmp_path / "rules", 1), timeout=30)
    assert not check.ok and "SIGABRT" in check.problem and "double free" in check.problem


def test_just_under_the_limit_builds(tmp_path):
    root = rules_with(tmp_path / "rules", 1)
    add_hanging_standard(root, values=511)
    assert check_build(root, timeout=60).ok


def test_child_build_of_good_rules_gives_their_digest(tmp_path):
    rules = rules_with(tmp_path / "rules", 3)
    assert check_build(rules) == BuildCheck(engine.load(rules).digest)


def test_reload_of_a_hanging_set_is_refused_in_time_and_the_old_rules_keep_serving(tmp_path, hanging):
    rules = rules_with(tmp_path / "rules", 3)
    active = ActiveRules(rules, build_timeout=TIMEOUT)
    before = active.bundle.digest
    replace_with(rules, hanging)
    t0 = time.monotonic()
    result = active.reload()
    elapsed = time.monotonic() - t0
    assert not result.ok and "did not finish" in str(result.problems[0])
    assert elapsed < TIMEOUT + 10
    assert active.bundle.digest == before and active.last_reload == result
    with active.lease() as e:
        assert e.judge({"n": 0}, DAY).classification == "major"  # the three old standards
    active.close()


def test_a_follower_loads_the_published_copy_without_building_it_again(tmp_path, monkeypatch):
    rules = rules_with(tmp_path / "rules", 2)
    store = tmp_path / "state"
    announcer, follower = ActiveRules(rules, store_dir=store), ActiveRules(rules, store_dir=store)
    add_standards(rules, [7])
    assert announcer.reload().ok
    published = announcer.bundle.digest

    def must_not_run(*args, **kwargs):
        raise AssertionError("built again in a child process")

    monkeypatch.setattr(engine.reload.registry, "check_build", must_not_run)
    add_standards(rules, [8])  # the directory moves on; the follower serves what was published
    deadline = time.monotonic() + 30
    while follower.bundle.digest != published and time.monotonic() < deadline:
        time.sleep(0.05)  # the follower looks twice a second, in the background
    assert follower.bundle.digest == published != engine.load(rules).digest
    announcer.close()
    follower.close()


def test_a_process_started_after_a_refused_reload_serves_the_active_rules(tmp_path):
    """A worker started in place of one that died must not load a refused edit (nor fail to
    start on it): it starts from the published copy."""
    rules = rules_with(tmp_path / "rules", 2)
    store = tmp_path / "state"
    first = ActiveRules(rules, store_dir=store)
    before = first.bundle.digest
    (rules / "standards" / "s0001" / "v1.yaml").write_text("criteria: [", encoding="utf-8")
    assert not first.reload().ok
    later = ActiveRules(rules, store_dir=store)
    assert later.bundle.digest == before
    with later.lease() as e:
        assert e.judge({"n": 0}, DAY).classification == "major"
    first.close()
    later.close()


def test_a_refused_reload_names_the_files_the_expert_edits_not_the_staged_copy(tmp_path):
    rules = rules_with(tmp_path / "rules", 2)
    active = ActiveRules(rules)
    (rules / "standards" / "s0001" / "v1.yaml").write_text("criteria: [", encoding="utf-8")
    (rules / "misplaced.yaml").write_text("a: 1\n", encoding="utf-8")
    result = active.reload()
    assert not result.ok
    assert any(str(p).startswith(f"{rules / 'standards' / 's0001' / 'v1.yaml'}:") for p in result.problems), result.problems
    assert any(str(p).startswith(f"{rules / 'misplaced.yaml'}") for p in result.problems), result.problems
    active.close()


def test_the_store_keeps_the_active_copy_and_a_few_before_it(tmp_path):
    rules = rules_with(tmp_path / "rules", 1)
    store = tmp_path / "state"
    active = ActiveRules(rules, store_dir=store)
    for i in range(2, 10):
        add_standards(rules, [i])
        assert active.reload().ok
    kept = {p.name for p in (store / "sets").iterdir()}
    assert active.bundle.digest in kept and len(kept) == engine.reload.rule_store.KEEP
    assert not [p for p in store.iterdir() if p.name.startswith("staging-")]  # nothing left behind
    active.close()


def test_hazard_lint_refuses_the_hanging_set_within_its_timeout(hanging):
    t0 = time.monotonic()
    done = subprocess.run([HAZARD, "lint", str(hanging), "--build-timeout", str(TIMEOUT)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "did not finish" in done.stderr and "not activated" in done.stderr
    assert time.monotonic() - t0 < TIMEOUT + 30


def test_admin_reload_of_a_hanging_set_is_a_422_and_judgements_go_on(tmp_path, hanging):
    rules = rules_with(tmp_path / "rules", 3)
    settings = Settings(rules_dir=rules, admin_token="t", build_timeout=TIMEOUT)
    with TestClient(create_app(settings)) as client:
        before = client.get("/readyz").json()["rules_digest"]
        replace_with(rules, hanging)
        r = client.post("/v1/admin/reload", headers={"Authorization": "Bearer t"})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert "did not finish" in r.json()["detail"] and r.headers["x-rules-digest"] == before
        ready = client.get("/readyz").json()
        assert ready["rules_digest"] == before and ready["last_reload"]["ok"] is False
        j = client.post("/v1/judgements", json={"facts": {"n": 0}, "as_of": DAY.isoformat()})
        assert j.status_code == 200 and j.json()["classification"] == "major"


def test_a_file_changed_while_loading_is_not_labelled_with_the_new_digest(tmp_path, monkeypatch):
    """A load reads every file once; an edit landing after a file was read must not give the old
    content the new content's digest (a half-loaded version under a real name): the digest is
    computed from the bytes parsed."""
    import engine.loader
    rules = rules_with(tmp_path / "rules", 2)
    before = engine.load(rules).digest
    edited = rules / "standards" / "s0000" / "v1.yaml"
    original = engine.loader.read_file

    def read_then_edit(path, *args):
        doc = original(path, *args)
        if Path(path) == edited:
            edited.write_text(edited.read_text(encoding="utf-8").replace("text: t\n", "text: 改了\n"), encoding="utf-8")
        return doc

    monkeypatch.setattr(engine.loader, "read_file", read_then_edit)
    during = engine.load(rules)
    assert during.criteria["s0.c"][1].spec.text == "t" and during.digest == before
    monkeypatch.undo()
    after = engine.load(rules)
    assert after.criteria["s0.c"][1].spec.text == "改了" and after.digest != before


def test_hazard_serve_refuses_to_start_on_the_hanging_set(hanging):
    env = {**os.environ, "HAZARD_BUILD_TIMEOUT": str(TIMEOUT), "HAZARD_RULES": str(hanging)}
    env.pop("HAZARD_ADMIN_TOKEN", None)
    done = subprocess.run([HAZARD, "serve", "--port", str(free_port())], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and "did not finish" in done.stderr, done.stdout + done.stderr
