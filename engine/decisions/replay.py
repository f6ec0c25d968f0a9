"""Replay a recorded decision: its facts and date judged again, under the rule set it names
(loaded from the database by digest: the answer must come out byte for byte as recorded) or
under other rules, typically those active now (then what changed, clause by clause)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..engine import ENGINE_VERSION, Engine
from ..loader import load
from .database import Database
from .records import Decision
from .rule_sets import kept, write_files


class ReplayError(Exception):
    """The decision cannot be replayed (message: Chinese / English)."""


class ClauseChange(BaseModel):
    kind: Literal["finding", "combined"]
    id: str = Field(description="条款（判定要素或组合规则）编号 / criterion or combined rule id")
    document_number: str
    clause: str
    change: Literal["entered", "left", "changed"]
    recorded: dict[str, Any] | None = Field(description="记录的判定中该条 / as recorded (null: absent)")
    replayed: dict[str, Any] | None = Field(description="重新判定中该条 / as replayed (null: absent)")


class Replay(BaseModel):
    decision_id: str
    under: Literal["recorded", "active"]
    recorded_digest: str
    rules_digest: str = Field(description="重新判定所用规则的摘要 / the rules that judged the replay")
    identical: bool = Field(description="重新判定的答复与记录的逐字节相同 / the replay is byte-identical")
    recorded_sha256: str
    replayed_sha256: str
    engine_version: str = Field(description="本次重新判定的引擎版本（与记录不同时可能不逐字节相同）/ this engine's version")
    classification: dict[str, str] = Field(description="{recorded, replayed}")
    complete: dict[str, bool] = Field(description="{recorded, replayed}")
    changes: list[ClauseChange] = Field(description="逐条的变化 / what changed, clause by clause")
    judgement: dict[str, Any] = Field(description="重新判定的答复（detail=full）/ the replayed judgement")


def recorded_engine(database: Database, decision: Decision) -> Engine:
    """An engine on the rule set the decision names, loaded from the database (close it after)."""
    files = kept(database, decision.rules_digest)
    if files is None:
        raise ReplayError(f"数据库中没有该决定所用的规则集 {decision.rules_digest} / the rule set the decision names is "
                          "not in the database")
    with tempfile.TemporaryDirectory(prefix="replay-") as tmp:
        write_files(files, Path(tmp))
        bundle = load(Path(tmp))
    if bundle.digest != decision.rules_digest:
        raise ReplayError(f"保存的规则集与其摘要不符 / the kept rule set does not match its digest {decision.rules_digest}")
    return Engine(bundle, decision.evaluator)  # type: ignore[arg-type]


def replay(decision: Decision, engine: Engine, under: Literal["recorded", "active"]) -> Replay:
    judged = engine.judge(json.loads(decision.facts), dt.date.fromisoformat(decision.as_of))
    text = judged.dump_json("full")
    recorded = json.loads(decision.judgement)
    replayed = json.loads(text)
    return Replay(decision_id=decision.id, under=under, recorded_digest=decision.rules_digest,
                  rules_digest=engine.bundle.digest, identical=text == decision.judgement,
                  recorded_sha256=_sha(decision.judgement), replayed_sha256=_sha(text), engine_version=ENGINE_VERSION,
                  classification={"recorded": recorded["classification"], "replayed": replayed["classification"]},
                  complete={"recorded": recorded["coverage"]["complete"], "replayed": replayed["coverage"]["complete"]},
                  changes=clause_changes(recorded, replayed), judgement=replayed)


def clause_changes(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[ClauseChange]:
    """Findings by criterion and combined outcomes by rule: those only in one judgement, and those
    in both that differ (the rules digest alone is no change)."""
    changes = []
    for kind, key, listed in (("finding", "criterion", "findings"), ("combined", "rule", "combined")):
        before = {item[key]: item for item in recorded[listed]}
        after = {item[key]: item for item in replayed[listed]}
        for ident in [*before, *(i for i in after if i not in before)]:
            old, new = before.get(ident), after.get(ident)
            if old == new:
                continue
            citation = (new or old)["citation"]
            change = "entered" if old is None else "left" if new is None else "changed"
            changes.append(ClauseChange(kind=kind, id=ident, document_number=citation["document_number"],
                                        clause=citation["clause"], change=change, recorded=old, replayed=new))
    return changes


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
