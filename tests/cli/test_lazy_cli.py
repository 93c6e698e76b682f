"""The command line imports only what a command uses (issue 10): structural tests, not timed ones.

``runload --help`` lists the commands from :data:`runload.cli.COMMANDS` without importing them; these
tests check that the list says what the command modules say, that the help page is the one an eager
click group writes, and (in fresh interpreters) which heavy packages each command line loads.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner
from conftest import SAMPLE_RUNS_DIR

import runload.cli
from runload.cli import COMMANDS, RunloadCommand, RunloadGroup, cli
from runload.cli import choices as cli_choices

#: Packages no command line may load just to show help (each costs 0.1–0.7 s to import).
HEAVY = ("numpy", "pandas", "scipy", "plotly", "duckdb", "dask", "distributed", "jinja2", "markupsafe", "tqdm",
         "gpxpy", "defusedxml", "fitdecode", "fitparse", "timezonefinder", "tomli_w", "fit_tool")
#: What `runload inspect FILE.fit` needs: pandas (the canonical frame), numpy and the FIT decoder.
INSPECT_FIT_NEEDS = ("numpy", "pandas", "fitdecode")


def _command_modules() -> dict[str, click.Command]:
    """Every click command defined in a module of ``runload.cli`` (imported here on purpose)."""
    found = {}
    for info in pkgutil.iter_modules(runload.cli.__path__):
        module = importlib.import_module(f"runload.cli.{info.name}")
        for value in vars(module).values():
            if isinstance(value, click.Command) and value.callback is not None \
                    and value.callback.__module__ == module.__name__:
                found[value.name] = value
    return found


def _loaded_after(code: str) -> list[str]:
    """The HEAVY packages a fresh interpreter has imported after running ``code`` (``SystemExit`` caught)."""
    body = "".join(f"    {line}\n" for line in code.splitlines())
    probe = (f"import sys\ntry:\n{body}except SystemExit:\n    pass\n"
             f"print('\\n' + __import__('json').dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _help_of(group: click.Group, args: list[str], width: int) -> str:
    result = CliRunner().invoke(group, args, terminal_width=width, prog_name="runload")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_table_names_every_command_module_with_its_own_first_paragraph():
    commands = _command_modules()
    assert set(COMMANDS) == set(commands)
    for name, command in commands.items():
        first = inspect.cleandoc(command.help).split("\n\n")[0]
        assert " ".join(COMMANDS[name].split()) == " ".join(first.split()), name
        assert isinstance(command, RunloadCommand), f"{name}: numpy warnings would reach the user"


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_runload_help_is_the_page_an_eager_group_writes(width):
    # A fresh lazy group (nothing loaded, as in `runload --help`) against click's own group holding the
    # real commands: the same page, whatever the terminal width (click shortens the help to fit).
    lazy = RunloadGroup(name="runload", params=cli.params, callback=cli.callback, help=cli.help)
    eager = click.Group(name="runload", params=cli.params, callback=cli.callback, help=cli.help,
                        commands=_command_modules())
    page = _help_of(lazy, ["--help"], width)
    assert page == _help_of(eager, ["--help"], width)
    assert not lazy.commands, "listing the commands imported one"
    for name in COMMANDS:
        assert f"\n  {name} " in page


def test_a_command_loads_when_it_is_used():
    lazy = RunloadGroup(name="runload", params=cli.params, callback=cli.callback, help=cli.help)
    _help_of(lazy, ["export", "--help"], 80)
    assert list(lazy.commands) == ["export"]
    assert lazy.get_command(click.Context(lazy), "nope") is None


@pytest.mark.skipif(not hasattr(click.exceptions, "NoSuchCommand"), reason="click < 8.4 suggests no names")
def test_a_mistyped_command_is_still_suggested():
    lazy = RunloadGroup(name="runload", params=cli.params, callback=cli.callback, help=cli.help)
    result = CliRunner().invoke(lazy, ["inspekt"], prog_name="runload")
    assert result.exit_code == 2
    assert "No such command 'inspekt'. Did you mean 'inspect'?" in result.output


def test_option_choices_are_the_librarys():
    from runload.gait import GAIT_SOURCES
    from runload.io import FIT_DECODERS
    from runload.io.fit_decode import DEFAULT_FIT_DECODER
    from runload.report.units import UNIT_SYSTEMS

    assert cli_choices.UNIT_SYSTEMS == tuple(UNIT_SYSTEMS)
    assert cli_choices.GAIT_SOURCES == tuple(GAIT_SOURCES)
    options = {(c.name, p.name): p for c in _command_modules().values() for p in c.params}
    assert tuple(options["inspect", "fit_decoder"].type.choices) == FIT_DECODERS
    assert options["inspect", "fit_decoder"].default == DEFAULT_FIT_DECODER
    for key in (("inspect", "units"), ("analyze", "units")):
        assert tuple(options[key].type.choices) == tuple(UNIT_SYSTEMS)


def test_import_runload_loads_nothing_heavy():
    assert _loaded_after("import runload, runload.cli, runload.errors") == []
    assert _loaded_after("import runload; dir(runload); runload.RunloadError") == []


def test_runload_help_loads_nothing_heavy():
    assert _loaded_after("from runload.cli import cli\ncli(['--help'])") == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_help_loads_nothing_heavy(name):
    loaded = _loaded_after(f"from runload.cli import cli\ncli([{name!r}, '--help'])")
    assert "pandas" not in loaded and "scipy" not in loaded and "plotly" not in loaded
    # `inspect` takes its --fit-decoder choices from runload.io.fit_decode, which may load numpy
    allowed = {"numpy"} if name == "inspect" else set()
    assert set(loaded) <= allowed, loaded


def test_inspecting_a_fit_file_loads_only_what_reading_it_needs():
    loaded = _loaded_after(f"from runload.cli import cli\ncli(['inspect', {str(SAMPLE_RUNS_DIR / 'easy.fit')!r}])")
    assert set(loaded) <= set(INSPECT_FIT_NEEDS), loaded


def test_reading_a_fit_file_does_not_load_the_xml_readers():
    loaded = _loaded_after(f"import runload\nrunload.read_run({str(SAMPLE_RUNS_DIR / 'easy.fit')!r})")
    assert "gpxpy" not in loaded and "defusedxml" not in loaded and "scipy" not in loaded


def test_analyzing_a_fit_file_loads_no_fitting_report_or_store_package():
    loaded = _loaded_after(f"from runload.cli import cli\ncli(['analyze', {str(SAMPLE_RUNS_DIR / 'easy.fit')!r}])")
    assert not set(loaded) & {"scipy", "plotly", "duckdb", "dask", "jinja2", "gpxpy", "fit_tool"}, loaded
    assert "pandas" in loaded  # the probe sees what the command imported
