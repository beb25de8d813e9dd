"""The Lambda bundle builder, without pip: sources, clean-up and the content hash."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdas.api import bundle


@pytest.fixture
def offline_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the pip step by a fake site-packages with a test suite and a cache."""

    def fake_install(requirements: Path, target: Path) -> None:
        (target / "numpy" / "tests").mkdir(parents=True)
        (target / "numpy" / "tests" / "test_big.py").write_text("")
        (target / "numpy" / "__init__.py").write_text("")
        (target / "numpy" / "__pycache__").mkdir()
        (target / "bin").mkdir()
        (target / "numpy-2.4.6.dist-info").mkdir()

    monkeypatch.setattr(bundle, "install_requirements", fake_install)


def build(output: Path, requirements_text: str) -> Path:
    requirements = output.parent / f"requirements-{abs(hash(requirements_text))}.txt"
    requirements.write_text(requirements_text)
    return bundle.build_bundle(output, requirements=requirements, python312="")


def test_bundle_contains_serving_code(offline_bundle: None, tmp_path: Path) -> None:
    root = build(tmp_path / "api", "fastapi\n")

    assert (root / "lambdas" / "api" / "handler.py").is_file()
    assert (root / "satisfaction" / "registry" / "local.py").is_file()
    assert not (root / "lambdas" / "api" / "serve.py").exists()
    assert not (root / "satisfaction" / "cli.py").exists()
    assert not (root / "satisfaction" / "synthetic.py").exists()


def test_bundle_removes_tests_and_caches(offline_bundle: None, tmp_path: Path) -> None:
    root = build(tmp_path / "api", "fastapi\n")

    assert (root / "numpy" / "__init__.py").is_file()
    assert not (root / "numpy" / "tests").exists()
    assert not (root / "numpy" / "__pycache__").exists()
    assert not (root / "bin").exists()


def test_bundle_info_follows_requirements(offline_bundle: None, tmp_path: Path) -> None:
    first = json.loads(
        (build(tmp_path / "a", "fastapi\n") / bundle.INFO_FILE).read_text()
    )
    second = json.loads(
        (build(tmp_path / "b", "fastapi<1\n") / bundle.INFO_FILE).read_text()
    )

    assert first["requirements_sha256"] != second["requirements_sha256"]
    assert first["source_sha256"] == second["source_sha256"]
    assert first["packages"] == ["numpy-2.4.6"]
    assert first["compiled"] is False


def test_bundle_replaces_old_output(offline_bundle: None, tmp_path: Path) -> None:
    output = tmp_path / "api"
    output.mkdir()
    (output / "stale.py").write_text("")

    build(output, "fastapi\n")

    assert not (output / "stale.py").exists()


def test_pip_command_targets_lambda(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(
        bundle.subprocess, "run", lambda command, check: commands.append(command)
    )

    bundle.install_requirements(tmp_path / "requirements.txt", tmp_path / "out")

    command = commands[0]
    assert command[command.index("--python-version") + 1] == "3.12"
    assert "manylinux_2_28_aarch64" in command
    assert "manylinux2014_aarch64" in command
    assert "--only-binary=:all:" in command


IMPORT_CHECK = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import lambdas.api.handler, satisfaction
from lambdas.api.handler import handler
for module in (lambdas.api.handler, satisfaction):
    assert module.__file__.startswith(sys.argv[1]), module.__file__
event = json.loads(sys.argv[3])
print(handler(event, None)["statusCode"])
"""


def test_bundle_sources_run_alone(
    tmp_path: Path, model_dir: Path, passenger: dict
) -> None:
    """Check that the copied sources serve a prediction with no other project code.

    ``python -S`` skips site-packages' .pth files, so the editable install of
    this repository cannot supply a module the bundle lacks.
    """
    import site
    import subprocess
    import sys

    from .conftest import http_api_event

    bundle.copy_sources(tmp_path)
    site_packages = site.getsitepackages()[0]
    event = http_api_event("POST", "/predict", passenger, stage="$default")
    environment = {
        "SATISFACTION_MODEL_URI": str(model_dir),
        "SATISFACTION_LOG_LEVEL": "WARNING",
        "PATH": "/usr/bin:/bin",
    }

    result = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            IMPORT_CHECK,
            str(tmp_path),
            site_packages,
            json.dumps(event),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "200"


def test_bundle_rejects_heavy_packages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def install_with_pandas(requirements: Path, target: Path) -> None:
        (target / "pandas-3.1.1.dist-info").mkdir()
        (target / "scikit_learn-1.9.1.dist-info").mkdir()

    monkeypatch.setattr(bundle, "install_requirements", install_with_pandas)

    with pytest.raises(bundle.BundleError, match="'pandas', 'scikit-learn'"):
        build(tmp_path / "api", "pandas\n")
