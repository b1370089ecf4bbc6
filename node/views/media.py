"""`GET /media/{name}`: the re-encoded pictures (members' profile pictures, event pictures).

Served to anyone who has the name: names are 32 random characters, only shown on
pages whose viewer may see the member, and a replaced picture's file is deleted.
A file never changes under its name, so it may be cached for long.
"""

from __future__ import annotations

from aiohttp import web

from node.appkeys import CONFIG
from node.errors import NotFound
from node.services import media

MEDIA_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Cache-Control": "public, max-age=31536000, immutable",
    "Cross-Origin-Resource-Policy": "cross-origin",  # other spaces' sites may show a public member's picture
}


async def serve(request: web.Request) -> web.StreamResponse:
    path = media.media_path(request.app[CONFIG].media_dir, request.match_info["name"])
    if path is None:
        raise NotFound("This picture does not exist.")
    return web.FileResponse(path, headers=MEDIA_HEADERS | {"Content-Type": media.CONTENT_TYPE})
