"""PLACEHOLDER: replaced by the `runload sample` command."""

import click


@click.command(name="sample")
def sample():
    """Not built yet."""
    raise click.ClickException("not built yet")
