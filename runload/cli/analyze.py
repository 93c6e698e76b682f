"""PLACEHOLDER: replaced by the `runload analyze` command."""

import click


@click.command(name="analyze")
def analyze():
    """Not built yet."""
    raise click.ClickException("not built yet")
