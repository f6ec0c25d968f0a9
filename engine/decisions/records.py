"""One recorded decision: what was asked, by whom about what, and what was answered; its hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..judgement import Judgement

GENESIS = "0" * 64  # the hash before the first record
SUBJECT_FIELDS = ("facility_id", "school", "place", "inspector")
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # no control characters: a name is printed on documents and searched by


class Subject(BaseModel):
    """What a judgement is about, as the caller names it: the keys the log is searched by."""

    model_config = ConfigDict(extra="forbid")
    facility_id: str | None = Field(None, min_length=1, max_length=200, pattern=PRINTABLE,
                                    description="设施编号 / the caller's facility id")
    school: str | None = Field(None, min_length=1, max_length=200, pattern=PRINTABLE, description="学校 / school")
    place: str | None = Field(None, min_length=1, max_length=200, pattern=PRINTABLE, description="场所（楼宇、房间）/ place (building, room)")
    inspector: str | None = Field(None, min_length=1, max_length=200, pattern=PRINTABLE, description="检查人 / inspector")

    def fields(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


@dataclass(frozen=True)
class Decision:
    """A judgement to record, or as recorded (seq and hashes are the log's)."""

    id: str
    request_id: str
    item_id: str | None
    received_at: str
    as_of: str
    subject: dict[str, str] | None
    facts: str            # JSON as submitted
    classification: str
    complete: bool
    criteria: list[str]
    judgement: str        # JSON, detail=full
    rules_digest: str
    engine_version: str
    evaluator: str
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""
    columns_agree: bool = True  # as read: the searchable columns (facility_id ...) say what the hashed fields say

    @classmethod
    def of(cls, judgement: Judgement, facts: dict[str, Any], request_id: str, received_at: dt.datetime,
           subject: dict[str, str] | None = None, item_id: str | None = None) -> Decision:
        provenance = judgement.provenance
        return cls(id=uuid.uuid4().hex, request_id=request_id, item_id=item_id,
                   received_at=received_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                   as_of=judgement.as_of.isoformat(), subject=subject or None,
                   facts=json.dumps(facts, ensure_ascii=False, separators=(",", ":")),
                   classification=judgement.classification, complete=judgement.coverage.complete,
                   criteria=[f.criterion for f in judgement.findings], judgement=judgement.dump_json("full"),
                   rules_digest=provenance.rules_digest, engine_version=provenance.engine_version,
                   evaluator=provenance.evaluator)

    def chained(self, seq: int, prev_hash: str) -> Decision:
        linked = Decision(**{**self.__dict__, "seq": seq, "prev_hash": prev_hash, "hash": ""})
        return Decision(**{**linked.__dict__, "hash": linked.computed_hash()})

    def computed_hash(self) -> str:
        """sha256 over the previous hash and every field recorded: a change to either shows."""
        content = [self.seq, self.id, self.request_id, self.item_id, self.received_at, self.as_of, self.subject,
                   self.facts, self.classification, self.complete, self.criteria, self.judgement,
                   self.rules_digest, self.engine_version, self.evaluator]
        text = self.prev_hash + "\n" + json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def row(self) -> tuple:
        subject = self.subject or {}
        return (self.seq, self.id, self.request_id, json.dumps(self.item_id, ensure_ascii=False), self.received_at,
                self.as_of,
                json.dumps(self.subject, ensure_ascii=False, sort_keys=True) if self.subject else None,
                *(searchable(subject.get(name)) for name in SUBJECT_FIELDS), self.facts, self.classification, int(self.complete),
                json.dumps(self.criteria), self.judgement, self.rules_digest, self.engine_version, self.evaluator,
                self.prev_hash, self.hash)

    @classmethod
    def from_row(cls, row: tuple) -> Decision:
        (seq, id_, request_id, item_id, received_at, as_of, subject, *indexed, facts, classification,
         complete, criteria, judgement, digest, engine_version, evaluator, prev_hash, hash_) = row
        subject_fields = json.loads(subject) if subject else {}
        return cls(id=id_, request_id=request_id, item_id=json.loads(item_id), received_at=received_at, as_of=as_of,
                   subject=json.loads(subject) if subject else None, facts=facts, classification=classification,
                   complete=bool(complete), criteria=json.loads(criteria), judgement=judgement, rules_digest=digest,
                   engine_version=engine_version, evaluator=evaluator, seq=int(seq), prev_hash=prev_hash, hash=hash_,
                   columns_agree=list(indexed) == [searchable(subject_fields.get(n)) for n in SUBJECT_FIELDS])

    def summary(self) -> dict[str, Any]:
        """The record without the facts and the judgement's text."""
        return {"id": self.id, "seq": self.seq, "request_id": self.request_id, "item_id": self.item_id,
                "received_at": self.received_at, "as_of": self.as_of, "subject": self.subject,
                "classification": self.classification, "complete": self.complete, "criteria": self.criteria,
                "rules_digest": self.rules_digest, "engine_version": self.engine_version, "evaluator": self.evaluator}

    def full(self) -> dict[str, Any]:
        return {**self.summary(), "facts": json.loads(self.facts), "judgement": json.loads(self.judgement),
                "prev_hash": self.prev_hash, "hash": self.hash}


def searchable(text: str | None) -> str | None:
    """A name as its column holds it: PostgreSQL text cannot hold NUL (a batch id may), so it is
    written as the JSON escape; the same for every search by that name."""
    return text.replace("\x00", "\\u0000") if text else text


COLUMNS = ("seq, id, request_id, item_id, received_at, as_of, subject, facility_id, school, place, inspector, facts, "
           "classification, complete, criteria, judgement, rules_digest, engine_version, evaluator, prev_hash, hash")
