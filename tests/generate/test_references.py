"""References (issue 8): percent-encoded pointers, multi-file specs bundled, and their limits.

The specs are in ``tests/fixtures/real/references/``: ``percent.yaml`` (local references of
every kind, with percent-encoding and ``~0``/``~1`` escapes) and ``multi/`` (a spec split over
files in sub-folders). Generated packages are imported and called in a fresh interpreter over
``httpx.MockTransport``. File and network access is watched with the audit hook of
``test_hostile_specs``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from test_hostile_specs import assert_contained, error_lines, run_cli, watched

from generator import bundle
from generator.dialect import SchemaValidators
from generator.diff._normalise import Document as DiffDocument
from generator.errors import SpecgenError, parse_reference, reference_pointer
from generator.load import Document, load_document
from generator.project import load_api
from generator.schemas import component_name, models_input, resolve
from generator.validate import validate_spec

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "real" / "references"
MARKER = "specgenOutsideMarker51d2"  # only in the file outside the spec's folder


def generate(spec: Path, out: Path, package: str) -> Path:
    result = run_cli("generate", "--spec", spec, "--output", out, "--package", package)
    assert result.exit_code == 0, result.output
    assert "0 warnings" in result.output, result.output
    return out / package


def run_python(folder: Path, script: str) -> str:
    """Run ``script`` with the generated package importable; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(folder)}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- item 1: percent-encoded JSON pointers -----------------------------------------------------


def test_reference_pointers_are_percent_decoded_before_splitting() -> None:
    assert parse_reference("#/paths/~1a~0b~1%7Bid%7D/get") == ["paths", "/a~b/{id}", "get"]
    assert parse_reference("#/paths/~1a%7E0b") == ["paths", "/a~b"]  # %7E0 is "~0", an escape
    assert parse_reference("#/x/%25") == ["x", "%"]
    assert parse_reference("#") == []
    assert reference_pointer("/a%2Fb") == "/a/b"  # a "/" spelled %2F still separates tokens
    for bad in ("#%FF", "#name", "other.yaml#/a"):
        with pytest.raises(ValueError):
            parse_reference(bad)
    spec = {"components": {"schemas": {"Pet": {"type": "object"}}}}
    ref = {"$ref": "#/components/schemas/P%65t"}
    assert component_name(ref) == "Pet"
    assert resolve(spec, ref) == {"type": "object"}
    assert models_input(ref) == {"$ref": "#/components/schemas/Pet"}
    paths = {"paths": {"/a/{id}": {"get": {"summary": "x"}}}}
    assert DiffDocument(paths).lookup("#/paths/~1a~1%7Bid%7D/get") == {"summary": "x"}


def test_percent_encoded_references_validate_and_generate(tmp_path: Path) -> None:
    """Percent-encoded pointers, a path item's parameter by pointer, ``$ref`` with a sibling
    ``description`` (3.1), references into parameters, responses, request bodies, headers and
    examples, and a ``$ref`` inside an example's value (data, not followed)."""
    spec = FIXTURES / "percent.yaml"
    document = load_document(spec)
    assert validate_spec(document.data, document) == []
    package = generate(spec, tmp_path / "out", "pct")
    models = (package / "pct" / "models.py").read_text(encoding="utf-8")
    assert "The item's tag (a 3.1 sibling of $ref)." in models
    output = run_python(
        package,
        """
        import json, httpx, pct

        sent = []
        def handler(request):
            sent.append((request.method, str(request.url), request.content.decode()))
            if request.method == "PUT":
                return httpx.Response(204)
            if request.url.path == "/a~b/missing":
                return httpx.Response(404, json={"detail": "no such copy"})
            return httpx.Response(
                200, headers={"X-Count": "1"}, json={"name": "n", "tag": {"label": "L"}}
            )

        client = pct.PercentRefs(
            http_client=httpx.Client(transport=httpx.MockTransport(handler))
        )
        item = client.get_copy(id="x1", limit=2)
        print(type(item).__name__, item.tag.label)
        client.put_copy(id="x1", body={"name": "m"})
        print(client.get_item(id="i").name)
        try:
            client.get_item(id="missing")
        except pct.errors.APIStatusError as exc:
            print("raised", type(exc).__name__, exc.status_code, type(exc.body).__name__)
        print(json.dumps(sent))
        """,
    )
    lines = output.splitlines()
    assert lines[:3] == ["Item L", "n", "raised NotFoundError 404 Problem"], output
    sent = json.loads(lines[-1])
    assert sent[0][:2] == ["GET", "https://api.example.test/copies/x1?limit=2"]
    assert sent[1][0] == "PUT" and json.loads(sent[1][2]) == {"name": "m"}
    assert sent[2][1] == "https://api.example.test/a~b/i"


# -- item 2: multi-file specs -------------------------------------------------------------------


def test_multi_file_spec_is_bundled_and_generated(tmp_path: Path) -> None:
    spec = FIXTURES / "multi" / "openapi.yaml"
    document = bundle.load_spec(spec)
    schemas = document.data["components"]["schemas"]
    # The component that only referred to a file holds the schema; the others are added.
    assert list(schemas) == ["Pet", "Err", "Owner", "tag"]
    assert schemas["Pet"]["properties"]["friends"]["items"] == {"$ref": "#/components/schemas/Pet"}
    assert schemas["Owner"]["properties"]["pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    refs = [ref for ref in _all_refs(document.data)]
    assert refs and all(ref.startswith("#/") for ref in refs), refs
    assert validate_spec(document.data, document) == []
    # Nodes copied from other files know where they came from.
    origin = document.origin_of("/paths/~1pets~1{petId}/get/parameters/0/schema")  # type: ignore[attr-defined]
    assert origin is not None
    assert origin[0].name.endswith("common.yaml")
    assert origin[1] == "/components/parameters/Verbose/schema"

    package = generate(spec, tmp_path / "out", "multi")
    output = run_python(
        package,
        """
        import json, httpx, multi

        sent = []
        def handler(request):
            sent.append((request.method, str(request.url), request.content.decode()))
            if request.url.path == "/owners":
                return httpx.Response(200, json=[{"name": "Ann", "pets": [{"id": 2, "name": "B"}]}])
            if request.method == "POST":
                return httpx.Response(201, json={"id": 3, "name": "C"})
            return httpx.Response(200, json={
                "id": 1, "name": "Rex", "tag": {"label": "good"},
                "owner": {"name": "Ann"}, "friends": [{"id": 2, "name": "B"}],
            })

        client = multi.MultiFile(http_client=httpx.Client(transport=httpx.MockTransport(handler)))
        pet = client.get_pet(pet_id=1, verbose=True)
        print(type(pet).__name__, pet.tag.label, pet.owner.name, pet.friends[0].name)
        owners = client.list_owners()
        print(type(owners[0]).__name__, type(owners[0].pets[0]).__name__)
        print(client.create_pet(body={"id": 3, "name": "C"}).id)
        print(json.dumps(sent))
        """,
    )
    lines = output.splitlines()
    assert lines[:3] == ["Pet good Ann B", "Owner Pet", "3"], output
    sent = json.loads(lines[3])
    assert sent[0][1] == "https://api.example.test/pets/1?verbose=true"
    assert sent[2][0] == "POST" and json.loads(sent[2][2]) == {"id": 3, "name": "C"}


def _all_refs(node: object) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _all_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _all_refs(value)]
    return []


def test_multi_file_spec_in_a_specs_folder(tmp_path: Path) -> None:
    """``specs/<api>/``: the spec in a sub-folder, with files beside it and above it."""
    api = tmp_path / "specs" / "multi"
    shutil.copytree(FIXTURES / "multi", api / "spec")
    (api / "specgen.yaml").write_text(
        "name: Multi\npackage: multi\nclient_class: Multi\nspec: spec/openapi.yaml\n",
        encoding="utf-8",
    )
    loaded = load_api(tmp_path / "specs", "multi")
    assert "tag" in loaded.spec["components"]["schemas"]
    result = run_cli("validate", "--specs", tmp_path / "specs", "multi")
    assert result.exit_code == 0, result.output


def test_problems_in_other_files_name_that_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "spec"
    shutil.copytree(FIXTURES / "multi", folder)
    common = folder / "common.yaml"
    text = common.read_text(encoding="utf-8")
    common.write_text(text.replace("schema: {type: boolean}", "schema: 12"), encoding="utf-8")
    spec = folder / "openapi.yaml"
    result = run_cli("generate", "--strict", "--spec", spec, "--output", tmp_path / "o")
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    line = text.splitlines().index("      schema: {type: boolean}") + 1
    expected = f"error: {common}:{line} at /components/parameters/Verbose/schema: "
    assert any(entry.startswith(expected) for entry in lines), lines
    assert any("bundled into" in entry and "/get/parameters/0/schema" in entry for entry in lines)


# -- what is refused ----------------------------------------------------------------------------

SPEC = """\
openapi: 3.1.0
info: {title: Probe, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "REF"}
"""
POINTER = "/paths/~1a/get/responses/200/content/application~1json/schema/$ref"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """A spec folder and, beside it, an outside folder with a file carrying MARKER."""
    folder, outside = tmp_path / "spec", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    leak = {"type": "object", "title": MARKER, "properties": {MARKER: {"type": "string"}}}
    (outside / "leak.json").write_text(json.dumps(leak), encoding="utf-8")
    return folder, outside


REFUSED = {
    "dot-dot": ("../outside/leak.json", "outside the spec's folder"),
    "absolute": ("ABS/leak.json", "an absolute or home path"),
    "file-url": ("URI/leak.json", "a URL"),
    "https": ("https://hostile.invalid/leak.json", "a URL"),
    "home": ("~/leak.json", "an absolute or home path"),
    "symlink-file": ("link.json", "a symbolic link leading outside"),
    "symlink-folder": ("linked/leak.json", "a symbolic link leading outside"),
    "missing": ("nothing.yaml", "file 'nothing.yaml' not found"),
    "anchor": ("local.yaml#thing", "only JSON pointers"),
    "nowhere": ("local.yaml#/nope", "points to nothing in"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_references_out_of_the_folder_are_refused(layout: tuple[Path, Path], case: str) -> None:
    folder, outside = layout
    ref, why = REFUSED[case]
    ref = ref.replace("ABS", str(outside)).replace("URI", outside.as_uri())
    (folder / "link.json").symlink_to(outside / "leak.json")
    (folder / "linked").symlink_to(outside)
    (folder / "local.yaml").write_text("type: string\n", encoding="utf-8")
    spec = folder / "openapi.yaml"
    spec.write_text(SPEC.replace("REF", ref), encoding="utf-8")
    with watched() as events:
        result = run_cli("generate", "--spec", spec, "--output", folder.parent / "out")
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {spec}:11 at {POINTER}: "), lines
    assert why in lines[0]
    assert MARKER not in result.output
    assert not (folder.parent / "out").exists()
    assert_contained(events, outside)


def test_refused_reference_in_another_file_names_that_file(layout: tuple[Path, Path]) -> None:
    folder, outside = layout
    (folder / "sub").mkdir()
    (folder / "sub" / "pet.yaml").write_text(
        "type: object\nproperties:\n  leak: {$ref: '../../outside/leak.json'}\n"
        "  web: {$ref: 'http://hostile.invalid/x.json'}\n",
        encoding="utf-8",
    )
    spec = folder / "openapi.yaml"
    spec.write_text(SPEC.replace("REF", "sub/pet.yaml"), encoding="utf-8")
    with watched() as events:
        result = run_cli("generate", "--spec", spec, "--output", folder.parent / "out")
    assert result.exit_code == 2, result.output
    lines = error_lines(result)
    pet = folder / "sub" / "pet.yaml"
    assert lines[0].startswith(f"error: {pet}:3 at /properties/leak/$ref: only local"), lines
    assert lines[1].startswith(f"error: {pet}:4 at /properties/web/$ref: only local"), lines
    assert_contained(events, outside)


def test_cycles_between_files(tmp_path: Path) -> None:
    """A cycle of schemas across files is a recursive model; one of other nodes is an error."""
    (tmp_path / "a.yaml").write_text(
        "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n", encoding="utf-8"
    )
    (tmp_path / "b.yaml").write_text(
        "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n", encoding="utf-8"
    )
    (tmp_path / "p.yaml").write_text("P: {$ref: 'q.yaml#/Q'}\n", encoding="utf-8")
    (tmp_path / "q.yaml").write_text("Q: {$ref: 'p.yaml#/P'}\n", encoding="utf-8")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.replace("REF", "a.yaml"), encoding="utf-8")
    data = bundle.load_spec(spec).data
    assert data["components"]["schemas"]["a"]["properties"]["b"] == {
        "$ref": "#/components/schemas/b"
    }
    assert data["components"]["schemas"]["b"]["properties"]["a"] == {
        "$ref": "#/components/schemas/a"
    }
    spec.write_text(
        SPEC.replace('schema: {$ref: "REF"}', "schema: {type: string}").replace(
            "    get:\n", "    get:\n      parameters: [{$ref: 'p.yaml#/P'}]\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(SpecgenError, match="reference cycle") as caught:
        bundle.load_spec(spec)
    assert str(caught.value).startswith(f"{tmp_path / 'q.yaml'}:1 at /Q/$ref:")


def test_limits_on_files_size_and_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.yaml").write_text("type: object\nproperties: {b: {$ref: 'b.yaml'}}\n")
    (tmp_path / "b.yaml").write_text("type: string\n")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC.replace("REF", "a.yaml"), encoding="utf-8")
    bundle.load_spec(spec)  # within the limits
    monkeypatch.setattr(bundle, "MAX_FILES", 1)
    with pytest.raises(SpecgenError, match=r"more than 1 files \(the limit\)") as caught:
        bundle.load_spec(spec)
    assert str(caught.value).startswith(f"{tmp_path / 'a.yaml'}:2 at /properties/b/$ref:")
    monkeypatch.setattr(bundle, "MAX_FILES", 1000)
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 40)
    with pytest.raises(SpecgenError, match=r"hold more than 40 bytes together \(the limit\)"):
        bundle.load_spec(spec)
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 10**6)
    # Copies: parameters are copied in each place they are used, and that is bounded too.
    (tmp_path / "p.yaml").write_text("P: {name: p, in: query, schema: {type: string}}\n")
    uses = "".join(f"  /p{i}:\n    parameters: [{{$ref: 'p.yaml#/P'}}]\n" for i in range(5))
    spec.write_text(SPEC.replace("paths:\n", "paths:\n" + uses), encoding="utf-8")
    monkeypatch.setattr(bundle, "MAX_COPIED_NODES", 5)
    with pytest.raises(SpecgenError, match=r"copies more than 5 nodes"):
        bundle.load_spec(spec)
    # Data copied from another file (here an example's value) counts as well.
    (tmp_path / "p.yaml").write_text("P: {name: p, in: query, example: [[[[[[[1]]]]]]]}\n")
    uses = "  /p0:\n    parameters: [{$ref: 'p.yaml#/P'}]\n"
    text = SPEC.replace("REF", "b.yaml").replace("paths:\n", "paths:\n" + uses)
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecgenError, match=r"copies more than 5 nodes"):
        bundle.load_spec(spec)
    monkeypatch.setattr(bundle, "MAX_COPIED_NODES", 9)  # the parameter, 7 lists, b.yaml
    bundle.load_spec(spec)


def test_references_in_data_are_not_followed(tmp_path: Path) -> None:
    """A ``$ref`` in an example, a default or an extension is a value: no file is read."""
    spec = tmp_path / "openapi.yaml"
    example = "examples: {e: {value: {$ref: 'missing.yaml'}}}"
    text = SPEC.replace(
        'schema: {$ref: "REF"}', f"schema: {{$ref: 'a.yaml'}}\n              {example}"
    )
    text += "x-extra: {$ref: 'missing.yaml'}\n"
    spec.write_text(text, encoding="utf-8")
    (tmp_path / "a.yaml").write_text(
        "type: object\ndefault: {$ref: 'missing.yaml'}\nx-note: {$ref: 'missing.yaml'}\n"
        "properties: {$ref: {type: string}}\n"
    )
    with watched() as events:
        data = bundle.load_spec(spec).data
    assert not [e for e in events if "missing.yaml" in e[1]]
    media = data["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["examples"]["e"]["value"] == {"$ref": "missing.yaml"}
    assert data["x-extra"] == {"$ref": "missing.yaml"}
    schema = data["components"]["schemas"]["a"]
    assert schema["default"] == schema["x-note"] == {"$ref": "missing.yaml"}
    assert schema["properties"] == {"$ref": {"type": "string"}}  # a property named "$ref"


def test_single_file_specs_are_read_as_before(tmp_path: Path) -> None:
    spec = FIXTURES / "percent.yaml"
    assert type(bundle.load_spec(spec)) is Document
    assert bundle.load_spec(spec).data == yaml.safe_load(spec.read_text(encoding="utf-8"))


def test_discriminator_mappings_to_other_files(tmp_path: Path) -> None:
    for name in ("cat", "dog"):
        (tmp_path / f"{name}.yaml").write_text(
            f"type: object\nrequired: [kind]\nproperties: {{kind: {{const: {name}}}}}\n"
        )
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        SPEC.replace('schema: {$ref: "REF"}', "schema: {$ref: '#/components/schemas/Pet'}")
        + "components:\n  schemas:\n    Pet:\n"
        "      oneOf: [{$ref: cat.yaml}, {$ref: './dog.yaml#'}]\n"
        "      discriminator:\n        propertyName: kind\n"
        "        mapping: {cat: cat.yaml, dog: './dog.yaml#', self: '#/components/schemas/Pet'}\n"
    )
    document = bundle.load_spec(spec)
    pet = document.data["components"]["schemas"]["Pet"]
    assert pet["discriminator"]["mapping"] == {
        "cat": "#/components/schemas/cat",
        "dog": "#/components/schemas/dog",
        "self": "#/components/schemas/Pet",
    }
    assert pet["oneOf"] == [
        {"$ref": "#/components/schemas/cat"},
        {"$ref": "#/components/schemas/dog"},
    ]
    assert validate_spec(document.data, document) == []
    # A local mapping leading nowhere is still refused (mappings are not data).
    pet["discriminator"]["mapping"]["self"] = "#/components/schemas/Nope"
    problems = [str(p) for p in validate_spec(document.data, document)]
    assert len(problems) == 1 and "points to nothing" in problems[0], problems


def test_diff_of_multi_file_specs(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(FIXTURES / "multi", old)
    shutil.copytree(FIXTURES / "multi", new)
    pet = new / "schemas" / "pet.yaml"
    pet.write_text(pet.read_text().replace("required: [id, name]", "required: [id]"))
    result = run_cli("diff", old / "openapi.yaml", new / "openapi.yaml")
    assert result.exit_code == 1, result.output  # a breaking change: exit 1
    assert "property `name` may now be absent" in result.stdout, result.stdout


def test_schema_validators_reach_keys_holding_percent_signs() -> None:
    """The validators the recordings (and defaults) are checked with build a ``$ref`` from a
    JSON pointer: a key such as ``/a%20b`` must not be read as ``/a b``."""
    spec = {
        "openapi": "3.1.0",
        "paths": {
            "/a%20b/{id}": {"get": {"x": {"type": "integer"}}},
            "/a b/{id}": {"get": {"x": {"type": "string"}}},
        },
    }
    validators = SchemaValidators(spec)
    assert validators.at("/paths/~1a%20b~1{id}/get/x").is_valid(1)
    assert not validators.at("/paths/~1a%20b~1{id}/get/x").is_valid("1")
    assert validators.at("/paths/~1a b~1{id}/get/x").is_valid("1")
