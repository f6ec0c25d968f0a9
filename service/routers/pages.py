"""The pages for people (清单, 检查, 对比与影响) and the interactive API docs, every file served from
this machine: plain HTML, CSS and JavaScript from service/pages/ (no build step), Swagger UI's files
from the fastapi-offline package (not its ReDoc, which loads a logo from its vendor's site). Nothing
is fetched from elsewhere at run time."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from engine.coverage import CAUSE_WORDS
from engine.present.lists import STATE
from engine.provenance_words import MARKS
from engine.present.words import METHOD_WORDS, STATUS_WORDS

PAGES = Path(__file__).resolve().parent.parent / "pages"
DOCS_ASSETS = "/docs-assets"
DOCS_FILES = Path(fastapi_offline.__file__).resolve().parent / "static"  # Swagger UI 5 reads OpenAPI 3.1

router = APIRouter(include_in_schema=False)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/pages/")


@router.get("/pages/words.json")
def words() -> dict[str, dict[str, str]]:
    """The engine's Chinese words for the codes the JSON API answers with, so that the pages say
    them as the documents do (one list of words, the engine's)."""
    return {"method": METHOD_WORDS, "text_status": STATUS_WORDS, "standard_state": STATE, "gap_cause": CAUSE_WORDS,
            "provenance_marks": MARKS}


@router.get("/docs")
def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="接口文档 / API docs",
                               swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                               swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                               swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                               swagger_ui_parameters={"validatorUrl": None})  # its default posts the spec off the machine



def install(app: FastAPI) -> None:
    """The routes above, then the static files (a mount matches every path under it)."""
    app.include_router(router)
    app.mount("/pages", StaticFiles(directory=PAGES, html=True), name="pages")
    app.mount(DOCS_ASSETS, StaticFiles(directory=DOCS_FILES), name="docs-assets")
