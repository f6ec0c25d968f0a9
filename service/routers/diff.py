"""GET /v1/diff: what changes between two dates of a list, or two versions of a standard."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from engine import differences
from engine.present import diffs
from engine.present.documents import XLSX_MEDIA_TYPE

from ..access import DIGEST_HEADER
from ..dependencies import Rules
from ..problems import ParameterProblem, problem_response
from ..responses import PROBLEM, attachment

router = APIRouter(tags=["diff"])
OPERAND = ("两个日期（YYYY-MM-DD）比较清单，或两个 标准@版本（如 gb35181@2017）比较同一标准的两个版本 / two dates "
           "compare the list, two STANDARD@VERSION compare two versions of one standard")


@router.get("/v1/diff", operation_id="get_diff", response_model=differences.ListDiff | differences.VersionDiff,
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, XLSX_MEDIA_TYPE: {}}}, 422: PROBLEM})
def get_diff(rules: Rules, old: Annotated[str, Query(alias="from", description=OPERAND)],
             new: Annotated[str, Query(alias="to", description=OPERAND)],
             list_id: Annotated[str | None, Query(alias="list", description="清单编号（比较日期时）/ list id")] = None,
             format: Annotated[Literal["json", "html", "md", "xlsx"], Query(description=(
                 "json（默认）；html 可打印；md Markdown；xlsx 每条变化的条款一行 / json (default), printable html, "
                 "Markdown, or xlsx with a row per clause that changes"))] = "json") -> Any:
    """列出两个日期之间（或两个版本之间）列入、移出、变更的每一条款，按领域和标准分列，整份版本的切换也逐条列出 /
    every clause that enters, leaves or changes, per area and standard, whole version switches included."""
    bundle = rules.bundle
    headers = {DIGEST_HEADER: bundle.digest}
    try:
        document = differences.diff(bundle, old, new, list_id)
    except differences.DiffRequestError as exc:
        return problem_response(422, "无法比较 / cannot compare", str(exc),
                                [ParameterProblem(parameter="from", detail=str(exc)),
                                 ParameterProblem(parameter="to", detail=str(exc))], headers=headers)
    if format == "html":
        return HTMLResponse(diffs.page(document), headers=headers)
    if format == "md":
        return Response(diffs.markdown(document), media_type="text/markdown; charset=utf-8", headers=headers)
    if format == "xlsx":
        return attachment(diffs.spreadsheet(document), XLSX_MEDIA_TYPE, f"diff-{old}-{new}.xlsx".replace("@", "_"),
                          f"变化-{old}-{new}.xlsx", headers)
    return Response(document.model_dump_json(), media_type="application/json", headers=headers)
