"""Modules the runtime reads only once a client is made or a model is used.

``import <package>`` loads the clients' classes and the errors, and neither httpx nor asyncio;
a large API's package (its models imported name by name) no pydantic either. Those are most of
an import's time, and a program that imports the package without calling it (a command-line
tool's ``--help``, a test collecting) never needs them. A runtime module that uses one writes::

    if TYPE_CHECKING:
        import httpx
    else:
        httpx = deferred("httpx", globals())

(``_spec = deferred("._spec", globals())`` for a module of the package) and reads
``httpx.Client`` as usual. The first attribute read imports the module and binds the module's
global to it, so every later read finds the module itself; annotations (``from __future__
import annotations``) are never evaluated at import. A client imports httpx and pydantic when
it is made (``BaseClient.__init__``), so its first call pays for neither.
"""

from __future__ import annotations

import importlib
from typing import Any


class Deferred:
    """A module's global standing in for the module ``name`` until an attribute is read."""

    __slots__ = ("_binding", "_name", "_namespace")

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._binding = name.lstrip(".")
        self._namespace = namespace

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.load(), attribute)

    def load(self) -> Any:
        """Import the module and put it in place of this stand-in; return it."""
        module = importlib.import_module(self._name, self._namespace.get("__package__"))
        if self._namespace.get(self._binding) is self:
            self._namespace[self._binding] = module
        return module

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported on first use>"


def deferred(name: str, namespace: dict[str, Any]) -> Any:
    """A stand-in for the module ``name``, to be bound to its last name in ``namespace``: a
    top-level module (``"httpx"``) or one of the same package (``"._spec"``, bound to
    ``_spec``)."""
    if "." in name.lstrip("."):
        raise ValueError(f"{name!r}: only a top-level module or a sibling can be deferred")
    return Deferred(name, namespace)


def load(*stand_ins: Any) -> None:
    """Import now the modules these stand-ins defer (real modules are left as they are)."""
    for stand_in in stand_ins:
        if isinstance(stand_in, Deferred):
            stand_in.load()
