"""The local server's options and the EMF document shape."""

from __future__ import annotations

import pytest

from lambdas.api import metrics
from lambdas.api.config import ApiSettings
from lambdas.api.serve import build_parser


def test_serve_defaults_to_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PORT", raising=False)

    arguments = build_parser().parse_args([])

    assert arguments.host == "127.0.0.1"
    assert arguments.port == 8000


def test_serve_port_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9123")

    assert build_parser().parse_args([]).port == 9123


def test_serve_port_flag_ignores_invalid_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "abc")
    assert build_parser().parse_args(["--port", "8950"]).port == 8950


@pytest.mark.parametrize(
    ("environment", "argv", "value"),
    [
        ("abc", [], "'abc'"),
        ("8000", ["--port", "70000"], "'70000'"),
        ("8000", ["--port", "0"], "'0'"),
        ("8000", ["--port", "http"], "'http'"),
    ],
)
def test_serve_invalid_port_exits_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environment: str,
    argv: list[str],
    value: str,
) -> None:
    monkeypatch.setenv("PORT", environment)
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"invalid port {value}" in error
    assert "1 to 65535" in error


@pytest.mark.parametrize(
    ("stage", "base_path"),
    [(None, ""), ("prod", "/prod"), ("/prod/", "/prod"), ("$default", "")],
)
def test_stage_base_path(stage: str | None, base_path: str) -> None:
    assert ApiSettings(api_stage=stage, _env_file=None).base_path() == base_path


def test_emf_record_shape() -> None:
    document = metrics.emf_record(
        {metrics.PREDICTION_COUNT: 3, metrics.LATENCY: 1.5},
        "12",
        {"RequestId": "abc"},
        timestamp_ms=1_700_000_000_000,
    )

    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert document["_aws"]["Timestamp"] == 1_700_000_000_000
    assert directive["Namespace"] == "AirlineSatisfaction"
    assert directive["Metrics"] == [
        {"Name": "PredictionCount", "Unit": "Count"},
        {"Name": "Latency", "Unit": "Milliseconds"},
    ]
    for dimensions in directive["Dimensions"]:
        for name in dimensions:
            assert name in document
    assert document["ModelVersion"] == "12"
    assert document["PredictionCount"] == 3


def test_emf_record_rejects_unknown_metric() -> None:
    with pytest.raises(KeyError):
        metrics.emf_record({"Mystery": 1}, "1")
