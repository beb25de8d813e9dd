"""The satisfaction command dispatches to the step modules."""

import pytest

from satisfaction import cli


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])

    output = capsys.readouterr().out
    assert exit_info.value.code == 0
    for command in cli.SUBCOMMANDS:
        assert command in output


def test_unknown_command_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["deploy"])

    assert exit_info.value.code == 2
    assert "invalid choice: 'deploy'" in capsys.readouterr().err


def test_no_command_is_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        cli.main([])

    assert exit_info.value.code == 2


@pytest.mark.parametrize("command", sorted(cli.SUBCOMMANDS))
def test_subcommand_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])

    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_invalid_setting_names_variable(monkeypatch, capsys):
    from satisfaction.config import get_settings

    monkeypatch.setenv("SATISFACTION_REGISTRY_BACKEND", "bogus")
    get_settings.cache_clear()

    status = cli.main(["registry", "list"])
    get_settings.cache_clear()

    error = capsys.readouterr().err
    assert status == 2
    assert "SATISFACTION_REGISTRY_BACKEND" in error
    assert "'local' or 'sagemaker'" in error


def test_unwritable_output_is_error(tmp_path, monkeypatch, capsys):
    def fail(argv):
        raise IsADirectoryError(21, "Is a directory", str(tmp_path))

    monkeypatch.setitem(cli.SUBCOMMANDS, "predict", ("scoring.batch", "help"))
    monkeypatch.setattr("scoring.batch.main", fail)

    status = cli.main(["predict", "--output", str(tmp_path)])

    assert status == 1
    assert "Is a directory" in capsys.readouterr().err


def test_log_level_any_case():
    from satisfaction.config import Settings

    assert Settings(log_level="debug").log_level == "DEBUG"
