"""Every response names the rules and the request it answers; one access log line per request.

The outermost layer of the app: whatever answers (an endpoint, a 404 from the router, a 413 from
the body limit, a 401 from the token check), the response carries X-Rules-Digest (the rules that
judged it if the endpoint says so, else the rules active as it goes out) and X-Request-ID (the
caller's, when it sends a usable one, else a new one). An exception nothing else handled becomes
a 500 problem here, so that it carries both too, and is logged with its traceback for us, never
sent. The access log line holds method, path, status, latency, rules digest and request id as
one JSON object: no query string, no body, so no facts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import internal_error_response

DIGEST_HEADER = "X-Rules-Digest"
REQUEST_ID_HEADER = "X-Request-ID"
USABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")  # kept as sent: it goes back in a header and into the log

access_log = logging.getLogger("hazard.access")
error_log = logging.getLogger("hazard.service")


def log_access_to_stderr() -> None:
    """One line per request on stderr, beside the server's own log (once per process)."""
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False


class AccessLog:
    def __init__(self, app: ASGIApp, digest: Callable[[], str], enabled: bool):
        self.app, self.digest, self.enabled = app, digest, enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = sent if USABLE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id  # the decision log records it
        answered: dict[str, object] = {}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if DIGEST_HEADER not in headers:
                    headers[DIGEST_HEADER] = self.digest()
                headers[REQUEST_ID_HEADER] = request_id
                answered.update(status=message["status"], digest=headers[DIGEST_HEADER])
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if answered:  # the response has begun: nothing else can be sent, the server closes the connection
                raise
            error_log.exception("unexpected error (request %s)", request_id)
            await internal_error_response()(scope, receive, send_with_headers)
        finally:
            if self.enabled:
                access_log.info(json.dumps({
                    "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                    "request_id": request_id, "method": scope["method"], "path": scope["path"],
                    "status": answered.get("status"), "ms": round((time.perf_counter() - started) * 1000, 1),
                    "rules_digest": answered.get("digest")}, ensure_ascii=False))
