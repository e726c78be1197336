"""``upstream:`` in specgen.yaml (``generator.project.read_config``): the forms it takes and
the values it refuses, each named by its JSON pointer and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import SpecgenError
from generator.load import parse_document
from generator.project import ApiConfig, Upstream, read_config

BASE = "name: Events\npackage: events\nclient_class: Events\nspec: openapi.json\n"


def config(upstream: str | None) -> ApiConfig:
    text = BASE if upstream is None else BASE + f"upstream: {upstream}\n"
    return read_config(parse_document(Path("specgen.yaml"), text))


def refused(upstream: str) -> tuple[str, int | None, str]:
    """The pointer, line and message ``upstream`` is refused with (one diagnostic)."""
    with pytest.raises(SpecgenError) as caught:
        config(upstream)
    (diagnostic,) = caught.value.diagnostics
    assert diagnostic.file == "specgen.yaml"
    return diagnostic.pointer, diagnostic.line, diagnostic.message


def test_no_upstream() -> None:
    assert config(None).upstream is None


def test_a_url() -> None:
    url = "https://docs.example.com/openapi/events.json"
    assert config(url).upstream == Upstream(url, {}, None)


def test_a_mapping_keeps_the_variable_references_unresolved() -> None:
    upstream = config(
        "\n  url: https://example.com/spec?version=2\n  format: yaml\n  headers:\n"
        "    Authorization: Bearer ${EVENTS_TOKEN}\n    X-Api-Version: '2'\n"
    ).upstream
    assert upstream == Upstream(
        "https://example.com/spec?version=2",
        {"Authorization": "Bearer ${EVENTS_TOKEN}", "X-Api-Version": "2"},
        "yaml",
    )


@pytest.mark.parametrize(
    "url", ["http://localhost:8080/spec.json", "http://127.0.0.1/spec", "http://[::1]:9/spec"]
)
def test_headers_over_plain_http_to_loopback_are_allowed(url: str) -> None:
    upstream = config(f"{{url: '{url}', headers: {{X-Token: '${{TOKEN}}'}}}}").upstream
    assert upstream is not None and upstream.headers == {"X-Token": "${TOKEN}"}


@pytest.mark.parametrize(
    ("upstream", "pointer", "message"),
    [
        ("42", "/upstream", "must be a URL or a mapping"),
        ("[https://example.com/spec.json]", "/upstream", "must be a URL or a mapping"),
        ("ftp://example.com/spec.json", "/upstream/url", "must be an http(s) URL"),
        ("file:///etc/passwd", "/upstream/url", "must be an http(s) URL"),
        ("example.com/spec.json", "/upstream/url", "must be an http(s) URL"),
        ("https:///spec.json", "/upstream/url", "must be an http(s) URL"),
        ('"https://example.com/a\\nb"', "/upstream/url", "must be an http(s) URL"),
        ("{format: json}", "/upstream/url", "must be an http(s) URL, not None"),
        ("{url: https://example.com/s, retries: 3}", "/upstream/retries", "unknown upstream key"),
        ("{url: https://example.com/s, headers: [a]}", "/upstream/headers", "must map header"),
        (
            "{url: https://example.com/s, headers: {'Bad Header': x}}",
            "/upstream/headers/Bad Header",
            "is not an HTTP header name",
        ),
        (
            '{url: https://example.com/s, headers: {"X-Token\\n": x}}',
            "/upstream/headers/X-Token\n",
            "is not an HTTP header name",
        ),
        (
            '{url: https://example.com/s, headers: {X-Token: "a\\nInjected: b"}}',
            "/upstream/headers/X-Token",
            "a header value must be one line",
        ),
        (
            "{url: https://example.com/s, headers: {X-Token: 'sécret'}}",
            "/upstream/headers/X-Token",
            "a header value must be one line",
        ),
        (
            "{url: https://example.com/s, headers: {X-Token: 3}}",
            "/upstream/headers/X-Token",
            "a header value must be one line",
        ),
        (  # a token may hold ~ and a name /: the pointer escapes both (~0, ~1)
            "{url: https://example.com/s, headers: {'X~Tok/en': x}}",
            "/upstream/headers/X~0Tok~1en",
            "is not an HTTP header name",
        ),
        (
            "{url: https://user:pw@example.com/s}",
            "/upstream/url",
            "must not hold a user or password",
        ),
        (
            "{url: https://example.com/s, headers: {X-Token: 'Bearer ${1BAD}'}}",
            "/upstream/headers/X-Token",
            "'${1BAD}' does not name an environment variable",
        ),
        (
            "{url: https://example.com/s, headers: {X-Token: 'Bearer ${}'}}",
            "/upstream/headers/X-Token",
            "does not name an environment variable",
        ),
        (
            "{url: 'http://example.com/s', headers: {X-Token: '${TOKEN}'}}",
            "/upstream/url",
            "an upstream with headers must be an https URL",
        ),
        ("{url: https://example.com/s, format: xml}", "/upstream/format", "json or yaml"),
        ("{url: https://example.com/s, format: JSON}", "/upstream/format", "json or yaml"),
    ],
)
def test_refused_with_the_pointer(upstream: str, pointer: str, message: str) -> None:
    where, line, text = refused(upstream)
    assert where == pointer
    assert message in text
    assert line == 5  # the upstream line: every value here is written on it


def test_the_line_is_the_one_of_the_refused_value() -> None:
    where, line, _ = refused(
        "\n  url: https://example.com/s\n  headers:\n    Good: a\n    'Bad Name': b\n"
    )
    assert (where, line) == ("/upstream/headers/Bad Name", 9)
