"""HTTP in, engine calls out. No domain knowledge here: everything comes from the bundle.

create_app assembles the service: the rules, the error handlers, the middleware and one router
per resource (service/routers/)."""

from __future__ import annotations

from fastapi import FastAPI

from engine import ENGINE_VERSION, catalogue
from engine.impact_sources import RecordSource
from engine.reload.registry import ActiveRules

from . import problems
from .access import AccessLog, log_access_to_stderr
from .limits import BodyLimit
from .openapi import TAGS, document_place_kinds
from .recording import Recorder
from .routers import decisions, diff, impact, judgements, operations, pages, rules, sheets
from .settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    recorder = Recorder(settings)  # the decision log, and the rule store the processes (and replicas) share
    active = ActiveRules(settings.rules_dir, build_timeout=settings.build_timeout, store=recorder.rule_store())
    app = FastAPI(title="教育系统重大事故隐患判定服务 / Education major hazard judgement service",
                  version=ENGINE_VERSION, docs_url=None, redoc_url=None,  # /docs from this machine: routers/pages.py
                  description="按判定日期有效的标准版本判定场所事实：重大事故隐患 / 一般隐患 / 未发现隐患 / 无法判定。"
                              "错误以 RFC 9457 problem+json 返回。", openapi_tags=TAGS)
    app.state.rules = active
    app.state.settings = settings
    app.state.recorder = recorder
    if recorder.log is not None:  # the impact of a change is judged on the latest decision of each subject
        app.state.impact_sources = lambda: [RecordSource(latest)] if (latest := list(recorder.log.latest_per_subject())) else []
    problems.install(app, facts_schema=lambda: catalogue.facts_schema(active.bundle.vocabulary))
    app.add_middleware(BodyLimit, json_limit=settings.max_body_bytes, stream_limit=settings.max_stream_bytes,
                       stream_path="/v1/judgements/stream")
    if settings.access_log:
        log_access_to_stderr()
    app.add_middleware(AccessLog, digest=lambda: active.bundle.digest, enabled=settings.access_log)  # outermost
    for router in (judgements.router, sheets.router, decisions.router, rules.router, diff.router, operations.router,
                   impact.router):
        app.include_router(router)
    pages.install(app)
    document_place_kinds(app, active)
    return app
