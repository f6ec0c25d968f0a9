"""Response helpers the routers share: documented problem responses, files to save, and whether
a caller wants HTML."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Request, Response

PROBLEM = {"description": "RFC 9457 problem details"}  # content set by problems.install
OCTETS = "application/octet-stream"  # how generated clients send a body of bytes (they know no NDJSON, no xlsx)


def attachment(content: bytes, media_type: str, ascii_name: str, name: str, headers: dict[str, str]) -> Response:
    """A file to save: RFC 6266 names it in ASCII and, for clients that read it, in Chinese."""
    disposition = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    return Response(content, media_type=media_type, headers={**headers, "Content-Disposition": disposition})


def wants_html(request: Request, format: str | None) -> bool:
    """format=html, or no format asked and a browser's Accept."""
    return format == "html" or (format is None and request.headers.get("accept", "").startswith("text/html"))
