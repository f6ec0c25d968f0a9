"""A file for the client to save (a spreadsheet), named as RFC 6266 names it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response


def attachment(content: bytes, media_type: str, ascii_name: str, name: str, headers: dict[str, str]) -> Response:
    """RFC 6266 names it in ASCII and, for clients that read it, in Chinese."""
    disposition = f'attachment; filename="{ascii_name}"; filename*=UTF-8\'\'{quote(name)}'
    return Response(content, media_type=media_type, headers={**headers, "Content-Disposition": disposition})
