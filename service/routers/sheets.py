"""Inspection spreadsheets over HTTP: the template for a kind of place, and a filled one judged
(the xlsx as the raw body, the judged xlsx back). Only translation: engine.sheets does the work."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from engine import Engine, questionnaire
from engine.clock import now_in_china, today_in_china
from engine.decisions import Subject
from engine.present.documents import XLSX_MEDIA_TYPE, workbook_bytes
from engine.sheets.judging import SHEET, SheetError, SheetOutcome, judge_sheet
from engine.sheets.template import columns, workbook

from .. import json_body
from ..access import DIGEST_HEADER
from ..dates import IsoDate
from ..dependencies import LeasedEngine, Recording, Rules
from ..problems import ParameterProblem, RequestProblem
from ..recording import Recorder
from ..responses import OCTETS, PROBLEM, attachment

router = APIRouter(tags=["sheets"])
XLSX_BODY = {"schema": {"type": "string", "format": "binary", "minLength": 1}}
SHEET_TYPES = (XLSX_MEDIA_TYPE, OCTETS)  # octets: what generated clients send a file as
NOT_JUDGED = "检查表无法判定 / the spreadsheet cannot be judged"


@router.get("/v1/sheets/template", operation_id="get_sheet_template",
            responses={200: {"content": {XLSX_MEDIA_TYPE: XLSX_BODY}, "description": "检查表 / the spreadsheet"},
                       422: PROBLEM}, response_class=Response)
def get_sheet_template(rules: Rules, place_kind: Annotated[str, Query()],
                       as_of: Annotated[IsoDate | None, Query()] = None) -> Response:
    """某类场所的检查表（xlsx）：每行一个场所，每列一个问题，答案从下拉列表选择，后续问题注明“仅当……时填写”；
    填好后上传到 POST /v1/sheets/judgements / the inspection spreadsheet for a kind of place."""
    bundle = rules.bundle
    try:
        document = questionnaire.questionnaire(bundle, place_kind, as_of or today_in_china())
    except questionnaire.UnknownPlaceKind as exc:
        raise RequestProblem(422, "未知场所类型 / unknown place kind", str(exc),
                             [ParameterProblem(parameter="place_kind", detail=str(exc))]) from None
    content = workbook_bytes(workbook(document, columns(document, bundle.vocabulary.facts), now_in_china()))
    return attachment(content, XLSX_MEDIA_TYPE, f"sheet-{document.place_kind}-{document.as_of}.xlsx",
                       f"检查表-{document.place_label}-{document.as_of}.xlsx", {DIGEST_HEADER: bundle.digest})


@router.post("/v1/sheets/judgements", operation_id="judge_sheet",
             responses={200: {"content": {XLSX_MEDIA_TYPE: XLSX_BODY}, "description": "判定结果 / the judged sheet"},
                        413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 503: PROBLEM}, response_class=Response,
             openapi_extra={"requestBody": {"required": True, "description": "填好的检查表 / the filled spreadsheet",
                                            "content": {XLSX_MEDIA_TYPE: XLSX_BODY, OCTETS: XLSX_BODY}}})
async def judge_sheet_upload(request: Request, engine: LeasedEngine, recorder: Recording,
                             as_of: Annotated[IsoDate | None, Query()] = None) -> Response:
    """判定填好的检查表（请求体为 xlsx 文件本身）：每行写出判定结论、是否完整、触发的条款、决定结论的问题；
    有误的单元格标色并注明原因（按未知处理），其余照常判定。as_of 缺省为表中“说明”页的判定日期。
    整份表由同一版本的规则判定；每行的判定记入决定日志（设施编号为该行的场所名称），记录完成后才答复 /
    a filled spreadsheet judged row by row, the verdicts beside the rows, each row recorded in the decision log
    (its name the subject's facility_id) before the answer leaves."""
    body = await request.body()
    json_body.require_media_type(request, SHEET_TYPES, f"-H 'Content-Type: {XLSX_MEDIA_TYPE}' --data-binary @检查表.xlsx")
    try:  # one rules version for every row: the lease
        outcome = await run_in_threadpool(_judged_and_recorded, request, recorder, body, engine, as_of)
    except SheetError as exc:
        where = {name: value for name, value in (("sheet", exc.sheet), ("cell", exc.cell)) if value}
        raise RequestProblem(422, NOT_JUDGED, str(exc), **where) from None
    digest = engine.bundle.digest
    return attachment(outcome.content, XLSX_MEDIA_TYPE, "judged-sheet.xlsx", "判定结果.xlsx",
                       {DIGEST_HEADER: digest, "X-Facilities-Judged": str(outcome.judged),
                        "X-Bad-Cells": str(outcome.bad_cells)})


def _judged_and_recorded(request: Request, recorder: Recorder, body: bytes, engine: Engine,
                         as_of: dt.date | None) -> SheetOutcome:
    """The sheet judged and every judged row committed to the decision log (RequestProblem 503 when it
    cannot be: nothing answered), in a thread of the pool."""
    received = dt.datetime.now(dt.UTC)
    outcome = judge_sheet(body, engine, now_in_china(), as_of)
    recorder.record_blocking([recorder.decision(request, received, row.judgement, row.facts, _subject(row.name, row.row))
                              for row in outcome.rows])
    return outcome


def _subject(name: str | None, row: int) -> Subject | None:
    """The row's name as the subject's facility id; a name the log cannot keep is the sheet's mistake."""
    if name is None:
        return None
    try:
        return Subject(facility_id=name)
    except ValidationError:
        raise RequestProblem(422, NOT_JUDGED,
                             f"工作表“{SHEET}”单元格 A{row}：场所名称须为 1–200 个字符且不含控制字符 / sheet '{SHEET}', "
                             f"cell A{row}: the facility's name must be 1-200 characters without control characters",
                             sheet=SHEET, cell=f"A{row}") from None
