"""The command line as a whole: every command has help and is documented in the README."""

import re
from pathlib import Path

import click
from click.testing import CliRunner

import runload
from runload.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert runload.__version__ in result.output


def test_every_command_has_help_and_is_in_the_readme():
    ctx = click.Context(cli)
    assert cli.list_commands(ctx), "no commands registered"
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert (command.help or "").strip(), f"`runload {name}` has no help text"
        assert "not built yet" not in command.help.lower(), name
        assert re.search(rf"runload {name}\b", README), f"`runload {name}` is not documented in README.md"


def test_missing_file_is_one_clear_error():
    # One convention for every command (runload/cli/_common.py): `Error: FILE: no such file`, exit 1.
    result = CliRunner().invoke(cli, ["inspect", "does-not-exist.fit"])
    assert result.exit_code == 1
    assert result.stderr == "Error: does-not-exist.fit: no such file\n"


def test_public_api_names_resolve():
    for name in runload.__all__:
        assert getattr(runload, name) is not None, name
