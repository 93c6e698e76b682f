"""PLACEHOLDER: replaced by the `runload report` command."""

import click


@click.command(name="report")
def report():
    """Not built yet."""
    raise click.ClickException("not built yet")
