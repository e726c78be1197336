"""Python names for spec names, decided once here and never in templates."""

from __future__ import annotations

import builtins
import functools
import keyword
import re
import sys
import unicodedata
from collections.abc import Iterable

# ASCII words split at case changes; a run of other letters (CJK, Cyrillic...) is one word.
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+|[^\x00-\x7f]+")

# Names a generated module already binds; a spec name equal to one gets a suffix.
_MODEL_RESERVED = {
    "Annotated", "Any", "AwareDatetime", "BaseModel", "ConfigDict", "Field", "Literal",
    "RootModel", "date", "datetime", "models", "errors",
}  # fmt: skip

# Names the client module and the package's ``__init__`` bind (imports, base classes, pagers):
# a client class named after one, or whose ``Async`` twin is one, would replace it.
_CLIENT_RESERVED = {
    "Any", "Literal", "Mapping", "Sequence", "ApiKeyAuth", "BearerAuth", "ClientCredentialsAuth",
    "CallOptions", "SyncAPIClient", "AsyncAPIClient", "SyncPager", "AsyncPager", "Page",
}  # fmt: skip


# Top-level modules a generated package must not be named after: importing it would shadow
# them (the standard library, and the runtime dependencies of every generated client).
_TAKEN_MODULES = frozenset(sys.stdlib_module_names) | {
    "httpx", "httpcore", "h11", "anyio", "sniffio", "idna", "certifi",
    "pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection",
}  # fmt: skip


def words(text: str) -> list[str]:
    """Split camelCase, PascalCase, snake_case, kebab-case and spaced text into words.

    Accents are dropped (``Café`` -> ``Cafe``); letters without an ASCII form are kept, in the
    NFKC form Python itself gives identifiers, so ``用户`` stays a word and names stay distinct.
    """
    return list(_words(text))


@functools.lru_cache(maxsize=1 << 16)  # the builder names from the same few words many times
def _words(text: str) -> tuple[str, ...]:
    if text.isascii():  # nothing to fold: every ASCII non-word character separates words
        return tuple(_WORD.findall(_SEPARATORS.sub(" ", text)))
    folded = "".join(
        c if _in_identifier(c) else " "
        for c in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(c)
    )
    found = _WORD.findall(_SEPARATORS.sub(" ", folded))
    return tuple(unicodedata.normalize("NFKC", w) for w in found)


_SEPARATORS = re.compile(r"[\W_]+")


def _in_identifier(char: str) -> bool:
    """Whether ``char`` may stand inside a Python identifier. Some characters ``\\w`` matches
    may not (``⓫`` is a number, not a letter or digit to Python): they separate words."""
    return ("_" + unicodedata.normalize("NFKC", char)).isidentifier()


def _identifier(name: str, prefix: str) -> str:
    """``name``, or ``prefix + name`` when it cannot start an identifier (a digit, a mark)."""
    return name if name.isidentifier() else prefix + name


def snake(text: str) -> str:
    """``getSignInAttempts`` -> ``get_sign_in_attempts``; always a valid, non-keyword identifier."""
    name = _identifier("_".join(w.lower() for w in words(text)) or "value", "n_")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def pascal(text: str) -> str:
    """``tracked-event response`` -> ``TrackedEventResponse``; ``UUID`` stays ``UUID``."""
    parts = words(text)
    name = "".join(w if w.isupper() else w[:1].upper() + w[1:] for w in parts) or "Model"
    return _identifier(name, "M")


def shadows_module(package: str) -> bool:
    """Whether a package called ``package`` would hide a module generated code imports."""
    return package in _TAKEN_MODULES


def package_name(text: str) -> str:
    """A package name from an API title: ``JSON`` -> ``json_client``, never a taken module.

    Only the title's ASCII words count: a distribution name must be ASCII.
    """
    ascii_words = [w for w in words(text) if w.isascii()]
    if not ascii_words:
        return "api_client"
    name = snake(" ".join(ascii_words))
    return name + "_client" if shadows_module(name) else name


def client_class(text: str) -> str:
    """A client class name from an API title: ``None`` -> ``NoneClient``.

    Never a keyword or builtin, nor (with its ``Async`` twin) a name the client module binds.
    """
    name = pascal(text) if words(text) else "Client"
    taken = (
        keyword.iskeyword(name)
        or hasattr(builtins, name)
        or name in _CLIENT_RESERVED
        or f"Async{name}" in _CLIENT_RESERVED
    )
    return name + "Client" if taken else name


def constant(text: str) -> str:
    """``1Password CA`` -> ``SERVER_1PASSWORD_CA``; ``Sandbox`` -> ``SANDBOX``."""
    name = "_".join(w.upper() for w in words(text)) or "SERVER"
    return "SERVER_" + name if name[0].isdigit() else name


def model_class(text: str) -> str:
    """A model class name: ``None`` -> ``NoneModel``, never a keyword, builtin or imported name."""
    name = pascal(text)
    reserved = name in _MODEL_RESERVED or keyword.iskeyword(name) or hasattr(builtins, name)
    return name + "Model" if reserved else name


def unique(
    names: Iterable[str], taken: Iterable[str] = (), *, separator: str | None = None
) -> list[str]:
    """Make every name distinct (and distinct from ``taken``) by numbering repeats.

    The number follows ``separator`` (by default ``_`` after a lower-case letter). Class names
    use ``""``: the models stage drops underscores from class names, so ``FooBar_2`` would come
    back as ``FooBar2``.
    """
    seen = set(taken)
    result = []
    for name in names:
        candidate, n = name, 2
        while candidate in seen:
            sep = separator if separator is not None else "_" if name[-1:].islower() else ""
            candidate, n = f"{name}{sep}{n}", n + 1
        seen.add(candidate)
        result.append(candidate)
    return result
