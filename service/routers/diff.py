"""What changed in the list: between two dates (every standard whose version in force switched),
or between two versions of one standard, clause by clause (the data of `hazard diff`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic_core import PydanticCustomError

from engine import listing

from ..access import DIGEST_HEADER
from ..dates import iso_date
from ..problems import ParameterProblem, problem_response

router = APIRouter(tags=["rules"])
SIDE = "日期 YYYY-MM-DD 或 标准@版本（如 gb35181@2017）/ a date YYYY-MM-DD or STANDARD@VERSION"
# Documented, not checked by FastAPI: the endpoint says itself which part of a bad date is wrong.
SIDE_PATTERN = {"pattern": r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|[^@]+@[^@]+)$"}


def _side(text: str) -> dt.date | tuple[str, str]:
    """A date, or (standard, version); PydanticCustomError when it is neither."""
    if "@" in text:
        standard, _, version = text.partition("@")
        if standard and version:
            return standard, version
    return iso_date(text)


@router.get("/v1/diff", operation_id="diff", responses={422: {"description": "RFC 9457 problem details"}})
def get_diff(request: Request, old: Annotated[str, Query(description=SIDE, json_schema_extra=SIDE_PATTERN)],
             new: Annotated[str, Query(description=SIDE, json_schema_extra=SIDE_PATTERN)],
             list_id: Annotated[str | None, Query(alias="list")] = None) -> Any:
    """清单两个日期之间（版本切换的标准逐条比较），或同一标准两个版本之间逐条的变化 / the list's changes between two
    dates, or one standard's between two versions, clause by clause."""
    bundle = request.app.state.rules.bundle
    headers = {DIGEST_HEADER: bundle.digest}

    def refuse(errors: list[ParameterProblem]) -> JSONResponse:
        return problem_response(422, "无法比较 / cannot compare", "；".join(e.detail for e in errors), errors, headers)

    sides, errors = [], []
    for name, text in (("old", old), ("new", new)):
        try:
            sides.append(_side(text))
        except PydanticCustomError as exc:
            errors.append(ParameterProblem(parameter=name, detail=f"{exc.context['zh']} / {exc.context['en']}"))
    if errors:
        return refuse(errors)
    (a, b) = sides
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        chosen = list_id or next(iter(bundle.lists), None)
        if chosen not in bundle.lists:
            return refuse([ParameterProblem(parameter="list", detail=f"没有清单 “{chosen}”（已有：{'、'.join(bundle.lists)}）"
                                                                     f" / no such list '{chosen}'")])
        diff = listing.diff_dates(bundle, chosen, a, b)
        kind = "dates"
    elif isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0]:
        known = {(v.standard, v.version) for v in bundle.versions}
        missing = [ParameterProblem(parameter=name, detail=f"没有版本 {s}@{v}（已有：{'、'.join(f'{x}@{y}' for x, y in known)}）"
                                                           f" / no version {s}@{v}")
                   for name, (s, v) in (("old", a), ("new", b)) if (s, v) not in known]
        if missing:
            return refuse(missing)
        diff = listing.diff_versions(bundle, a[0], a[1], b[1])
        kind = "versions"
    else:
        return refuse([ParameterProblem(parameter="new", detail="两边应同为日期，或同一标准的两个版本 / give two dates, or two "
                                                                "versions of one standard")])
    return JSONResponse({"kind": kind, "rules_digest": bundle.digest, "diff": diff.model_dump(mode="json")},
                        headers=headers)
