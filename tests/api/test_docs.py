"""/docs and /redoc load their scripts from the API when fastapi-offline exists."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from mangum import Mangum

from lambdas.api.config import ApiSettings
from lambdas.api.docs import (
    CDN_SWAGGER_CSS,
    CDN_SWAGGER_JS,
    install_docs,
    local_assets_directory,
)
from lambdas.api.handler import build_adapter

from .conftest import http_api_event, rest_api_event
from .test_lambda_events import invoke, serving_env  # noqa: F401

requires_offline_assets = pytest.mark.skipif(
    local_assets_directory() is None, reason="fastapi-offline is not installed"
)


@requires_offline_assets
def test_docs_reference_local_assets(client: TestClient) -> None:
    response = client.get("/docs")

    assert response.status_code == 200
    assert '"/docs-assets/swagger-ui-bundle.js"' in response.text
    assert '"/docs-assets/swagger-ui.css"' in response.text
    assert "cdn.jsdelivr.net" not in response.text
    assert "'/openapi.json'" in response.text


@requires_offline_assets
def test_swagger_assets_served(client: TestClient) -> None:
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    style = client.get("/docs-assets/swagger-ui.css")

    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text
    assert style.status_code == 200
    assert style.headers["content-type"].startswith("text/css")


@requires_offline_assets
def test_unknown_asset_is_404(client: TestClient) -> None:
    assert client.get("/docs-assets/index.html").status_code == 404
    assert client.get("/docs-assets/..%2F..%2Fstatic").status_code == 404


@requires_offline_assets
def test_redoc_references_local_assets(client: TestClient) -> None:
    response = client.get("/redoc")

    assert response.status_code == 200
    assert '"/docs-assets/redoc.standalone.js"' in response.text
    assert "fonts.googleapis.com" not in response.text
    assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_docs_fall_back_to_cdn() -> None:
    app = FastAPI(docs_url=None, redoc_url=None)
    install_docs(app, assets=None)
    client = TestClient(app)

    page = client.get("/docs")

    assert page.status_code == 200
    assert f'"{CDN_SWAGGER_JS}"' in page.text
    assert f'"{CDN_SWAGGER_CSS}"' in page.text
    assert client.get("/docs-assets/swagger-ui.css").status_code == 404


def test_docs_not_in_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    assert "/docs" not in paths
    assert "/redoc" not in paths


@requires_offline_assets
@pytest.mark.parametrize("kind", ["http_api", "rest_api"])
def test_docs_assets_under_stage(serving_env: None, kind: str) -> None:  # noqa: F811
    adapter: Mangum = build_adapter(ApiSettings(api_stage="prod", _env_file=None))
    builder = http_api_event if kind == "http_api" else rest_api_event

    _, _, page = invoke(adapter, builder("GET", "/docs"))
    status, headers, script = invoke(
        adapter, builder("GET", "/docs-assets/swagger-ui-bundle.js")
    )

    assert '"/prod/docs-assets/swagger-ui-bundle.js"' in page
    assert '"/prod/docs-assets/swagger-ui.css"' in page
    assert status == 200
    assert "javascript" in headers["content-type"]
    assert "SwaggerUIBundle" in script
