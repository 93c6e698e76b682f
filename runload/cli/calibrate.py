"""PLACEHOLDER: replaced by the `runload calibrate` command."""

import click


@click.command(name="calibrate")
def calibrate():
    """Not built yet."""
    raise click.ClickException("not built yet")
