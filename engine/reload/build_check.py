"""Build untrusted rule files in a child process, with a timeout, before building them here.

durable-rules' C core can hang while holding the GIL (more than 512 sibling conditions under
one network node, e.g. 512 or more buckets) or abort the process (`free(): invalid pointer`
at 511 buckets) when a ruleset is created. Lint checks each condition, not the bundle as a
whole, so a set of files that passes lint can still do either. Building the bundle first in
a throw-away process turns a hang into a timeout and a crash into a message, and the caller
(a server worker, `hazard lint`) never runs that risk itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TIMEOUT = 60.0
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding engine/

# Exit 0 and print the digest it built; 3: rule files refused (lint); 4: durable-rules refused;
# 5: anything else went wrong (named in one line: what the child says reaches users, never a traceback).
_CHILD = r"""
import sys
from engine import Engine, EngineFault, RuleError, load
try:
    bundle = load(sys.argv[1])
    Engine(bundle).close()
except RuleError as exc:
    print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
    sys.exit(3)
except EngineFault as exc:
    print(exc, file=sys.stderr)
    sys.exit(4)
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(5)
print(bundle.digest)
"""


@dataclass(frozen=True)
class BuildCheck:
    digest: str | None          # the digest of the files the child built (None if it failed)
    problem: str | None = None  # why not, in Chinese / English

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_build(rules_dir: str | Path, timeout: float = DEFAULT_TIMEOUT) -> BuildCheck:
    """Load and build the rules in a child process (durable evaluator); its digest, or why not."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(rules_dir)], capture_output=True, text=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:  # the child is killed by subprocess.run
        return BuildCheck(None, f"在子进程中编译规则超过 {timeout:g} 秒未完成（durable-rules 挂起），未启用 / "
                                f"building the rules in a child process did not finish within {timeout:g} s "
                                f"(durable-rules hangs on them); not activated")
    if done.returncode == 0:
        return BuildCheck(done.stdout.strip())
    detail = done.stderr.strip()[-2000:]
    if done.returncode < 0:
        try:
            name = signal.Signals(-done.returncode).name
        except ValueError:
            name = str(-done.returncode)
        return BuildCheck(None, f"在子进程中编译规则时 durable-rules 崩溃（信号 {name}），未启用 / durable-rules "
                                f"crashed building the rules in a child process (signal {name}); not activated"
                                + (f": {detail}" if detail else ""))
    return BuildCheck(None, f"在子进程中编译规则失败（退出码 {done.returncode}），未启用 / building the rules in a "
                            f"child process failed (exit code {done.returncode}); not activated: {detail}")
