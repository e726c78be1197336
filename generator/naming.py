"""Python names for spec names, decided once here and never in templates."""

from __future__ import annotations

import builtins
import keyword
import re
import sys
from collections.abc import Iterable

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")

# Names a generated module already binds; a spec name equal to one gets a suffix.
_MODEL_RESERVED = {
    "Annotated", "Any", "AwareDatetime", "BaseModel", "ConfigDict", "Field", "Literal",
    "RootModel", "date", "datetime", "models", "errors",
}  # fmt: skip


# Top-level modules a generated package must not be named after: importing it would shadow
# them (the standard library, and the runtime dependencies of every generated client).
_TAKEN_MODULES = frozenset(sys.stdlib_module_names) | {
    "httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi",
    "pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Split camelCase, PascalCase, snake_case, kebab-case and spaced text into words."""
    return _WORD.findall(re.sub(r"[^A-Za-z0-9]+", " ", text))


def snake(text: str) -> str:
    """``getSignInAttempts`` -> ``get_sign_in_attempts``; always a valid, non-keyword identifier."""
    name = "_".join(w.lower() for w in words(text)) or "value"
    if name[0].isdigit():
        name = "n_" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def pascal(text: str) -> str:
    """``tracked-event response`` -> ``TrackedEventResponse``; ``UUID`` stays ``UUID``."""
    parts = words(text)
    name = "".join(w if w.isupper() else w[:1].upper() + w[1:] for w in parts) or "Model"
    if name[0].isdigit():
        name = "M" + name
    return name


def shadows_module(package: str) -> bool:
    """Whether a package called ``package`` would hide a module generated code imports."""
    return package in _TAKEN_MODULES


def package_name(text: str) -> str:
    """A package name from an API title: ``JSON`` -> ``json_client``, never a taken module."""
    name = snake(text)
    return name + "_client" if shadows_module(name) else name


def client_class(text: str) -> str:
    """A client class name from an API title: ``None`` -> ``NoneClient``, never a keyword."""
    name = pascal(text)
    return name + "Client" if keyword.iskeyword(name) else name


def constant(text: str) -> str:
    """``1Password CA`` -> ``SERVER_1PASSWORD_CA``; ``Sandbox`` -> ``SANDBOX``."""
    name = "_".join(w.upper() for w in words(text)) or "SERVER"
    return "SERVER_" + name if name[0].isdigit() else name


def model_class(text: str) -> str:
    name = pascal(text)
    return name + "Model" if name in _MODEL_RESERVED or hasattr(builtins, name) else name


def unique(names: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """Make every name distinct (and distinct from ``taken``) by numbering repeats."""
    seen = set(taken)
    result = []
    for name in names:
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name}_{n}" if name[-1:].islower() else f"{name}{n}", n + 1
        seen.add(candidate)
        result.append(candidate)
    return result
