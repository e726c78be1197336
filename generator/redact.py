"""Removing secrets from recorded exchanges before anything reaches disk."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from generator.recordings import REDACTED

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
SECRET_FIELDS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_secret",
        "password",
        "secret",
        "api_key",
        "apikey",
        "authorization",
    }
)

# A secret inside a longer base64 text is found by the characters that encode only its own
# bytes; below this many characters such a fragment could match ordinary text by chance.
MIN_BASE64_FRAGMENT = 8
# A value found under a secret name (a token in a response, a cookie) is also removed wherever
# else it appears, when it is at least this long; shorter ones are only removed by name.
MIN_LEARNED_SECRET = 8

# Characters no URL encoder escapes (RFC 3986 "unreserved"); any other may arrive percent-encoded.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._")


class Redactor:
    """Replaces secrets by a fixed marker: by name (headers, body fields, query parameters) and,
    as a second line of defence, every spelling of a known secret value anywhere (raw,
    percent-encoded, JSON-escaped, base64 and base64url; see ``spellings``)."""

    def __init__(self, names: Iterable[str] = (), secrets: Iterable[str] = ()) -> None:
        extra = {n.lower() for n in names}
        self.headers = SECRET_HEADERS | extra
        self.fields = SECRET_FIELDS | extra
        forms = {form for secret in secrets if secret for form in spellings(secret)}
        # Longest first, so a long spelling is replaced whole rather than a shorter one in it.
        patterns = [_url_tolerant(f) for f in sorted(forms, key=lambda f: (-len(f), f))]
        self._pattern = re.compile("|".join(patterns)) if patterns else None

    def is_secret_name(self, name: str) -> bool:
        return name.lower() in self.fields or name.lower() in self.headers

    def headers_of(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        result: dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            result[key] = REDACTED if key in self.headers else self.text(value)
        return result

    def query(self, query: str) -> str:
        if not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if not any(self.is_secret_name(k) for k, _ in pairs):
            return self.text(query)
        cleaned = [(k, REDACTED if self.is_secret_name(k) else v) for k, v in pairs]
        return self.text(urlencode(cleaned))

    def body(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {
                self.text(str(k)): REDACTED if str(k).lower() in self.fields else self.body(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.body(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def text(self, value: str) -> str:
        return self._pattern.sub(REDACTED, value) if self._pattern else value

    def values_named(
        self, headers: Iterable[tuple[str, str]], query: str, body: Any
    ) -> Iterator[str]:
        """The values this redactor removes by name from one message (a header, a query or form
        field, a body field; also top-level ``...token`` fields). They are secrets wherever else
        they appear, e.g. a token echoed in a ``next`` link. Values shorter than
        ``MIN_LEARNED_SECRET`` are left out: replacing them everywhere would garble the text."""
        found: list[str] = []
        for name, value in headers:
            if name.lower() in self.headers:
                found += _header_credentials(name.lower(), value)
        found += [v for k, v in parse_qsl(query, keep_blank_values=True) if self.is_secret_name(k)]
        found += self._fields_named(body, top=True)
        return (value for value in found if len(value) >= MIN_LEARNED_SECRET)

    def _fields_named(self, value: Any, top: bool = False) -> list[str]:
        found: list[str] = []
        if isinstance(value, Mapping):
            for key, item in value.items():
                name = str(key).lower()
                secret = name in self.fields or (top and name.endswith("token"))
                found += _scalars(item) if secret else self._fields_named(item)
        elif isinstance(value, list):
            for item in value:
                found += self._fields_named(item)
        return found


def _scalars(value: Any) -> list[str]:
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _scalars(item)]
    if isinstance(value, list):
        return [s for item in value for s in _scalars(item)]
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return [str(value)]
    return []


def _header_credentials(name: str, value: str) -> list[str]:
    """The secret parts of a secret header: the whole value, the credential after an auth
    scheme (and the password of a Basic pair), every cookie value."""
    found = [value]
    if name in ("cookie", "set-cookie"):
        # A Set-Cookie holds one cookie and then attributes (Path=/), a Cookie many cookies.
        cookies = value.split(";")[:1] if name == "set-cookie" else value.split(";")
        found += [c.partition("=")[2].strip() for c in cookies]
        return found
    scheme, _, credential = value.partition(" ")
    found.append(credential.strip())
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(credential, validate=True).decode()
        except ValueError:
            return found
        found += [pair, pair.partition(":")[2]]
    return found


def spellings(secret: str) -> set[str]:
    """The ways ``secret`` can be written into a message, before any percent-encoding (which
    the matching pattern allows on top of each): raw, JSON-escaped (ASCII-only or not, ``\\/``
    or ``/``, lower or upper-case ``\\u`` digits), and base64 and base64url, padded or not,
    alone or as a fragment of a longer base64 text."""
    ascii_only = json.dumps(secret)[1:-1]
    upper_hex = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m[1].upper(), ascii_only)
    escaped = {ascii_only, upper_hex, json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms = {secret} | escaped | {e.replace("/", "\\/") for e in escaped}
    raw = secret.encode("utf-8", "surrogatepass")
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms |= {whole, whole.rstrip("=")}
        forms |= {f for f in _base64_fragments(raw, encode) if len(f) >= MIN_BASE64_FRAGMENT}
    return forms


def _base64_fragments(raw: bytes, encode: Callable[[bytes], bytes]) -> Iterator[str]:
    """What ``raw`` looks like inside the base64 of a longer text.

    Base64 turns each 3 bytes into 4 characters, so ``raw`` can start at three offsets within a
    group. For each, the characters whose 6 bits all come from ``raw`` are the same whatever
    surrounds it; the ones at the edges, which mix in neighbouring bytes, are left out.
    """
    for shift in range(3):
        text = encode(bytes(shift) + raw).decode()
        start = -(-8 * shift // 6)  # first character past the shift bytes (ceiling division)
        end = 8 * (shift + len(raw)) // 6  # last character made only of raw's bits
        yield text[start:end]


def _url_tolerant(form: str) -> str:
    """A pattern for ``form`` in which every character an encoder may escape can also appear
    as its ``%XX`` escapes (either case), and a space as ``+``."""
    parts = []
    for char in form:
        if char in _UNRESERVED:
            parts.append(re.escape(char))
            continue
        escapes = "".join(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        options = [re.escape(char), f"(?i:{re.escape(escapes)})"] + ([r"\+"] if char == " " else [])
        parts.append(f"(?:{'|'.join(options)})")
    return "".join(parts)
