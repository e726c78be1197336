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


@functools.lru_cache(maxsize=1 << 16)  # as ``_words``: the same names, asked for many times
def snake(text: str) -> str:
    """``getSignInAttempts`` -> ``get_sign_in_attempts``; always a valid, non-keyword identifier."""
    name = _identifier("_".join(w.lower() for w in words(text)) or "value", "n_")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


@functools.lru_cache(maxsize=1 << 16)
def pascal(text: str) -> str:
    """``tracked-event response`` -> ``TrackedEventResponse``; ``UUID`` stays ``UUID``."""
    parts = words(text)
    name = "".join(w if w.isupper() else w[:1].upper() + w[1:] for w in parts) or "Model"
    return _identifier(name, "M")


def shadows_module(package: str) -> bool:
    """Whether a package called ``package`` would hide a module generated code imports."""
    return package in _TAKEN_MODULES


# Words of a title that do not tell one API from another (compared in lower case).
_FILLER = frozenset(
    {"api", "apis", "openapi", "swagger", "spec", "specs", "specification", "official", "rest",
     "restful"}
)  # fmt: skip
# Where a subtitle starts: "Swagger Petstore - OpenAPI 3.0", "GitHub's spec + Octokit extension".
_SUBTITLE = re.compile(r"\s[-\u2013\u2014+|/]\s|:\s|\s\(")
_POSSESSIVE = re.compile(r"(?<=\w)['\u2019]s\b", re.IGNORECASE)
# A version or date written as a word: v3, V1.2, 2.0, 2024-01-01.
_VERSION_WORD = re.compile(r"v?\d+(?:[._-]\d+)*", re.IGNORECASE)


def title_words(title: str, *, ascii_only: bool = False) -> list[str]:
    """The words that name the API in its ``info.title`` (docs/config.md, "Default names").

    The title's main part (before a subtitle: `` - ``, `` + ``, ``: ``, `` (``...), without
    filler words (API, OpenAPI, spec, official, REST...), possessives (``'s``) and versions
    (``v3``, ``2.0``); the whole title's words if that leaves none. A word is what the title
    writes as one: ``GitHub`` stays one word, never ``Git Hub``.
    """
    main = _SUBTITLE.split(title, maxsplit=1)[0]
    everything = _title_pieces(title, ascii_only)
    for found in (_title_pieces(main, ascii_only), everything):
        named = [word for word, filler in found if not filler]
        if named:
            return named
    return [word for word, _ in everything]


def _title_pieces(text: str, ascii_only: bool) -> list[tuple[str, bool]]:
    """Each word of ``text`` with whether it is filler (split at spaces and punctuation only)."""
    pieces = []
    for token in _POSSESSIVE.sub("", text).split():
        version = _VERSION_WORD.fullmatch(token) is not None
        for piece in _SEPARATORS.split(token):
            word = "".join(words(piece))  # accents dropped; case changes do not split it
            if word and (word.isascii() or not ascii_only):
                filler = word.lower() in _FILLER or version or bool(_VERSION_WORD.fullmatch(word))
                pieces.append((word, filler))
    return pieces


def package_name(text: str) -> str:
    """A package name from an API title: ``GitHub's official OpenAPI spec`` -> ``github``,
    ``JSON`` -> ``json_client``; never a taken module.

    Only the title's ASCII words count: a distribution name must be ASCII.
    """
    ascii_words = title_words(text, ascii_only=True)
    if not ascii_words:
        return "api_client"
    name = _identifier("_".join(w.lower() for w in ascii_words), "n_")
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name + "_client" if shadows_module(name) else name


def client_class(text: str) -> str:
    """A client class name from an API title: ``GitHub's official OpenAPI spec`` -> ``GitHub``,
    ``None`` -> ``NoneClient``.

    Never a keyword or builtin, nor (with its ``Async`` twin) a name the client module binds.
    """
    found = title_words(text)
    name = "".join(w[:1].upper() + w[1:] for w in found) if found else "Client"
    name = _identifier(name, "M")
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


def forget() -> None:
    """Empty the caches of words and names: a large spec fills them with tens of megabytes
    (GitHub's: about 30 MB), kept for the rest of the run otherwise."""
    for cached in (_words, snake, pascal):
        cached.cache_clear()
