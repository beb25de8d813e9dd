"""The /docs and /redoc pages, with their JavaScript and CSS served locally if possible.

FastAPI's own pages load Swagger UI and ReDoc from cdn.jsdelivr.net, so on a
machine without internet they stay empty. When the optional package
``fastapi-offline`` is installed (requirements.txt, not the Lambda bundle),
its copies of the files are served under ``/docs-assets``. Without it the
pages load them from the CDN as FastAPI does. ``swagger-ui-bundle`` 1.1.0 is
not used because it ships Swagger UI 4.15.5, which renders OpenAPI 3.0 only,
and FastAPI writes OpenAPI 3.1.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

logger = logging.getLogger(__name__)

ASSETS_PATH = "/docs-assets"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"
ASSET_TYPES = {
    SWAGGER_JS: "text/javascript",
    SWAGGER_CSS: "text/css",
    REDOC_JS: "text/javascript",
    FAVICON: "image/png",
}

# FastAPI's defaults (fastapi.openapi.docs), used when no local copy exists.
CDN_FAVICON = "https://fastapi.tiangolo.com/img/favicon.png"
CDN_SWAGGER_JS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
CDN_SWAGGER_CSS = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
CDN_REDOC_JS = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"


def local_assets_directory() -> Path | None:
    """Return the folder of fastapi-offline's static files, or None without it."""
    try:
        directory = Path(str(resources.files("fastapi_offline") / "static"))
    except ModuleNotFoundError:
        return None
    if not all((directory / name).is_file() for name in ASSET_TYPES):
        logger.warning(
            "fastapi-offline in %s lacks the Swagger UI or ReDoc files; "
            "/docs loads them from the CDN",
            directory,
        )
        return None
    return directory


def install_asset_route(app: FastAPI, assets: Path) -> None:
    """Serve the files of ``ASSET_TYPES`` from ``assets`` under ``ASSETS_PATH``.

    A route with a fixed list of names replaces a StaticFiles mount, because a
    mount looks files up by the request path with ``root_path`` removed. On
    Lambda the handler sets ``root_path`` (/prod) without adding it to the
    path, so a mount would return 404 for every file.
    """

    @app.get(f"{ASSETS_PATH}/{{name}}", include_in_schema=False)
    async def docs_asset(name: str) -> FileResponse:
        media_type = ASSET_TYPES.get(name)
        if media_type is None:
            raise HTTPException(
                status_code=404, detail=f"docs asset {name!r} not found"
            )
        return FileResponse(
            assets / name,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )


def install_docs(app: FastAPI, assets: Path | None = None) -> None:
    """Add /docs and /redoc to an app built with ``docs_url=None, redoc_url=None``.

    ``assets`` is the folder of local files; None serves the CDN's.
    """
    openapi_url = app.openapi_url or "/openapi.json"
    if assets is not None:
        install_asset_route(app, assets)

    def asset_url(root_path: str, name: str, cdn_url: str) -> str:
        return cdn_url if assets is None else f"{root_path}{ASSETS_PATH}/{name}"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        # root_path is the API Gateway stage prefix (/prod) on Lambda.
        root_path = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root_path}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=asset_url(root_path, SWAGGER_JS, CDN_SWAGGER_JS),
            swagger_css_url=asset_url(root_path, SWAGGER_CSS, CDN_SWAGGER_CSS),
            swagger_favicon_url=asset_url(root_path, FAVICON, CDN_FAVICON),
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root_path = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root_path}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=asset_url(root_path, REDOC_JS, CDN_REDOC_JS),
            redoc_favicon_url=asset_url(root_path, FAVICON, CDN_FAVICON),
            with_google_fonts=assets is None,
        )
