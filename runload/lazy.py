"""Lazy package attributes (PEP 562): a package's public names imported from their modules on first use.

``import runload`` (and the command line's ``--help``) must not import pandas, plotly or duckdb; the
packages :mod:`runload`, :mod:`runload.io` and :mod:`runload.store` list their names and where each is
defined, and :func:`lazy_attributes` gives them the module ``__getattr__`` and ``__dir__`` that import a
name's module when the name is first used and keep the value in the package.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["lazy_attributes"]


def lazy_attributes(namespace: dict, exports: dict[str, str], *, dir_lists: str = "all"
                    ) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The PEP 562 ``__getattr__`` and ``__dir__`` of a package.

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``; a name, once imported, is kept there (later uses skip the hook).
    exports : dict
        Name → the absolute name of the module that defines it.
    dir_lists : {"all", "globals"}
        What ``dir(package)`` lists: ``__all__`` only, or ``__all__`` and everything already in the package.

    Returns
    -------
    (callable, callable)
        ``__getattr__(name)`` (``AttributeError`` for a name not in ``exports``) and ``__dir__()``.

    Examples
    --------
    >>> ns = {"__name__": "pkg", "__all__": ["sqrt"]}
    >>> getattr_, dir_ = lazy_attributes(ns, {"sqrt": "math"})
    >>> getattr_("sqrt")(9.0), "sqrt" in ns, dir_()
    (3.0, True, ['sqrt'])
    """
    package = namespace["__name__"]

    def __getattr__(name: str) -> object:
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        listed = namespace.get("__all__", ())
        return sorted(listed) if dir_lists == "all" else sorted({*namespace, *listed})

    return __getattr__, __dir__
