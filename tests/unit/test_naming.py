"""``generator.naming`` alone: every public function on its edge cases, and the properties every
name it makes must have (an identifier, never a keyword, distinct where made unique)."""

from __future__ import annotations

import builtins
import keyword
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from generator import naming
from generator.bundle import report_for
from generator.pipeline import generate_in_memory, spec_file_target
from generator.template_sets import default_sets

# Any text a spec may hold where a name comes from, and ASCII identifiers in every casing.
TEXT = st.text(max_size=40)
ASCII_NAME = st.from_regex(r"[A-Za-z][A-Za-z0-9_\- ]{0,20}", fullmatch=True)
ANY_NAME = st.one_of(TEXT, ASCII_NAME)


def _is_python_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


# -- words -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("getSignInAttempts", ["get", "Sign", "In", "Attempts"]),
        ("HTTPResponseCode", ["HTTP", "Response", "Code"]),
        ("snake_case-and kebab", ["snake", "case", "and", "kebab"]),
        ("v2Beta", ["v2", "Beta"]),
        ("1Password CA", ["1", "Password", "CA"]),
        ("Café", ["Cafe"]),  # accents dropped
        ("用户id", ["用户", "id"]),  # letters without an ASCII form stay one word
        ("ﬁle", ["file"]),  # NFKC: the ligature is two ASCII letters
        ("get⓫x", ["get", "x"]),  # ``\w`` matches ``⓫``, an identifier may not hold it
        ("", []),
        ("--  __ !", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert naming.words(text) == expected


@given(st.from_regex(r"[A-Za-z0-9_\- .]{0,30}", fullmatch=True))
def test_words_keep_every_ascii_letter_and_digit(text: str) -> None:
    """Splitting only drops separators: the words hold every letter and digit, in order."""
    assert "".join(naming.words(text)) == "".join(c for c in text if c.isalnum())


# -- snake -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("getSignInAttempts", "get_sign_in_attempts"),
        ("getHTTPResponse", "get_http_response"),
        ("X-Request-ID", "x_request_id"),
        ("class", "class_"),  # keyword
        ("None", "none"),  # lower-cased first, so no longer a keyword
        ("match", "match_"),  # soft keyword
        ("case", "case_"),
        ("_", "value"),  # the soft keyword ``_`` has no words
        ("", "value"),
        ("!!!", "value"),
        ("1st", "n_1st"),  # leading digit
        ("2", "n_2"),
        ("Café Crème", "cafe_creme"),
        ("用户", "用户"),
    ],
)
def test_snake(text: str, expected: str) -> None:
    assert naming.snake(text) == expected


@given(ANY_NAME)
@example("\u0301x")  # a combining mark alone cannot start an identifier
@example("ǅemo")  # a title-case letter
@example("İstanbul")
@example("get⓫")
def test_snake_is_a_python_name_and_stable(text: str) -> None:
    name = naming.snake(text)
    assert _is_python_name(name), name
    assert not keyword.issoftkeyword(name)
    assert naming.snake(name) == name  # naming a name again changes nothing


# -- pascal, model_class, client_class ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tracked-event response", "TrackedEventResponse"),
        ("UUID", "UUID"),  # an all-capitals word stays as it is
        ("user_id", "UserId"),
        ("3dSecure", "M3dSecure"),  # leading digit
        ("", "Model"),
        ("用户", "用户"),
    ],
)
def test_pascal(text: str, expected: str) -> None:
    assert naming.pascal(text) == expected


@given(ANY_NAME)
def test_pascal_is_an_identifier(text: str) -> None:
    assert naming.pascal(text).isidentifier()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user", "User"),
        ("none", "NoneModel"),  # keyword (pascal gives ``None``)
        ("Exception", "ExceptionModel"),  # builtin
        ("Warning", "WarningModel"),
        ("BaseModel", "BaseModelModel"),  # bound by the models module
        ("Field", "FieldModel"),
        ("any", "AnyModel"),
        ("RootModel", "RootModelModel"),
        ("str", "Str"),  # not a builtin once capitalised
        ("", "Model"),
    ],
)
def test_model_class(text: str, expected: str) -> None:
    assert naming.model_class(text) == expected


@given(ANY_NAME)
@example("none")
@example("true")
def test_model_class_is_never_a_keyword_or_builtin(text: str) -> None:
    name = naming.model_class(text)
    assert _is_python_name(name), name
    assert not hasattr(builtins, name)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Events API", "Events"),  # filler dropped
        ("GitHub's official OpenAPI spec + Octokit extension", "GitHub"),  # brand kept whole
        ("None", "NoneClient"),  # keyword
        ("exception", "ExceptionClient"),  # builtin
        ("bool", "Bool"),
        ("Page", "PageClient"),  # bound by the client module
        ("Pager", "PagerClient"),  # its Async twin ``AsyncPager`` is bound
        ("APIClient", "APIClientClient"),  # ``AsyncAPIClient`` is the async base class
        ("", "Client"),
        ("!!!", "Client"),
    ],
)
def test_client_class(text: str, expected: str) -> None:
    assert naming.client_class(text) == expected


@given(ANY_NAME)
@example("⓫")
def test_client_class_and_its_async_twin_are_free_names(text: str) -> None:
    name = naming.client_class(text)
    assert _is_python_name(name), name
    assert not hasattr(builtins, name)
    assert f"Async{name}".isidentifier()


# -- package_name, shadows_module, constant ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Password Events API", "n_1password_events"),
        ("GitHub's official OpenAPI spec + Octokit extension", "github"),
        ("Typing Tool", "typing_tool"),
        ("JSON", "json_client"),  # the standard library's json
        ("typing", "typing_client"),
        ("os", "os_client"),
        ("httpx", "httpx_client"),  # a runtime dependency
        ("Pydantic", "pydantic_client"),
        ("用户 API", "api"),  # only ASCII words count
        ("用户", "api_client"),
        ("", "api_client"),
    ],
)
def test_package_name(text: str, expected: str) -> None:
    assert naming.package_name(text) == expected


@pytest.mark.parametrize(
    ("title", "package", "client"),
    [
        ("Client Tracking API", "client_tracking", "ClientTracking"),
        ("Swagger Petstore - OpenAPI 3.0", "petstore", "Petstore"),  # the subtitle is left out
        ("Stripe API 2023-10-16", "stripe", "Stripe"),  # a date as version
        ("Twitter API v2", "twitter", "Twitter"),
        ("Acme REST API (v1.2)", "acme", "Acme"),
        ("OpenAI's API: the official spec", "openai", "OpenAI"),
        ("Café RESTful APIs", "cafe", "Cafe"),
        ("my-cool_service", "my_cool_service", "MyCoolService"),
        ("API", "api", "API"),  # nothing but filler: the filler is the name
        ("OpenAPI spec", "openapi_spec", "OpenAPISpec"),
        ("- v2", "v2", "V2"),  # no main part: the whole title
        ("api.github.com", "github_com", "GithubCom"),  # a file name for a title
    ],
)
def test_names_from_a_title_drop_filler_words(title: str, package: str, client: str) -> None:
    assert (naming.package_name(title), naming.client_class(title)) == (package, client)


FILLER = st.sampled_from(["API", "OpenAPI", "spec", "official", "REST", "v3", "1.0", "APIs"])
NAME_WORD = st.from_regex(r"[A-Z]?[a-z]{2,8}", fullmatch=True).filter(
    lambda word: (
        word.lower()
        not in {"api", "apis", "openapi", "swagger", "spec", "specs", "official", "rest", "restful"}
    )
)


@given(st.lists(NAME_WORD, min_size=1, max_size=3), st.lists(FILLER, max_size=3))
def test_filler_words_do_not_change_the_names(named: list[str], filler: list[str]) -> None:
    """Whatever a title adds of filler, versions and a subtitle, its names are its words'."""
    title = " ".join(named)
    padded = " ".join([*filler[:1], title, *filler[1:], "- Some subtitle"])
    assert naming.package_name(padded) == naming.package_name(title)
    assert naming.client_class(padded) == naming.client_class(title)


@given(ANY_NAME)
def test_package_name_is_an_importable_ascii_name(text: str) -> None:
    name = naming.package_name(text)
    assert _is_python_name(name), name
    assert name.isascii()
    assert not naming.shadows_module(name)


@pytest.mark.parametrize(
    ("package", "taken"),
    [
        ("json", True),
        ("asyncio", True),
        ("httpx", True),  # a runtime dependency of every client
        ("pydantic_core", True),
        ("onepassword_events", False),
        ("json_client", False),
        ("", False),
    ],
)
def test_shadows_module(package: str, taken: bool) -> None:
    assert naming.shadows_module(package) is taken


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sandbox", "SANDBOX"),
        ("EU (Frankfurt)", "EU_FRANKFURT"),
        ("1Password CA", "SERVER_1_PASSWORD_CA"),  # leading digit
        ("api.example.com", "API_EXAMPLE_COM"),
        ("", "SERVER"),
        ("用户", "用户"),
    ],
)
def test_constant(text: str, expected: str) -> None:
    assert naming.constant(text) == expected


@given(ANY_NAME)
def test_constant_is_an_identifier(text: str) -> None:
    name = naming.constant(text)
    assert _is_python_name(name), name


# -- unique ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "taken", "separator", "expected"),
    [
        (["a", "a", "a"], [], None, ["a", "a_2", "a_3"]),
        (["A", "A"], [], None, ["A", "A2"]),  # no underscore after a capital
        (["get_v2", "get_v2"], [], None, ["get_v2", "get_v22"]),  # nor after a digit
        (["x"], ["x"], None, ["x_2"]),  # taken names count as seen
        (["Foo", "Foo"], [], "", ["Foo", "Foo2"]),  # class names: no separator
        (["foo", "foo"], [], "", ["foo", "foo2"]),
        (["a", "a", "a_2"], [], None, ["a", "a_2", "a_22"]),  # a number clashing with a name
        (["b", "a"], [], None, ["b", "a"]),  # order kept, distinct names untouched
        ([], ["x"], None, []),
    ],
)
def test_unique(
    names: list[str], taken: list[str], separator: str | None, expected: list[str]
) -> None:
    assert naming.unique(names, taken, separator=separator) == expected


@given(
    st.lists(st.sampled_from(["a", "a_2", "B", "B2", "get", "get_2", "x1"]) | ASCII_NAME),
    st.lists(st.sampled_from(["a", "a_2", "B", "client", "close"])),
    st.sampled_from([None, "", "_"]),
)
def test_unique_names_are_distinct_and_free(
    names: list[str], taken: list[str], separator: str | None
) -> None:
    result = naming.unique(names, taken, separator=separator)
    assert len(result) == len(names)
    assert len(set(result)) == len(result)
    assert not set(result) & set(taken)
    for name, made in zip(names, result, strict=True):
        assert made.startswith(name)  # a repeat is numbered, never renamed
    if len(set(names)) == len(names) and not set(names) & set(taken):
        assert result == names


@given(st.lists(ANY_NAME, max_size=12))
def test_snake_names_made_unique_stay_python_names(texts: list[str]) -> None:
    """What the builder does with operation ids and parameter names: never a keyword, never the
    same name twice, never a name the client already binds."""
    taken = ["close", "with_options", "self"]
    result = naming.unique([naming.snake(t) for t in texts], taken)
    assert all(_is_python_name(name) for name in result), result
    assert len(set(result)) == len(result)
    assert not set(result) & set(taken)


# -- forget ------------------------------------------------------------------------------------


@given(st.lists(ANY_NAME, max_size=8))
def test_forgetting_the_caches_changes_no_answer(texts: list[str]) -> None:
    def answers() -> list[tuple[list[str], str, str]]:
        return [(naming.words(t), naming.snake(t), naming.pascal(t)) for t in texts]

    before = answers()
    naming.forget()
    for cached in (naming._words, naming.snake, naming.pascal):
        assert cached.cache_info().currsize == 0
    assert answers() == before


def test_a_generation_leaves_no_name_in_the_caches() -> None:
    """The builder's names (tens of megabytes on a large spec) are not kept for the rest of
    the run: rendering and formatting ask for none."""
    spec = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "lenient" / "slips.yaml"
    source, target = spec_file_target(spec, None, None)
    generate_in_memory(source.data, source.name, target, default_sets(), report_for(source))
    for cached in (naming._words, naming.snake, naming.pascal):
        assert cached.cache_info().currsize == 0
