"""Security headers on every answer, as a plain ASGI middleware (streams pass untouched).

The Content-Security-Policy admits scripts and styles from the service's own address only
(no inline script, no `eval`), images from itself (plus the tile server when one is
configured), and no framing. Swagger's /docs and /redoc load their own assets from a CDN
and inline scripts, so they keep the other headers but not the policy.
"""

from __future__ import annotations

from urllib.parse import urlsplit

NO_POLICY_PATHS = ("/docs", "/redoc")


def content_security_policy(tile_url: str | None) -> str:
    images = "'self' data:"
    if tile_url:
        parts = urlsplit(tile_url)
        images += f" {parts.scheme}://{parts.netloc.replace('{s}', '*')}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeadersMiddleware:
    def __init__(self, app, *, tile_url: str | None = None) -> None:
        self.app = app
        self.policy = content_security_policy(tile_url).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        with_policy = not scope["path"].startswith(NO_POLICY_PATHS)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if with_policy:
                    headers.append((b"content-security-policy", self.policy))
                message = dict(message, headers=headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)
