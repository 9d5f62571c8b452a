"""The scanner pages as an installable, offline-capable web app: their service worker and web app manifest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from litestar import Response, get
from litestar.params import QueryParameter
from litestar.response import File

from events import i18n
from events.errors import Invalid

SERVICE_WORKER = Path(__file__).resolve().parent.parent / "static" / "scanner-sw.js"
#: Only a scanner page may be what the installed app opens.
_SCANNER_PAGE = re.compile(r"/scan/(stops|booths)/[0-9a-fA-F-]{36}")


@get("/scan/sw.js", include_in_schema=False)
async def scanner_service_worker() -> File:
    # Served under /scan/, not /static/: a service worker controls only the pages under its own path.
    # no-cache: the browser checks for a new version on every visit, so a fix reaches phones at once.
    return File(path=SERVICE_WORKER, media_type="text/javascript", content_disposition_type="inline", headers={"Cache-Control": "no-cache"})


@get("/scan/manifest.webmanifest", include_in_schema=False)
async def scanner_manifest(
    start: Annotated[str, QueryParameter(description="The scanner page the installed app opens.")],
    lang: Annotated[Literal["zh", "en"], QueryParameter()] = "zh",
) -> Response[dict]:
    if not _SCANNER_PAGE.fullmatch(start):
        raise Invalid("invalid_start", "The app must start on a scanner page.")
    return Response(
        {
            "name": f"{i18n.translate('scanner', lang)} · {i18n.translate('site', lang)}",
            "short_name": i18n.translate("scanner", lang),
            "lang": "zh-CN" if lang == "zh" else "en",
            "start_url": start,
            "scope": "/scan/",
            "display": "standalone",
            "background_color": "#f6f7f9",
            "theme_color": "#c8102e",
            "icons": [
                {"src": "/static/icons/scanner-192.png", "sizes": "192x192", "type": "image/png"},
                {"src": "/static/icons/scanner-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
            ],
        },
        media_type="application/manifest+json",
    )
