"""Request body limits, enforced while the body arrives (a Content-Length is not trusted)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem_response


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses bodies over `json_limit` bytes (over `stream_limit` on `stream_path`) with 413."""

    def __init__(self, app: ASGIApp, json_limit: int, stream_limit: int, stream_path: str):
        self.app, self.json_limit, self.stream_limit, self.stream_path = app, json_limit, stream_limit, stream_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.stream_limit if scope["path"] == self.stream_path else self.json_limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(limit, scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(413, "请求体过大 / request body too large",
                                    f"上限 {limit} 字节 / the limit is {limit} bytes")
        await response(scope, receive, send)
