"""Issue 8, partial generation with counted diagnostics: lenient checking, --strict, one rule set.

Each slip real specs are full of costs a warning naming its JSON pointer and line, and the rest
of the spec is generated; ``--strict`` turns every warning into an error and writes nothing.
``validate``, ``generate``, ``check`` and ``update`` run the same checks.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from generator.cli import main
from generator.load import load_document, parse_document
from generator.validate import shorten, validate_spec

ROOT = Path(__file__).resolve().parents[2]
LENIENT = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "lenient"
SLIPS = LENIENT / "slips.yaml"
PART = "/paths/~1things~1{id}~1parts~1{part}/get"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def lines_of(result: Result, kind: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"{kind}: ")]


def line_of(path: Path, needle: str) -> int:
    [line] = [n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text]
    return line


def import_package(folder: Path, package: str) -> ModuleType:
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))


# -- item 1 (and 4, 8): each slip is one warning with its pointer and line ----------------------

SLIP_WARNINGS = [
    ("/info/version", "version: 2", "info.version must be a string"),
    (f"{PART}/parameters/0", "- name: id", "path parameter 'id' must be 'required: true'"),
    (f"{PART}", "    get:\n      title", "path parameter 'part' of"),
    (f"{PART}/title", "title: Get a part", "'title' is not an OpenAPI 3.0.3 field here"),
    ("/components/schemas/Part/properties/kind/const", "const: part", "read as a one-value"),
    (
        "/components/schemas/Part/properties/size/default",
        "default: large",
        "default 'large' does not fit its schema ('large' is not of type 'integer'): not used",
    ),
    (
        "/components/schemas/Part/properties/since/default",
        "default: 2024-01-01",
        "unquoted YAML date: read as the string '2024-01-01'",
    ),
    (
        "/paths/~1things/get/parameters/0/schema/default",
        "default: current",
        "default 'current' does not fit its schema",
    ),
    ("/paths/~1things/get/operationId", 'operationId: "list', "holds control characters"),
    (
        "/components/schemas/Part/properties/owner/$ref",
        "Nobody",
        "'#/components/schemas/Nobody' points to nothing: read as any value",
    ),
]


@pytest.fixture(scope="module")
def slips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    out = tmp_path_factory.mktemp("slips")
    return run("generate", "--spec", SLIPS, "--output", out), out


def _line(needle: str) -> int:
    text = SLIPS.read_text()
    if "\n" in needle:  # a line given by its context: the first line of the match
        return text[: text.index(needle)].count("\n") + 1
    return line_of(SLIPS, needle)


@pytest.mark.parametrize(
    ("pointer", "needle", "text"), SLIP_WARNINGS, ids=[w[0] for w in SLIP_WARNINGS]
)
def test_each_slip_is_a_warning_with_pointer_and_line(
    slips: tuple[Result, Path], pointer: str, needle: str, text: str
) -> None:
    result, _ = slips
    assert result.exit_code == 0, result.output
    prefix = f"warning: {SLIPS}:{_line(needle)} at {pointer}: "
    assert any(line.startswith(prefix) and text in line for line in lines_of(result, "warning")), (
        prefix,
        result.stderr,
    )


def test_slips_are_all_the_warnings_and_the_summary_counts_them(slips: tuple[Result, Path]) -> None:
    result, out = slips
    assert len(lines_of(result, "warning")) == len(SLIP_WARNINGS), result.stderr
    assert lines_of(result, "error") == []
    summary = f"2 of 2 operations, 2 of 2 schemas, {len(SLIP_WARNINGS)} warnings"
    assert result.stdout.strip() == f"generated {out / 'slips'}: {summary}"


def test_the_slips_package_works_as_repaired(slips: tuple[Result, Path]) -> None:
    """Undeclared path parameter added (required str), bad defaults unused, NUL id cleaned."""
    _, out = slips
    package = import_package(out / "slips", "slips")
    fields = package.models.Part.model_fields
    assert fields["size"].default is None  # 'large' is not an integer: not a Python default
    assert fields["since"].default == "2024-01-01"
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[] if request.url.path == "/things" else {"kind": "part"})

    client = package.Slips(
        base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    assert client.get_part(id="a", part="b").kind == "part"
    assert client.list_things() == []
    assert [r.url.path for r in seen] == ["/things/a/parts/b", "/things"]
    assert "page" not in seen[1].url.params  # the default 'current' is not sent


def test_slips_under_strict_are_errors_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("generate", "--strict", "--spec", SLIPS, "--output", out)
    assert result.exit_code == 2
    errors = lines_of(result, "error")
    assert len(errors) == len(SLIP_WARNINGS), result.stderr  # all of them, not just the first
    assert all(line.startswith(f"error: {SLIPS}:") for line in errors)
    assert not out.exists()


def test_validate_spec_gives_severities() -> None:
    document = load_document(SLIPS)
    diagnostics = validate_spec(document.data, document)
    assert {d.severity for d in diagnostics} == {"warning"}
    assert len(diagnostics) == len(SLIP_WARNINGS)


# -- item 2: the real cause instead of "'$ref' is a required property" ------------------------

REF_SLIPS = """\
openapi: 3.0.3
info: {title: Ref, version: '1'}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: query, schema: {type: [string, 'null']}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, nullable: 'yes'}
"""


def test_real_cause_is_reported_not_a_missing_ref() -> None:
    document = parse_document(Path("ref.yaml"), REF_SLIPS)
    diagnostics = validate_spec(document.data, document)
    assert [(d.pointer, d.line) for d in diagnostics] == [
        ("/paths/~1a/get/parameters/0/schema/type", 7),
        ("/paths/~1a/get/responses/200/content/application~1json/schema/nullable", 13),
    ]
    assert "['string', 'null'] is not of type 'string'" in diagnostics[0].message
    assert "'yes' is not of type 'boolean'" in diagnostics[1].message
    assert not any("$ref" in d.message for d in diagnostics)


def test_real_cause_keeps_a_reference_error_for_a_reference() -> None:
    """A node that has a ``$ref`` and something wrong is still told about the reference."""
    text = REF_SLIPS.replace("{type: object, nullable: 'yes'}", "{$ref: 7}")
    document = parse_document(Path("ref.yaml"), text)
    problem = validate_spec(document.data, document)[1]
    assert problem.pointer == "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"
    assert problem.message == "7 is not of type 'string': this schema is read as any value"


def test_path_template_names_with_brackets_dots_and_colons(tmp_path: Path) -> None:
    """`{filter[name]}`, `{a.b}`, `{c:d}`, `{x[y}`: no validator crash, and the calls work."""
    spec = LENIENT / "brackets.yaml"
    document = load_document(spec)
    assert validate_spec(document.data, document) == []
    result = run("generate", "--strict", "--spec", spec, "--output", tmp_path)
    assert result.exit_code == 0, result.output
    package = import_package(tmp_path / "brackets", "brackets")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    client = package.Brackets(
        base_url="https://x.test", http_client=httpx.Client(transport=httpx.MockTransport(handler))
    )
    client.get_filtered(filter_name="f", a_b="a", c_d="c", x_y="x")
    assert seen[0].url.path == "/filter/f/a/c/x"


def test_long_validator_messages_are_shortened() -> None:
    """A message quoting a whole node (here all of ``paths``) never prints the whole spec."""
    paths = [{"path": f"/p{i}", "description": "x" * 50} for i in range(200)]
    spec = {"openapi": "3.1.0", "info": {"title": "T", "version": "1"}, "paths": paths}
    document = parse_document(Path("long.yaml"), yaml.safe_dump(spec))
    diagnostics = validate_spec(document.data, document)
    assert diagnostics and all(len(d.message) <= 240 for d in diagnostics)
    assert diagnostics[0].severity == "error" and diagnostics[0].pointer == "/paths"
    assert len(shorten("y" * 10_000)) <= 240


# -- item 3: one rule set for validate, generate and check ------------------------------------


def make_api(specs: Path, spec: Path, name: str = "api") -> Path:
    folder = specs / name
    folder.mkdir(parents=True)
    shutil.copy(spec, folder / spec.name)
    package = f"probe_{name.replace('-', '_')}"
    (folder / "specgen.yaml").write_text(
        f"name: Probe\npackage: {package}\nclient_class: Probe\nspec: {spec.name}\n"
    )
    return folder


AGREE = [
    "slips.yaml",
    "pagination.yaml",
    "brackets.yaml",
    "swagger.yaml",
    "v32.yaml",
    "multipart.yaml",
]


@pytest.mark.parametrize("name", AGREE)
def test_validate_and_generate_agree(tmp_path: Path, name: str) -> None:
    specs = tmp_path / "specs"
    make_api(specs, LENIENT / name)
    for strict in ([], ["--strict"]):
        checked = run("validate", *strict, "--specs", specs)
        generated = run("generate", *strict, "--specs", specs, "--output", tmp_path / "out")
        # validate's findings exit 1 where generate refuses its input (2)
        assert (checked.exit_code, generated.exit_code) in ((0, 0), (1, 2)), (
            checked.output,
            generated.output,
        )
        for kind in ("warning", "error"):
            assert lines_of(checked, kind) == lines_of(generated, kind)


def test_a_wrong_pagination_pointer_is_found_by_validate(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    make_api(specs, LENIENT / "pagination.yaml")
    result = run("validate", "--specs", specs)
    assert result.exit_code == 0
    [warning] = lines_of(result, "warning")
    assert (
        "at /paths/~1events/get/x-pagination/items: operation skipped: /data is not an array"
        in warning
    )
    assert result.stdout == "ok: api (1 of 2 operations, 1 of 1 schemas, 1 warnings)\n"
    assert run("validate", "--strict", "--specs", specs).exit_code == 1


def test_check_is_lenient_unless_strict(tmp_path: Path) -> None:
    """A slip in a committed API's spec: ``check`` warns, ``check --strict`` fails."""
    specs, generated = tmp_path / "specs", tmp_path / "generated"
    shutil.copytree(ROOT / "specs" / "onegini-events", specs / "onegini-events")
    shutil.copytree(ROOT / "generated" / "onegini_events", generated / "onegini_events")
    spec = specs / "onegini-events" / "openapi.yaml"
    spec.write_text(_with_a_title_slip(spec))
    lenient = run("check", "--specs", specs, "--output", generated)
    assert lenient.exit_code == 0, lenient.output
    assert "'title' is not an OpenAPI" in lenient.output
    strict = run("check", "--strict", "--specs", specs, "--output", generated)
    assert strict.exit_code == 1
    assert "error: " in strict.output and "'title' is not an OpenAPI" in strict.output


def test_makefile_uses_strict_for_the_committed_apis() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "specgen generate --strict" in makefile
    assert "specgen check --strict" in makefile


# -- item 5: --spec with --overlay ------------------------------------------------------------


def test_spec_with_overlay(tmp_path: Path) -> None:
    overlay = tmp_path / "fix.yaml"
    overlay.write_text(
        "overlay: 1.0.0\ninfo: {title: fix, version: '1'}\nactions:\n"
        "  - target: $.paths['/things'].get\n"
        "    description: the vendor's operationId holds a NUL\n"
        "    update: {operationId: listAllThings}\n"
        "  - target: $.components.schemas.Part.properties.size\n"
        "    description: the default is not an integer\n"
        "    update: {default: 3}\n"
    )
    out = tmp_path / "out"
    result = run(
        "generate", "--spec", SLIPS, "--overlay", overlay, "--package", "fixed", "--output", out
    )
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "specs").exists()
    warnings = lines_of(result, "warning")
    assert len(warnings) == len(SLIP_WARNINGS) - 2
    assert not any("operationId" in w or "'large'" in w for w in warnings)
    package = import_package(out / "fixed", "fixed")
    assert hasattr(package.Slips, "list_all_things")
    assert package.models.Part.model_fields["size"].default == 3


def test_overlay_needs_spec() -> None:
    result = run("generate", "--overlay", SLIPS)
    assert result.exit_code == 2
    assert "go with --spec" in result.stderr


# -- item 6: OpenAPI 3.2 documents are read ----------------------------------------------------


def test_openapi_3_2_document_is_validated_and_generated(tmp_path: Path) -> None:
    spec = LENIENT / "v32.yaml"
    document = load_document(spec)
    assert validate_spec(document.data, document) == []
    bad = parse_document(spec, spec.read_text().replace("kind: nav", "kind: [nav]"))
    [warning] = validate_spec(bad.data, bad)
    assert warning.pointer == "/tags/0/kind" and warning.severity == "warning"
    result = run("generate", "--strict", "--spec", spec, "--output", tmp_path)
    assert result.exit_code == 0, result.output
    package = import_package(tmp_path / "thirty_two", "thirty_two")
    assert hasattr(package.ThirtyTwo, "get_thing")


def test_swagger_2_is_refused_with_how_to_convert(tmp_path: Path) -> None:
    result = run("generate", "--spec", LENIENT / "swagger.yaml", "--output", tmp_path / "out")
    assert result.exit_code == 2
    [error] = lines_of(result, "error")
    assert error.startswith(f"error: {LENIENT / 'swagger.yaml'}:1 at /swagger: this is a Swagger")
    assert "swagger2openapi" in error and "converter.swagger.io" in error
    assert not (tmp_path / "out").exists()


# -- item 7: names that would shadow a module or a keyword are refused -------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--package", "os", "would shadow the Python module"),
        ("--package", "httpx", "would shadow the Python module"),
        ("--package", "pydantic", "would shadow the Python module"),
        ("--package", "class", "must be a Python identifier"),
        ("--package", "my-api", "must be a Python identifier"),
        ("--client-name", "class", "must be a Python identifier"),
        ("--client-name", "httpx", "would shadow the Python module"),
        ("--client-name", "str", "would shadow the Python built-in"),
    ],
)
def test_shadowing_names_are_refused(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = run(
        "generate", "--spec", LENIENT / "brackets.yaml", option, value, "--output", tmp_path
    )
    assert result.exit_code == 2
    assert lines_of(result, "error") == [f"error: {option} {value!r} {message} of that name"] or (
        message in result.stderr
    )
    assert list(tmp_path.iterdir()) == []


def test_config_client_class_that_shadows_is_refused(tmp_path: Path) -> None:
    folder = make_api(tmp_path / "specs", LENIENT / "v32.yaml")
    config = folder / "specgen.yaml"
    config.write_text(config.read_text().replace("client_class: Probe", "client_class: pydantic"))
    result = run("validate", "--specs", tmp_path / "specs")
    assert result.exit_code == 1
    assert "'client_class: pydantic' would shadow the Python module" in result.stderr


# -- the summary, and operations left out are counted -----------------------------------------


def test_left_out_operations_are_counted_warnings(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: Counted, version: '1'}\npaths:\n"
        "  /a:\n    get:\n      operationId: a\n"
        "      parameters: [{$ref: '#/components/parameters/Gone'}]\n"
        "      responses: {'204': {description: ok}}\n"
        "  /b:\n    get:\n      operationId: b\n      parameters: [{name: x, in: nowhere}]\n"
        "      responses: {'204': {description: ok}}\n"
        "  /c:\n    get:\n      operationId: c\n      responses: {'204': {description: ok}}\n"
    )
    result = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    warnings = lines_of(result, "warning")
    assert len(warnings) == 2
    assert f"{spec}:7 at /paths/~1a/get/parameters/0/$ref: operation skipped: " in warnings[0]
    assert f"{spec}:12 at /paths/~1b/get/parameters/0/in: operation skipped: " in warnings[1]
    assert "1 of 3 operations, 0 of 0 schemas, 2 warnings" in result.stdout


def test_generated_slips_package_is_mypy_clean(slips: tuple[Result, Path]) -> None:
    _, out = slips
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "slips"],
        cwd=out / "slips",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- what real specs showed: a query string in a path, patterns Python's re cannot read ---------


def test_a_query_string_in_a_path_is_sent_as_query_parameters(tmp_path: Path) -> None:
    spec = LENIENT / "query-in-path.yaml"
    result = run("generate", "--spec", spec, "--output", tmp_path)
    assert result.exit_code == 0, result.output
    warnings = lines_of(result, "warning")
    assert warnings[0].startswith(f"warning: {spec}:5 at /paths/~1search?term={{term}}&amount=")
    assert "a path holds a query string: read as '/search'" in warnings[0]
    assert [w.split(": ", 2)[1].rsplit(" at ", 1)[1] for w in warnings[1:]] == [
        "/paths/~1search/get/parameters/0",
        "/paths/~1search/get/parameters/1",
    ]
    package = import_package(tmp_path / "icons", "icons")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    transport = httpx.Client(transport=httpx.MockTransport(handler))
    package.Icons(base_url="https://x.test", http_client=transport).search(term="cat", amount=2)
    assert (seen[0].url.path, dict(seen[0].url.params)) == (
        "/search",
        {"term": "cat", "amount": "2"},
    )


def test_patterns_are_left_to_the_engine_of_the_generated_models() -> None:
    r"""``\p{L}`` is no Python ``re`` syntax, but pydantic's engine reads it (6 AWS specs)."""
    text = (
        (LENIENT / "v32.yaml")
        .read_text()
        .replace("id: {type: string}", r"id: {type: string, pattern: '^\p{L}+$'}")
    )
    document = parse_document(LENIENT / "v32.yaml", text)
    assert validate_spec(document.data, document) == []


def _with_a_title_slip(spec: Path) -> str:
    """The text of ``spec`` with a ``title`` on its first operation (3.0 and 3.1 refuse it)."""
    text = spec.read_text()
    operation_id = next(iter(next(iter(yaml.safe_load(text)["paths"].values())).values()))[
        "operationId"
    ]
    key = f"operationId: {operation_id}\n"
    indent = text.split(key)[0].rsplit("\n", 1)[1]
    return text.replace(key, f"{key}{indent}title: A slip\n", 1)


def test_update_is_lenient_unless_strict(tmp_path: Path) -> None:
    specs, generated = tmp_path / "specs", tmp_path / "generated"
    shutil.copytree(ROOT / "specs" / "onegini-events", specs / "onegini-events")
    shutil.copytree(ROOT / "generated" / "onegini_events", generated / "onegini_events")
    spec = specs / "onegini-events" / "openapi.yaml"
    before = spec.read_bytes()
    new = tmp_path / "new.yaml"
    new.write_text(_with_a_title_slip(spec))
    args = ["--specs", specs, "--output", generated, "--from", new, "onegini-events"]
    strict = run("update", "--strict", *args)
    assert strict.exit_code == 1
    assert any("'title' is not an OpenAPI" in line for line in lines_of(strict, "error"))
    assert spec.read_bytes() == before
    lenient = run("update", *args)
    assert lenient.exit_code == 0, lenient.output
    assert any("'title' is not an OpenAPI" in line for line in lines_of(lenient, "warning"))
    assert spec.read_text() == new.read_text()


def test_a_path_without_a_slash_is_skipped_and_counted(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "openapi: 3.0.3\ninfo: {title: Slash, version: '1'}\npaths:\n"
        "  things:\n    get:\n      responses: {'204': {description: ok}}\n"
        "  /ok:\n    get:\n      responses: {'204': {description: ok}}\n"
    )
    result = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert lines_of(result, "warning") == [
        f"warning: {spec}:4 at /paths/things: a path must start with '/': "
        "path 'things' skipped (1 operations)"
    ]
    assert "1 of 2 operations" in result.stdout


def test_path_items_of_a_3_0_components_section_are_kept(tmp_path: Path) -> None:
    """``components/pathItems`` is OpenAPI 3.1; a 3.0 spec that uses it (as real ones do) loses
    the section, not the operations of the paths referring to it."""
    spec = tmp_path / "items.yaml"
    spec.write_text(
        "openapi: 3.0.3\n"
        "info: {title: Items, version: '1'}\n"
        "paths:\n"
        "  /pets: {$ref: '#/components/pathItems/Pets'}\n"
        "components:\n"
        "  pathItems:\n"
        "    Pets:\n"
        "      get:\n"
        "        operationId: listPets\n"
        "        responses: {'204': {description: none}}\n"
        "      delete:\n"
        "        operationId: dropPets\n"
        "        responses: {'204': {description: none}}\n"
    )
    result = run("generate", "--spec", spec, "--output", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [warning] = lines_of(result, "warning")
    assert f"{spec}:6 at /components/pathItems: 'pathItems' is not an OpenAPI 3.0.3" in warning
    assert "2 of 2 operations" in result.stdout
    client = (tmp_path / "out" / "items" / "items" / "_client.py").read_text()
    assert "def list_pets(" in client and "def drop_pets(" in client
