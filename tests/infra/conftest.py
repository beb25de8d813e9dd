"""One synthesized app per test session: a synth takes seconds, an assertion less.

The app uses a stub API bundle (the serving sources and BUNDLE_INFO.json, no
third-party wheels) and skips asset bundling, so no test installs anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App
from aws_cdk.assertions import Template

from infra.stack import SatisfactionStack, build_app
from lambdas.api import bundle as api_bundle


def write_stub_bundle(folder: Path) -> Path:
    """Write the serving sources and a matching BUNDLE_INFO.json into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = api_bundle.copy_sources(folder)
    api_bundle.write_info(folder, api_bundle.REQUIREMENTS, digest, compiled=False)
    return folder


REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def synth_context(bundle_dir: Path, **overrides: Any) -> dict[str, Any]:
    """Return the CDK context of a test app: cdk.json's, a stub bundle, no bundling.

    The CDK CLI passes cdk.json's context (feature flags included) to the app;
    a test app reads it here so that both synthesize the same template.
    """
    context = json.loads((REPOSITORY_ROOT / "cdk.json").read_text())["context"]
    return {
        **context,
        "aws:cdk:bundling-stacks": [],
        "apiBundleDir": str(bundle_dir),
        **overrides,
    }


def synthesize(
    outdir: Path, bundle_dir: Path, **overrides: Any
) -> tuple[App, SatisfactionStack, dict[str, Any]]:
    """Build and synthesize the app (cdk-nag runs here) and return its template."""
    app = App(outdir=str(outdir), context=synth_context(bundle_dir, **overrides))
    app, stack = build_app(app)
    assembly = app.synth()
    template = assembly.get_stack_artifact(stack.artifact_id).template
    return app, stack, template


@pytest.fixture(scope="session")
def stub_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_stub_bundle(tmp_path_factory.mktemp("api-bundle"))


@pytest.fixture(scope="session")
def synthesized(
    tmp_path_factory: pytest.TempPathFactory, stub_bundle: Path
) -> Iterator[tuple[SatisfactionStack, dict[str, Any]]]:
    """The default app, synthesized once with an alarm e-mail set."""
    _app, stack, template = synthesize(
        tmp_path_factory.mktemp("cdk.out"),
        stub_bundle,
        alarmEmail="ml-oncall@example.com",
    )
    yield stack, template


@pytest.fixture(scope="session")
def stack(synthesized: tuple[SatisfactionStack, dict[str, Any]]) -> SatisfactionStack:
    return synthesized[0]


@pytest.fixture(scope="session")
def template(synthesized: tuple[SatisfactionStack, dict[str, Any]]) -> Template:
    return Template.from_json(synthesized[1])


@pytest.fixture(scope="session")
def template_json(
    synthesized: tuple[SatisfactionStack, dict[str, Any]],
) -> dict[str, Any]:
    return synthesized[1]


@pytest.fixture(scope="session", autouse=True)
def _clean_deployment_environment() -> Iterator[None]:
    """Hide the caller's SATISFACTION_INFRA_* and CDK_DEFAULT_* variables."""
    hidden = {
        name: os.environ.pop(name)
        for name in list(os.environ)
        if name.startswith(("SATISFACTION_INFRA_", "CDK_DEFAULT_"))
    }
    yield
    os.environ.update(hidden)


@pytest.fixture(scope="session")
def synthesize_app():
    """The ``synthesize`` function, for tests that need an app of their own."""
    return synthesize
