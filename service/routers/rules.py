"""GET the rules themselves: the standards and their versions, one criterion, the list in force,
the questionnaire for a kind of place, and the fact vocabulary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse

from engine import catalogue, listing, questionnaire
from engine.clock import today_in_china
from engine.present import lists as list_documents
from engine.present import questionnaires as questionnaire_documents
from engine.present.documents import XLSX_MEDIA_TYPE

from .. import json_body, problems
from ..access import DIGEST_HEADER
from ..dates import IsoDate
from ..dependencies import Rules
from ..problems import FieldProblem, problem_response
from ..responses import PROBLEM, attachment, wants_html

router = APIRouter(prefix="/v1", route_class=json_body.CheckedJsonRoute)
AsOf = Annotated[IsoDate | None, Query()]


@router.get("/standards", operation_id="list_standards", response_model=list[catalogue.StandardView], tags=["standards"])
def list_standards(rules: Rules, as_of: AsOf = None) -> Any:
    """各标准及其版本、日期与在该日的状态 / standards, versions, dates and state on a date."""
    return catalogue.standards(rules.bundle, as_of or today_in_china())


@router.get("/standards/{standard_id}", operation_id="get_standard", response_model=catalogue.StandardView,
            tags=["standards"], responses={404: PROBLEM})
def get_standard(standard_id: str, rules: Rules, as_of: AsOf = None) -> Any:
    for standard in catalogue.standards(rules.bundle, as_of or today_in_china()):
        if standard.id == standard_id:
            return standard
    return problem_response(404, "没有该标准 / no such standard", f"{standard_id}")


@router.get("/criteria/{criterion_id}", operation_id="get_criterion", response_model=catalogue.CriterionView,
            tags=["criteria"], responses={404: PROBLEM})
def get_criterion(criterion_id: str, rules: Rules) -> Any:
    """一条判定标准：原文、文本状态、判定方法、条件说明 / one criterion."""
    view = catalogue.criterion(rules.bundle, criterion_id)
    return view or problem_response(404, "没有该条款 / no such criterion", criterion_id)


@router.get("/list", operation_id="get_list", response_model=listing.ListDocument, tags=["list"],
            responses={200: {"content": {"text/html": {}}}, 404: PROBLEM, 422: PROBLEM})
def get_list(request: Request, rules: Rules, as_of: AsOf = None,
             list_id: Annotated[str | None, Query(alias="list")] = None,
             format: Annotated[Literal["json", "html"] | None, Query()] = None) -> Any:
    """判定日有效的清单：JSON，或供浏览器阅读的 HTML（format=html 或 Accept: text/html）。"""
    bundle = rules.bundle
    chosen = list_id or next(iter(bundle.lists), None)
    if chosen not in bundle.lists:
        return problem_response(404, "没有该清单 / no such list", f"{chosen}（已有：{', '.join(bundle.lists)}）")
    document = listing.list_in_force(bundle, chosen, as_of or today_in_china())
    if wants_html(request, format):
        return HTMLResponse(list_documents.page(document), headers={DIGEST_HEADER: bundle.digest})
    return Response(document.model_dump_json(), media_type="application/json", headers={DIGEST_HEADER: bundle.digest})


@router.get("/questionnaire", operation_id="get_questionnaire", response_model=questionnaire.Questionnaire,
            tags=["questionnaire"], responses={200: {"content": {"text/html": {}, XLSX_MEDIA_TYPE: {}}}, 422: PROBLEM})
def get_questionnaire(request: Request, rules: Rules, place_kind: Annotated[str, Query()], as_of: AsOf = None,
                      format: Annotated[Literal["json", "html", "xlsx"] | None, Query()] = None) -> Any:
    """某类场所的现场检查问卷（place_kind 为代码或中文名）：JSON，供打印的 HTML（format=html 或
    Accept: text/html），或 xlsx 表格 / the on-site questionnaire for a kind of place."""
    bundle = rules.bundle
    headers = {DIGEST_HEADER: bundle.digest}
    try:
        document = questionnaire.questionnaire(bundle, place_kind, as_of or today_in_china())
    except questionnaire.UnknownPlaceKind as exc:
        return problem_response(422, "未知场所类型 / unknown place kind", str(exc),
                                [FieldProblem(pointer=problems.pointer("query", "place_kind"), detail=str(exc))],
                                headers=headers)
    if format == "xlsx":
        return attachment(questionnaire_documents.spreadsheet(document), XLSX_MEDIA_TYPE,
                          f"questionnaire-{document.place_kind}-{document.as_of}.xlsx",
                          f"现场检查问卷-{document.place_label}-{document.as_of}.xlsx", headers)
    if wants_html(request, format):
        return HTMLResponse(questionnaire_documents.page(document), headers=headers)
    return Response(document.model_dump_json(), media_type="application/json", headers=headers)


@router.get("/facts", operation_id="get_facts", tags=["facts"])
def get_facts(rules: Rules) -> dict[str, Any]:
    """事实词汇表（JSON Schema）/ the fact vocabulary as JSON Schema."""
    return catalogue.facts_schema(rules.bundle.vocabulary)
