"""The OpenAPI document, with what only the active rules know: the kinds of place a
questionnaire or a sheet template takes (rebuilt after a reload), and the tags described."""

from __future__ import annotations

from fastapi import FastAPI

from engine.places import place_kinds
from engine.reload.registry import ActiveRules


def document_place_kinds(app: FastAPI, rules: ActiveRules) -> None:
    """place_kind documented as the active vocabulary's codes and labels."""
    without_place_kinds = app.openapi

    def with_place_kinds() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        spec = without_place_kinds()
        kinds = place_kinds(rules.bundle.vocabulary)
        parameters = [p for path in spec["paths"].values() for op in path.values() for p in op.get("parameters", [])]
        for parameter in parameters:  # every operation that takes one (the questionnaire, the sheet template)
            if parameter["name"] == "place_kind" and kinds:
                parameter["schema"] = {"type": "string", "enum": [*kinds, *kinds.values()]}
                parameter["description"] = "场所类型：代码或中文名 / kind of place: code or Chinese label"
        return spec

    app.openapi = with_place_kinds  # type: ignore[method-assign]


TAGS = [{"name": "judgements", "description": "判定场所 / judging facilities"},
        {"name": "sheets", "description": "检查表（xlsx）的模板与判定 / inspection spreadsheets: the template, and "
                                          "judging a filled one"},
        {"name": "decisions", "description": "决定日志：查询与重新判定 / the decision log: query and replay"},
        {"name": "standards", "description": "标准及其版本 / standards and their versions"},
        {"name": "criteria", "description": "判定条款 / criteria"},
        {"name": "list", "description": "判定日有效的清单 / the list in force on a date"},
        {"name": "diff", "description": "两个日期或两个版本之间的变化 / what changes between two dates or versions"},
        {"name": "questionnaire", "description": "现场检查问卷 / the on-site questionnaire"},
        {"name": "facts", "description": "事实词汇表 / the fact vocabulary"},
        {"name": "health", "description": "运行状态 / health and readiness"},
        {"name": "admin", "description": "重新加载与规则变更的影响（需令牌）/ reload and the impact of a change (token)"}]
