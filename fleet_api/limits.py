"""Request bodies are bounded: 413 `{"error": "PayloadTooLarge", "detail"}` beyond the limit.

A body that announces its size (Content-Length) over the limit is refused before any of
it is read; a streamed (chunked) body is cut off as soon as what arrived passes the
limit, so no request holds more than the limit in memory. A page's form gets the same refusal as a
French page. The limit is
FLEET_API_BODY_MAX_BYTES, except for the routes that take a photo (the inspections' upload,
a repair ticket's photos, the repair pages' forms that carry one, and the mechanics' service
form with its invoice photo), which take one image of at most FLEET_PHOTO_MAX_BYTES (plus the
multipart envelope).
"""

from __future__ import annotations

import html
import re

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fleetbase import formatting

PAGE_REFUSAL = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Envoi trop lourd</title>'
    '<link rel="stylesheet" href="/vendor/pico/pico.classless.min.css"></head><body><main>'
    "<h1>Envoi trop lourd</h1><p>{detail}</p><p>Revenez à la page précédente et choisissez une"
    " photo plus légère (une photo prise par la page elle-même est réduite avant l'envoi).</p>"
    "</main></body></html>"
)
# Room for the multipart boundaries and part headers around one uploaded image.
MULTIPART_ENVELOPE_BYTES = 16 * 1024
PHOTO_PATHS = re.compile(
    r"/api/v1/photos|/api/v1/repair-tickets/\d+/photos|/reparations/(nouvelle|\d+/photos)"
    r"|/entretien/vehicules/\d{1,19}/enregistrer"
)


class BodyTooLarge(HTTPException):
    """Raised while the body is read (FastAPI lets an HTTPException through as it is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Requête trop volumineuse : {formatting.number(limit)} octets au plus.")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, photo_max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.photo_limit = photo_max_bytes + MULTIPART_ENVELOPE_BYTES

    def limit_for(self, scope: Scope) -> int:
        return self.photo_limit if PHOTO_PATHS.fullmatch(scope["path"]) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        announced = Headers(scope=scope).get("content-length", "")
        if announced.isdigit() and int(announced) > limit:
            await _refuse(BodyTooLarge(limit), scope, receive, send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge as error:  # read outside a route (the routes answer it themselves)
            if started:
                raise
            await _refuse(error, scope, receive, send)


async def _refuse(error: BodyTooLarge, scope: Scope, receive: Receive, send: Send) -> None:
    response: Response
    if scope["path"].startswith("/api/"):
        response = JSONResponse(
            {"error": "PayloadTooLarge", "detail": error.detail}, status_code=413, headers={"Connection": "close"}
        )
    else:  # a page's form (a photo too heavy): a French page, not the API's JSON
        response = HTMLResponse(
            PAGE_REFUSAL.format(detail=html.escape(error.detail)), status_code=413, headers={"Connection": "close"}
        )
    await response(scope, receive, send)
