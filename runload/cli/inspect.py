"""PLACEHOLDER: replaced by the `runload inspect` command."""

import click


@click.command(name="inspect")
def inspect():
    """Not built yet."""
    raise click.ClickException("not built yet")
