"""`hazard` command line: judge, lint, facts, standards, list, questions, template, judge-sheet, diff, impact, serve, log.

Exit codes: 0 done; 1 bad input or bad rule files (with a message, never a traceback).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from engine import differences, facts_files, impact, impact_sources, listing, load_stages, questionnaire
from engine.bundle import BUNDLED_RULES, Bundle
from engine.clock import now_in_china, today_in_china
from engine.decisions import DatabaseError
from engine.engine import Engine
from engine.errors import EngineFault, FactError, RuleError, RuleProblem
from engine.judgement import Judgement
from engine.loader import load
from engine.questions import LABELS
from engine.present import diffs, judgements, lists, questionnaires, terminal
from engine.present import impact as impact_documents
from engine.present.documents import workbook_bytes
from engine.reload.build_check import DEFAULT_TIMEOUT, check_build
from engine.reload.registry import publish
from engine.sheets import judging as sheet_judging
from engine.sheets import template as sheet_template
from engine.sheets.pool import RowPool, RulesChanged
from . import decisions as decisions_cli


class InputError(Exception):
    """A file or argument given on the command line cannot be used."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}") from None


def read_facts(path: Path) -> Any:
    """Facts from a YAML or JSON file, as plain data."""
    try:
        return facts_files.read_facts(path)
    except facts_files.FactsFileError as exc:
        raise InputError(str(exc)) from None


def _cmd_judge(args: argparse.Namespace) -> int:
    """One facility or several (e.g. every site inspected this week): all are checked before any
    is judged, so a wrong fact in one file leaves no partial output."""
    facilities = [(path, read_facts(path)) for path in args.files]
    bundle, files = decisions_cli.staged_rules(args.rules) if args.record else (load(args.rules), {})
    day = args.as_of or today_in_china()
    judged: list[tuple[str, Judgement]] = []
    with Engine(bundle) as engine:
        for path, facts in facilities:
            try:
                judged.append((str(path), engine.judge(facts, day)))
            except FactError as exc:
                raise FactError(exc.problems, source=str(path)) from None
    if args.record:  # recorded before anything is written out
        decisions_cli.record_judged(args, bundle, files, [(path, facts, j) for (path, facts), (_, j)
                                                          in zip(facilities, judged)])
    renderers = {
        "text": lambda items: "".join(f"== {name} ==\n{terminal.judgement_text(j)}" for name, j in items),
        "json": lambda items: (items[0][1].dump_json(args.detail, indent=2) if len(items) == 1 else
                               "[" + ",\n".join(j.dump_json(args.detail, indent=2) for _, j in items) + "]") + "\n",
        "html": judgements.page, "xlsx": judgements.spreadsheet}
    return _write(args, renderers, judged)


def _built_in_child(rules_dir: Path, timeout: float) -> None:
    """Build the (linted) rules in a child process with a timeout: durable-rules may hang or
    crash on a set of files that passes lint, and it must not do so here."""
    check = check_build(rules_dir, timeout)
    if not check.ok:
        raise InputError(f"{rules_dir}: {check.problem}")


def _cmd_lint(args: argparse.Namespace) -> int:
    if args.stages:
        print("\n".join(load_stages.outline()))
        return 0
    bundle = load(args.dir)
    _built_in_child(args.dir, args.build_timeout)
    warnings = bundle.warnings
    if args.strict and warnings:  # then they are the reasons the check failed, like errors
        print(f"规则文件有 {len(warnings)} 处提醒，--strict 下视为错误 / {len(warnings)} warning(s), "
              f"errors under --strict:", file=sys.stderr)
        _print_problems(warnings, sys.stderr)
        return 1
    print(f"规则文件无误 / rule files OK: {len(bundle.versions)} 个版本, {len(bundle.criteria)} 条判定标准, "
          f"{len(bundle.vocabulary.facts)} 个事实; 摘要 digest {bundle.digest[:12]}")
    if warnings:
        print(f"提醒 {len(warnings)} 处（规则仍可加载和判定）/ {len(warnings)} warning(s) (the rules still load and judge):")
        _print_problems(warnings, sys.stdout)
    return 0


def _print_problems(problems: Iterable[RuleProblem], stream: TextIO) -> None:
    for problem in problems:
        print(f"  {problem}", file=stream)


def _cmd_facts(args: argparse.Namespace) -> int:
    bundle = load(args.rules)
    if args.format == "json":
        vocab = bundle.vocabulary
        print(json.dumps({"facts": {n: f.model_dump(exclude_none=True) for n, f in vocab.facts.items()},
                          "derived": {n: d.definition.model_dump(exclude={"condition"})
                                      for n, d in vocab.derived.items()}}, ensure_ascii=False, indent=2))
    else:
        print(terminal.facts_text(bundle), end="")
    return 0


def _cmd_standards(args: argparse.Namespace) -> int:
    print(terminal.standards_text(load(args.rules), args.as_of or today_in_china()), end="")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    bundle = load(args.rules)
    list_id = args.list or next(iter(bundle.lists), None)
    if list_id not in bundle.lists:
        raise InputError(f"没有清单 “{list_id}”（已有：{', '.join(bundle.lists) or '无'}）/ no such list")
    document = listing.list_in_force(bundle, list_id, args.as_of or today_in_china())
    return _write(args, {"md": lists.markdown, "html": lists.page, "xlsx": lists.spreadsheet,
                         "json": _json}, document)


def _json(document: BaseModel) -> str:
    return document.model_dump_json(indent=2)


def _write(args: argparse.Namespace, renderers: dict[str, Callable[[Any], str | bytes]], document: Any) -> int:
    """The document in the chosen format, printed or written to -o (xlsx only to a file)."""
    if args.format == "xlsx" and args.output is None:
        raise InputError("xlsx 需要用 -o 指定输出文件 / xlsx needs -o FILE")
    rendered = renderers[args.format](document)
    if args.output is None:
        print(rendered, end="")
        return 0
    if isinstance(rendered, bytes):
        args.output.write_bytes(rendered)
    else:
        args.output.write_text(rendered, encoding="utf-8")
    print(f"已写入 / written: {args.output}")
    return 0


def _questionnaire_asked(args: argparse.Namespace) -> tuple[Bundle, questionnaire.Questionnaire]:
    """The rules, and the questionnaire of the kind of place and date the command names."""
    bundle = load(args.rules)
    try:
        return bundle, questionnaire.questionnaire(bundle, args.place_kind, args.as_of or today_in_china())
    except questionnaire.UnknownPlaceKind as exc:
        raise InputError(str(exc)) from None


def _cmd_questions(args: argparse.Namespace) -> int:
    _, document = _questionnaire_asked(args)
    return _write(args, {"md": questionnaires.markdown, "html": questionnaires.page,
                         "xlsx": questionnaires.spreadsheet, "json": _json}, document)


def _cmd_template(args: argparse.Namespace) -> int:
    """The inspection spreadsheet for a kind of place: a facility per row, a question per column."""
    bundle, document = _questionnaire_asked(args)
    book = sheet_template.workbook(document, sheet_template.columns(document, bundle.vocabulary.facts), now_in_china())
    args.output.write_bytes(workbook_bytes(book))
    print(f"已写入 / written: {args.output}（{document.place_label}，判定日期 {document.as_of}）")
    return 0


def _cmd_judge_sheet(args: argparse.Namespace) -> int:
    """Every row of a filled inspection spreadsheet judged, the verdicts beside the rows."""
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"{args.file}: 无法读取 / cannot read: {exc}") from None
    from tqdm import tqdm

    def progress(rows, total):  # on a terminal only (tqdm's disable=None), on stderr
        return tqdm(rows, total=total, desc="判定 / judging", unit="行", disable=None, file=sys.stderr)

    with Engine(load(args.rules)) as engine, RowPool(args.rules, engine, args.jobs) as pool:
        try:
            outcome = sheet_judging.judge_sheet(data, engine, now_in_china(), args.as_of, progress, pool)
        except sheet_judging.SheetError as exc:
            raise InputError(f"{args.file}: {exc}") from None
        except (BrokenProcessPool, RulesChanged) as exc:
            raise InputError(f"{args.rules}: 判定进程未能启动 / the judging processes failed: {exc}") from None
    args.output.write_bytes(outcome.content)
    counts = "，".join(f"{LABELS[c]} {n}" for c, n in outcome.by_classification.items())
    print(f"已判定 {outcome.judged} 个场所 / judged {outcome.judged} facilities：{counts}；"
          f"有误的单元格 {outcome.bad_cells} 个（已在表中标出，按未知处理）/ {outcome.bad_cells} bad cell(s) marked")
    print(f"已写入 / written: {args.output}")
    return 0


def _cmd_diff(args: argparse.Namespace) -> int:
    bundle = load(args.rules)
    try:
        document = differences.diff(bundle, args.old, args.new, args.list)
    except differences.DiffRequestError as exc:
        raise InputError(str(exc)) from None
    return _write(args, {"md": diffs.markdown, "html": diffs.page, "xlsx": diffs.spreadsheet,
                         "json": _json}, document)


def _cmd_impact(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    active = load(args.active)
    try:
        if args.log:
            sources = [impact_sources.RecordSource(decisions_cli.open_log(args).latest_per_subject())]
        elif args.records:
            sources = [impact_sources.RecordSource(_read_records(args.records), f"判定记录 {args.records}")]
        else:
            sources = impact_sources.bundled_sources(active)
    except impact_sources.SourceUnavailable as exc:
        raise InputError(str(exc)) from None
    subjects = [s for source in sources for s in source.subjects()]
    with tqdm(total=len(subjects), unit="对象", desc="重新判定 / re-judging", disable=None, file=sys.stderr) as bar:
        try:
            report = impact.impact(args.active, args.rules, subjects, [s.description for s in sources], args.as_of,
                                   today_in_china(), args.workers, progress=lambda total: bar.update,
                                   build_timeout=args.build_timeout)
        except impact.CandidateRefused as exc:
            raise RuleError(exc.problems) if exc.problems else InputError(exc.detail) from None
    return _write(args, {"md": impact_documents.markdown, "html": impact_documents.page, "xlsx": impact_documents.spreadsheet,
                         "json": _json}, report)


def _read_records(path: Path) -> Iterable[dict]:
    """Recorded decisions, one JSON object a line (subject, as_of, facts, decision_id)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: 无法读取（需 UTF-8 文本）/ cannot read (UTF-8 text expected): {exc}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError as exc:
                raise InputError(f"{path}:{number}: JSON 格式错误 / invalid JSON: {exc}") from None
            if not isinstance(records[-1], dict) or not isinstance(records[-1].get("facts"), dict):
                raise InputError(f"{path}:{number}: 每行应为含 facts 对象的判定记录 / each line must be a recorded "
                                 f"decision with a facts object")
    return records


def _cmd_serve(args: argparse.Namespace) -> int:
    import tempfile

    from service.server import serve  # the CLI fronts the service too; the engine does not
    from service.settings import Settings, SettingsError

    # Settings reach the workers through the environment (uvicorn starts them as new processes);
    # the workers share a state directory: the rule store they start from and follow reloads in.
    for name, value in (("HAZARD_RULES", args.rules), ("HAZARD_HOST", args.host), ("HAZARD_PORT", args.port),
                        ("HAZARD_WORKERS", args.workers)):
        if value is not None:
            os.environ[name] = str(value)
    own_state = None if os.environ.get("HAZARD_STATE_DIR") else tempfile.TemporaryDirectory(prefix="hazard-")
    if own_state:
        os.environ["HAZARD_STATE_DIR"] = own_state.name
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise InputError(str(exc)) from None
    # Refuse to start on broken rules (with the lint errors) or on rules durable-rules cannot
    # build; otherwise they are what every worker starts from, whatever the directory holds later.
    from service.recording import Recorder

    try:
        store = Recorder(settings).rule_store()
        shared = settings.database_url and settings.decision_log and store.active()
        if shared:  # a replica joins: it serves what the database names active, whatever its directory holds
            print(f"规则以数据库中启用的为准 / serving the rules active in the database: {shared.split()[0]}", flush=True)
        else:
            publish(settings.rules_dir, store, settings.build_timeout)
    except DatabaseError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{settings.rules_dir}: 无法读取规则或写入状态目录 / cannot read the rules or write the "
                         f"state directory: {exc}") from None
    print(f"判定服务 / judgement service: http://{settings.host}:{settings.port}  (文档 docs: /docs, "
          f"workers: {settings.workers}, rules: {settings.rules_dir})", flush=True)
    try:
        started = serve(settings)
    finally:
        if own_state:
            own_state.cleanup()
    if not started:
        raise InputError("判定服务未能启动（见上方日志）/ the service could not start (see the log above)")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is bad input: exit 1 like every other, not 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: 参数错误 / error: {message}\n")


def _place_kind_and_date(command: argparse.ArgumentParser) -> None:
    """What a questionnaire or a sheet template is made for: a kind of place, on a date."""
    command.add_argument("--place-kind", required=True,
                         help="场所类型：代码或中文名（如 canteen 或 食堂）/ kind of place: code or Chinese label")
    command.add_argument("--as-of", type=_date, help="判定日期，默认为中国时区今天 / date, default today (China)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hazard", description="教育系统重大事故隐患判定 / major accident hazard judgement")
    sub = parser.add_subparsers(dest="command", required=True)

    judge = sub.add_parser("judge", help="判定场所 / judge facilities")
    judge.add_argument("files", type=Path, nargs="+", metavar="file",
                       help="事实文件（YAML 或 JSON），可多个 / facts files, one facility each")
    judge.add_argument("--as-of", type=_date, help="判定日期，默认为中国时区今天 / date, default today (China)")
    judge.add_argument("--format", choices=["text", "json", "html", "xlsx"], default="text",
                       help="text 终端阅读；json 供系统集成（多个文件为数组）；html 可打印的判定书；xlsx 每个场所一行 / "
                            "text, json (an array for several files), printable html, xlsx (a row per facility)")
    judge.add_argument("-o", "--output", type=Path, help="输出文件（xlsx 必须）/ output file (required for xlsx)")
    judge.add_argument("--detail", choices=["compact", "full"], default="compact",
                       help="json：compact 省去各场所相同的文字（缺口全文、出处、说明），full 全部给出 / "
                            "json: compact leaves out text that is the same for every facility; full keeps it")
    judge.add_argument("--rules", type=Path, default=BUNDLED_RULES, help="规则目录 / rules directory")
    decisions_cli.add_subject_options(judge)
    judge.set_defaults(run=_cmd_judge)

    lint = sub.add_parser(
        "lint", help="检查规则文件 / check rule files",
        description="检查规则文件：错误使检查失败（退出码 1）；提醒（如条件中的数未出现在条款原文中）只列出，"
                    "规则仍可加载，退出码仍为 0，除非加 --strict / check rule files: errors fail the check (exit 1); "
                    "warnings (such as a number of a condition that its clause's text does not state) are listed "
                    "and the rules still load (exit 0) unless --strict is given")
    lint.add_argument("dir", type=Path, nargs="?", default=BUNDLED_RULES)
    lint.add_argument("--strict", action="store_true",
                      help="有提醒也视为检查失败（退出码 1）/ warnings fail the check too (exit 1)")
    lint.add_argument("--build-timeout", type=float, default=DEFAULT_TIMEOUT,
                      help="在子进程中编译规则的时限（秒）/ seconds allowed to build the rules in a child process")
    lint.add_argument("--stages", action="store_true",
                      help="只列出检查的各阶段及其顺序，不检查 / list the checks' stages in order, check nothing")
    lint.set_defaults(run=_cmd_lint)

    facts = sub.add_parser("facts", help="事实词汇表 / the fact vocabulary")
    facts.add_argument("--format", choices=["text", "json"], default="text")
    facts.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    facts.set_defaults(run=_cmd_facts)

    standards = sub.add_parser("standards", help="标准版本及有效性 / standard versions in force")
    standards.add_argument("--as-of", type=_date)
    standards.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    standards.set_defaults(run=_cmd_standards)

    listing_cmd = sub.add_parser("list", help="判定日有效的清单 / the list in force on a date")
    listing_cmd.add_argument("--as-of", type=_date)
    listing_cmd.add_argument("--format", choices=["md", "html", "xlsx", "json"], default="md")
    listing_cmd.add_argument("-o", "--output", type=Path, help="输出文件 / output file")
    listing_cmd.add_argument("--list", help="清单编号（rules/lists/ 下的文件名）/ list id")
    listing_cmd.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    listing_cmd.set_defaults(run=_cmd_list)

    questions = sub.add_parser("questions", help="某类场所的现场检查问卷 / the on-site questionnaire for a kind of place")
    _place_kind_and_date(questions)
    questions.add_argument("--format", choices=["md", "html", "xlsx", "json"], default="md")
    questions.add_argument("-o", "--output", type=Path, help="输出文件（xlsx 必须）/ output file (required for xlsx)")
    questions.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    questions.set_defaults(run=_cmd_questions)

    template = sub.add_parser("template", help="某类场所的检查表（xlsx，每行一个场所）/ the inspection spreadsheet")
    _place_kind_and_date(template)
    template.add_argument("-o", "--output", type=Path, required=True, help="输出的 xlsx 文件 / the xlsx file to write")
    template.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    template.set_defaults(run=_cmd_template)

    judge_sheet = sub.add_parser("judge-sheet", help="判定填好的检查表，每行写出结论 / judge a filled spreadsheet")
    judge_sheet.add_argument("file", type=Path, help="填好的检查表（hazard template 生成）/ the filled sheet")
    judge_sheet.add_argument("-o", "--output", type=Path, required=True,
                             help="写出判定结果的 xlsx 文件 / the xlsx file to write the verdicts to")
    judge_sheet.add_argument("--as-of", type=_date, help="判定日期，默认为表中“说明”页的日期 / date, default the sheet's")
    judge_sheet.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                             help="判定进程数（默认为 CPU 数；1000 行以下只用一个）/ judging processes (default: the "
                                  "CPUs; one below 1,000 rows)")
    judge_sheet.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    judge_sheet.set_defaults(run=_cmd_judge_sheet)

    diff = sub.add_parser("diff", help="比较标准两个版本，或清单两个日期 / compare two versions or two dates")
    diff.add_argument("old", help="标准@版本 或 日期 / STANDARD@VERSION or DATE")
    diff.add_argument("new", help="标准@版本 或 日期 / STANDARD@VERSION or DATE")
    diff.add_argument("--list", help="清单编号 / list id (for dates)")
    diff.add_argument("--format", choices=["md", "html", "xlsx", "json"], default="md",
                      help="md 终端或文档阅读；html 可打印；xlsx 每条变化的条款一行；json 供系统集成 / "
                           "md, printable html, xlsx (a row per clause that changes), json")
    diff.add_argument("-o", "--output", type=Path, help="输出文件（xlsx 必须）/ output file (required for xlsx)")
    diff.add_argument("--rules", type=Path, default=BUNDLED_RULES)
    diff.set_defaults(run=_cmd_diff)

    impact_cmd = sub.add_parser(
        "impact", help="规则变更的影响：哪些对象的判定结果会变 / which verdicts a change of rules changes",
        description="在在用规则与候选规则（专家的修改、新的版本文件）下重新判定各对象，列出结论的变化（如 未发现隐患 → "
                    "重大事故隐患），按条款、按学校，并列出对象；对象默认为随附示例与活文档的基础事实集和场景 / re-judge "
                    "each subject under the active and the candidate rules and report the transitions")
    impact_cmd.add_argument("--rules", type=Path, required=True, help="候选规则目录 / candidate rules directory")
    impact_cmd.add_argument("--active", type=Path, default=BUNDLED_RULES,
                            help="在用规则目录，默认随附规则 / the rules in use, default the bundled ones")
    impact_cmd.add_argument("--as-of", type=_date, help="所有对象都按这一天判定；默认各按自己的判定日期（示例与基础事实集"
                                                        "按中国时区今天）/ judge every subject on this day")
    impact_cmd.add_argument("--records", type=Path, help="判定记录（JSON Lines，每行 subject、as_of、facts、"
                                                         "decision_id）代替随附对象 / recorded decisions instead")
    impact_cmd.add_argument("--log", action="store_true", help="决定日志中每个对象的最新判定代替随附对象（日志见 "
                                                               "--database）/ the decision log's latest decision of each subject")
    decisions_cli.add_database_option(impact_cmd)
    impact_cmd.add_argument("--workers", type=int, help="工作进程数，默认全部核 / worker processes, default all cores")
    impact_cmd.add_argument("--format", choices=["md", "html", "xlsx", "json"], default="md")
    impact_cmd.add_argument("-o", "--output", type=Path, help="输出文件（xlsx 必须）/ output file (required for xlsx)")
    impact_cmd.add_argument("--build-timeout", type=float, default=DEFAULT_TIMEOUT,
                            help="在子进程中编译候选规则的时限（秒）/ seconds allowed to build the candidate rules")
    impact_cmd.set_defaults(run=_cmd_impact)

    serve = sub.add_parser("serve", help="启动 HTTP 判定服务 / start the HTTP service")
    serve.add_argument("--rules", type=Path, help="规则目录，默认 HAZARD_RULES 或随附规则 / rules directory")
    serve.add_argument("--host", help="默认 HAZARD_HOST 或 127.0.0.1")
    serve.add_argument("--port", type=int, help="默认 HAZARD_PORT 或 8000")
    serve.add_argument("--workers", type=int, help="工作进程数，默认 HAZARD_WORKERS 或 1 / worker processes")
    serve.set_defaults(run=_cmd_serve)

    decisions_cli.add_commands(sub, _date, BUNDLED_RULES)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except RuleError as exc:
        print(f"规则文件有 {len(exc.problems)} 处错误 / {len(exc.problems)} problem(s) in the rule files:", file=sys.stderr)
        _print_problems(exc.problems, sys.stderr)
        return 1
    except FactError as exc:
        print(f"{exc.source}: 事实有误，未作判定 / facts rejected, nothing judged:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (InputError, decisions_cli.LogInputError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except EngineFault as exc:
        print(f"无法完成 / cannot proceed: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `hazard facts | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
