"""`hazard log list|show|replay|verify` and `hazard judge --record`: the decision log from the
command line, in the database HAZARD_DATABASE_URL names, or the SQLite file under
HAZARD_STATE_DIR, or the one --database gives (a postgresql:// URL or a file path)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from engine.bundle import Bundle
from engine.judgement import Judgement
from engine.loader import load
from engine.decisions.database import Database, DatabaseError
from engine.decisions.log import DecisionLog
from engine.decisions.records import SUBJECT_FIELDS, Decision, Subject
from engine.decisions.replay import ReplayError, recorded_engine, replay
from engine.decisions.rule_sets import keep, read_files, write_files


class LogInputError(Exception):
    """A bad argument or an unreachable database (message: Chinese / English)."""


def open_log(args: argparse.Namespace) -> DecisionLog:
    target = args.database or os.environ.get("HAZARD_DATABASE_URL")
    if not target and os.environ.get("HAZARD_STATE_DIR"):
        target = str(Path(os.environ["HAZARD_STATE_DIR"]) / "decisions.sqlite3")
    if not target:
        raise LogInputError("未指定决定日志：请用 --database，或设置 HAZARD_DATABASE_URL 或 HAZARD_STATE_DIR / no decision "
                            "log given: pass --database, or set HAZARD_DATABASE_URL or HAZARD_STATE_DIR")
    try:
        return DecisionLog(Database(target))
    except DatabaseError as exc:
        raise LogInputError(str(exc)) from None


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", help="决定日志：postgresql:// 地址或 SQLite 文件；默认 HAZARD_DATABASE_URL，或 "
                                           "HAZARD_STATE_DIR 下的 decisions.sqlite3 / the decision log")


def add_subject_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--record", action="store_true", help="记入决定日志 / record the judgements in the decision log")
    add_database_option(parser)
    for name in SUBJECT_FIELDS:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=f"subject_{name}",
                            help=f"判定对象的 {name}（记入日志；facility-id 默认为文件名）/ the subject's {name}")


def staged_rules(rules_dir: Path) -> tuple[Bundle, dict[str, str]]:
    """The rules loaded from a copy of their files, and the files: the digest names these bytes."""
    files = read_files(rules_dir)
    with tempfile.TemporaryDirectory(prefix="hazard-judge-") as tmp:
        write_files(files, Path(tmp))
        return load(Path(tmp), shown_as=rules_dir), files


def subject_of(args: argparse.Namespace, path: Path) -> dict[str, str]:
    given = {name: getattr(args, f"subject_{name}") for name in SUBJECT_FIELDS if getattr(args, f"subject_{name}")}
    given.setdefault("facility_id", path.stem)
    try:
        return Subject(**given).fields()
    except ValidationError as exc:
        wrong = "; ".join(f"--{'.'.join(map(str, e['loc'])).replace('_', '-')}: {e['msg']}" for e in exc.errors())
        raise LogInputError(f"判定对象有误（每项 1–200 个字符）/ bad subject (1–200 characters each): {wrong}") from None


def record_judged(args: argparse.Namespace, bundle: Bundle, files: dict[str, str],
                  judged: list[tuple[Path, dict[str, Any], Judgement]]) -> list[Decision]:
    log = open_log(args)
    log.database.write(lambda conn: keep(log.database, conn, bundle.digest, files))
    received = dt.datetime.now(dt.UTC)
    request_id = f"cli-{os.getpid()}-{received.strftime('%Y%m%dT%H%M%S%f')}"
    decisions = [Decision.of(j, facts, request_id, received, subject_of(args, path), str(path))
                 for path, facts, j in judged]
    recorded = log.record(decisions)
    log.close()
    for d in recorded:
        print(f"已记录 / recorded: {d.id} ({d.item_id})", file=sys.stderr)
    return recorded


def add_commands(sub: argparse._SubParsersAction, date: Any, rules_default: Path) -> None:
    log_cmd = sub.add_parser("log", help="决定日志：查询、查看、重新判定、校验 / the decision log")
    actions = log_cmd.add_subparsers(dest="log_action", required=True, metavar="list|show|replay|verify")

    listing = actions.add_parser("list", help="查询决定，新的在前 / search decisions, newest first")
    for name in SUBJECT_FIELDS:
        listing.add_argument(f"--{name.replace('_', '-')}", dest=name)
    listing.add_argument("--classification", choices=["major", "ordinary", "none", "indeterminate"])
    listing.add_argument("--from", dest="received_from", type=date, help="收到日期起（含，UTC）/ received on or after")
    listing.add_argument("--to", dest="received_to", type=date, help="收到日期止（含，UTC）/ received on or before")
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--cursor", type=int, help="上一页末尾给出的序号 / the seq the previous page ended before")
    listing.add_argument("--format", choices=["text", "json"], default="text")
    listing.set_defaults(run=_list)

    show = actions.add_parser("show", help="一个决定的全部记录 / one decision, whole")
    show.add_argument("id")
    show.set_defaults(run=_show)

    again = actions.add_parser("replay", help="重新判定一个决定 / replay a decision")
    again.add_argument("id")
    again.add_argument("--under", choices=["recorded", "active"], default="recorded",
                       help="recorded：所记规则（应逐字节相同）；active：--rules 目录的规则，逐条列出变化 / the recorded "
                            "rules (byte-identical), or those of --rules, with what changed clause by clause")
    again.add_argument("--rules", type=Path, default=rules_default, help="--under active 所用的规则目录 / for --under active")
    again.add_argument("--format", choices=["text", "json"], default="text")
    again.set_defaults(run=_replay)

    verify = actions.add_parser("verify", help="校验哈希链 / check the hash chain")
    verify.set_defaults(run=_verify)
    for parser in (listing, show, again, verify):
        add_database_option(parser)


def _list(args: argparse.Namespace) -> int:
    subject = {name: getattr(args, name) for name in SUBJECT_FIELDS if getattr(args, name)}
    found = open_log(args).find(
        subject=subject, classification=args.classification,
        received_from=args.received_from.isoformat() if args.received_from else None,
        received_to=(args.received_to + dt.timedelta(days=1)).isoformat() if args.received_to else None,
        before=args.cursor, limit=args.limit)
    if args.format == "json":
        print(json.dumps([d.summary() for d in found], ensure_ascii=False, indent=2))
        return 0
    for d in found:
        subject_text = " ".join(f"{k}={v}" for k, v in (d.subject or {}).items())
        print(f"{d.seq}\t{d.id}\t{d.received_at}\t{d.as_of}\t{d.classification}\t{subject_text}")
    if len(found) == args.limit:
        print(f"下一页 / next page: --cursor {found[-1].seq}", file=sys.stderr)
    return 0


def _found(args: argparse.Namespace) -> tuple[DecisionLog, Decision]:
    log = open_log(args)
    decision = log.get(args.id)
    if decision is None:
        raise LogInputError(f"没有该决定 / no such decision: {args.id}")
    return log, decision


def _show(args: argparse.Namespace) -> int:
    print(json.dumps(_found(args)[1].full(), ensure_ascii=False, indent=2))
    return 0


def _replay(args: argparse.Namespace) -> int:
    log, decision = _found(args)
    try:
        engine = recorded_engine(log.database, decision) if args.under == "recorded" else None
    except ReplayError as exc:
        raise LogInputError(str(exc)) from None
    if engine is None:
        from ..engine import Engine

        engine = Engine(staged_rules(args.rules)[0])
    with engine:
        answer = replay(decision, engine, args.under)
    if args.format == "json":
        print(answer.model_dump_json(indent=2))
        return 0 if answer.identical or args.under == "active" else 1
    print(f"决定 / decision {decision.id}: 所记规则 / recorded rules {answer.recorded_digest[:12]}, "
          f"重新判定 / replayed under {answer.rules_digest[:12]}")
    print(f"结论 / classification: {answer.classification['recorded']} → {answer.classification['replayed']}; "
          f"完整 / complete: {answer.complete['recorded']} → {answer.complete['replayed']}")
    print("答复逐字节相同 / byte-identical" if answer.identical else
          f"答复不同 / differs (sha256 {answer.recorded_sha256[:12]} → {answer.replayed_sha256[:12]})")
    for c in answer.changes:
        word = {"entered": "新增 / entered", "left": "不再适用 / left", "changed": "变化 / changed"}[c.change]
        print(f"  {word}: {c.document_number} {c.clause} ({c.id})")
    return 0 if answer.identical or args.under == "active" else 1


def _verify(args: argparse.Namespace) -> int:
    checked, broken = open_log(args).verify()
    if broken is None:
        print(f"哈希链完整：{checked} 条 / the hash chain holds: {checked} record(s)")
        return 0
    print(f"哈希链在第 {broken.seq} 条断开（此前 {checked} 条完好）/ the chain breaks at record {broken.seq} "
          f"({checked} before it hold): {broken}", file=sys.stderr)
    return 1
