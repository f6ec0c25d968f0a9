"""POST /v1/admin/impact: which verdicts a reload would change. The rules directory the service
reloads from (HAZARD_RULES), as it is now, is the candidate (an expert's edit, a new version file);
the active rules are the ones in service. Refused with the located problems when it fails lint."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from engine import impact
from engine.clock import today_in_china
from engine.impact_sources import SourceUnavailable, SubjectSource, bundled_sources
from engine.present import impact as impact_documents
from engine.present.documents import XLSX_MEDIA_TYPE

from ..access import DIGEST_HEADER
from ..dates import IsoDate
from ..dependencies import Rules, require_admin
from ..problems import problem_response
from ..responses import PROBLEM, attachment
from .operations import rule_file_problems

router = APIRouter(tags=["admin"], dependencies=[Depends(require_admin)])  # the same bearer token as a reload


def subject_sources(request: Request) -> list[SubjectSource]:
    """The decision log's latest decision of each subject when the app has a log that holds any
    (app.state.impact_sources), else the bundled examples and the living documentation."""
    wired = getattr(request.app.state, "impact_sources", None)
    return (wired() if wired else []) or bundled_sources(request.app.state.rules.bundle)


@router.post("/v1/admin/impact", operation_id="assess_impact", response_model=impact.ImpactReport,
             responses={200: {"content": {"text/html": {}, "text/markdown": {}, XLSX_MEDIA_TYPE: {}}},
                        401: PROBLEM, 403: PROBLEM, 422: PROBLEM, 503: PROBLEM})
def assess_impact(request: Request, rules: Rules, as_of: Annotated[IsoDate | None, Query(description=(
                    "所有对象都按这一天判定；默认各按自己的判定日期 / judge every subject on this day"))] = None,
                format: Annotated[Literal["json", "html", "md", "xlsx"], Query()] = "json") -> Any:
    """在在用规则与规则目录中的候选规则下重新判定各对象，报告结论的变化（按条款、按学校，列出对象）/
    re-judge every subject under the active rules and the rules directory's candidate, report the transitions."""
    active = rules.bundle
    headers = {DIGEST_HEADER: active.digest}
    try:
        sources = subject_sources(request)
        subjects = [s for source in sources for s in source.subjects()]
        report = impact.impact(rules.published_copy(), rules.rules_dir, subjects, [s.description for s in sources], as_of,
                               today_in_china(), build_timeout=rules.build_timeout)
    except impact.CandidateRefused as exc:
        return problem_response(422, "候选规则有误，未作比较 / candidate rules rejected, nothing compared",
                                "\n".join([exc.detail, *(str(p) for p in exc.problems)]), headers=headers,
                                rule_problems=[p.model_dump() for p in rule_file_problems(exc.problems)])
    except SourceUnavailable as exc:
        return problem_response(503, "没有可重新判定的对象 / no subjects to re-judge", str(exc), headers=headers)
    if format == "html":
        return HTMLResponse(impact_documents.page(report), headers=headers)
    if format == "md":
        return Response(impact_documents.markdown(report), media_type="text/markdown; charset=utf-8", headers=headers)
    if format == "xlsx":
        return attachment(impact_documents.spreadsheet(report), XLSX_MEDIA_TYPE, "impact.xlsx", "规则变更影响.xlsx", headers)
    return Response(report.model_dump_json(), media_type="application/json", headers=headers)
