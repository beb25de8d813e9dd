"""Logging set-up: JSON lines on Lambda, plain text elsewhere."""

import json
import logging

from satisfaction.logs import configure_logging


def test_json_lines_carry_extra_fields(capsys):
    configure_logging("INFO", json_format=True)

    logging.getLogger("satisfaction.test").info("scored", extra={"request_id": "abc"})

    line = capsys.readouterr().err.strip().splitlines()[-1]
    document = json.loads(line)
    assert document["message"] == "scored"
    assert document["request_id"] == "abc"
    assert document["level"] == "INFO"


def test_lambda_environment_selects_json(capsys, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "api")
    configure_logging("INFO")

    logging.getLogger("satisfaction.test").warning("cold start")

    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["message"] == "cold start"


def test_text_format_off_lambda(capsys, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    configure_logging("INFO")

    logging.getLogger("satisfaction.test").info("plain")

    assert "INFO satisfaction.test: plain" in capsys.readouterr().err


def test_configure_replaces_handlers():
    configure_logging("INFO", json_format=False)
    configure_logging("DEBUG", json_format=True)

    root = logging.getLogger()
    assert len(root.handlers) == 1
    assert root.level == logging.DEBUG
