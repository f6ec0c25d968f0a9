"""The OpenAPI document, with what only the active rules know: the kinds of place a
questionnaire takes (rebuilt after a reload)."""

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
        for parameter in spec["paths"]["/v1/questionnaire"]["get"]["parameters"]:
            if parameter["name"] == "place_kind" and kinds:
                parameter["schema"] = {"type": "string", "enum": [*kinds, *kinds.values()],
                                       "title": "场所类型：代码或中文名 / kind of place: code or Chinese label"}
        return spec

    app.openapi = with_place_kinds  # type: ignore[method-assign]
