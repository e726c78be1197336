"""The IR as a contract: names the builder decides once (constants, exports, credentials, the
example, models) are what the generated packages use, and the models stage reads only the IR."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import json
import keyword
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import Target, build_api
from generator.ir import Api, Model
from generator.models import generate_models, models_document
from generator.pipeline import target_of
from generator.project import load_api
from generator.pytext import sorted_all

SPECS = Path(__file__).resolve().parents[2] / "specs"


def spec(**extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {}, **extra}


def built(document: dict[str, Any], package: str = "shop") -> Api:
    return build_api(document, "spec.yaml", Target(package, "Shop")).api


def op(op_id: str, **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "responses": {"204": {"description": "done"}}, **extra}


PAGED = {
    "operationId": "listItems",
    "parameters": [{"name": "offset", "in": "query", "schema": {"type": "integer"}}],
    "x-pagination": {"style": "offset", "offsetParam": "offset", "items": "/items"},
    "responses": {
        "200": {
            "description": "ok",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"items": {"type": "array", "items": {"type": "string"}}},
                    }
                }
            },
        }
    },
}


# -- operations, clients, exports ---------------------------------------------------------------


def test_operation_constants_are_the_unique_upper_case_method_names() -> None:
    api = built(
        spec(
            paths={
                "/a": {"get": op("getThing"), "post": op("get_thing")},
                "/b": {"get": PAGED},
            }
        )
    )
    constants = [o.constant for o in api.operations]
    assert constants == [o.method_name.upper() for o in api.operations]
    assert len(set(constants)) == len(constants) == 3
    assert [o.pager_name for o in api.operations if o.pagination] == ["iter_list_items"]


def test_exports_are_decided_by_the_builder_in_all_order() -> None:
    form = {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "properties": {"q": {"type": "string"}}}
            }
        }
    }
    servers = [{"url": "https://api.example.com"}, {"url": "https://sandbox.example.com"}]
    api = built(spec(servers=servers, paths={"/f": {"post": op("send", requestBody=form)}}))
    assert api.async_client_class == "AsyncShop"
    assert api.client_exports == (
        "DEFAULT_BASE_URL", "PRODUCTION", "SANDBOX", "AsyncShop", "Shop",
    )  # fmt: skip
    assert set(api.client_exports) < set(api.exports)
    assert "forms" in api.exports
    assert list(api.exports) == sorted_all(list(api.exports))
    assert "forms" not in built(spec()).exports


def test_a_server_named_like_a_package_constant_gets_another_constant() -> None:
    api = built(spec(servers=[{"url": "https://x.example.com", "description": "Spec hash"}]))
    assert api.servers[0].constant not in ("SPEC_HASH", "GENERATOR_VERSION")
    assert len(set(api.exports)) == len(api.exports)


def test_the_example_is_the_first_operation_or_none() -> None:
    api = built(spec(paths={"/a": {"get": op("first"), "post": op("second")}}))
    assert api.example is not None and api.example.operation_id == "first"
    assert built(spec()).example is None


def test_generated_packages_export_what_the_ir_says() -> None:
    for key in ("onepassword-events", "apiture-events"):
        config = load_api(SPECS, key)
        api = build_api(config.spec, config.source.name, target_of(config)).api
        package = importlib.import_module(api.package)
        client = importlib.import_module(f"{api.package}._client")
        operations = importlib.import_module(f"{api.package}._operations")
        assert tuple(package.__all__) == api.exports
        assert tuple(client.__all__) == api.client_exports
        for operation in api.operations:
            assert getattr(operations, operation.constant).operation_id == operation.operation_id
        for cls in (api.client_class, api.async_client_class):
            signature = inspect.signature(getattr(package, cls))
            names = [c.python_name for c in api.credentials]
            assert [p for p in signature.parameters if p in names] == names


# -- credentials ---------------------------------------------------------------------------------

SCHEMES = {
    "b": {"type": "http", "scheme": "bearer", "description": "From the admin console."},
    "basic": {"type": "http", "scheme": "basic"},
    "key1": {"type": "apiKey", "in": "header", "name": "X-Key"},
    "key2": {"type": "apiKey", "in": "query", "name": "key"},
    "oauth": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "https://x/token", "scopes": {"r": "read"}}},
    },
    "other": {"type": "openIdConnect", "openIdConnectUrl": "https://x/.well-known"},
}


def test_credentials_per_auth_kind_in_constructor_order() -> None:
    api = built(spec(components={"securitySchemes": SCHEMES}), package="onepassword_events")
    by_name = {c.python_name: c for c in api.credentials}
    assert list(by_name) == [
        "token", "username", "password", "api_key", "client_id", "client_secret", "scopes",
        "token_url",
    ]  # fmt: skip
    assert by_name["token"].env_var == "ONEPASSWORD_EVENTS_TOKEN"
    assert by_name["token"].kind == "bearer" and by_name["token"].schemes == ("b",)
    assert "From the admin console." in by_name["token"].description
    assert by_name["api_key"].schemes == ("key1", "key2")  # one parameter for both schemes
    assert by_name["password"].secret and by_name["client_secret"].secret
    assert not by_name["username"].secret and not by_name["scopes"].secret
    assert by_name["scopes"].type.kind == "sequence"
    assert all(c.env_var == f"ONEPASSWORD_EVENTS_{c.python_name}".upper() for c in api.credentials)


def test_no_credentials_without_supported_schemes() -> None:
    assert built(spec(components={"securitySchemes": {"o": SCHEMES["other"]}})).credentials == ()


# -- models --------------------------------------------------------------------------------------

COMPONENTS = {
    "schemas": {
        "Pet": {
            "type": "object",
            "description": "A pet.",
            "required": ["petId"],
            "properties": {
                "petId": {"type": "integer", "minimum": 1, "description": "Its number."},
                "class": {"type": "string", "default": "cat", "maxLength": 10},
                "status": {"$ref": "#/components/schemas/Status"},
                "owner": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
        },
        "Dog": {
            "allOf": [
                {"$ref": "#/components/schemas/Pet"},
                {"type": "object", "properties": {"barks": {"type": "boolean"}}},
            ]
        },
        "Status": {"type": "string", "enum": ["free", "sold"]},
        "Name": {"type": "string", "maxLength": 5},
        "Either": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
    }
}
INLINE_BODY = {
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"note": {"type": "string"}}}
        }
    }
}


def models_api() -> Api:
    paths = {"/pets": {"post": op("addPet", requestBody=INLINE_BODY)}}
    return built(spec(components=COMPONENTS, paths=paths))


def test_models_describe_every_schema_of_the_models_module() -> None:
    api = models_api()
    models = {m.name: m for m in api.models}
    assert list(models) == ["Pet", "Dog", "Status", "Name", "Either", "AddPetBody"]
    assert {n: m.kind for n, m in models.items()} == {
        "Pet": "object", "Dog": "object", "Status": "enum", "Name": "alias", "Either": "union",
        "AddPetBody": "object",
    }  # fmt: skip
    assert tuple(sorted(n for n, m in models.items() if m.kind == "object")) == api.model_names
    assert models["Status"].values == ("free", "sold")
    assert models["Pet"].description == "A pet."
    assert models["Pet"].pointer == "/components/schemas/Pet"
    assert models["AddPetBody"].pointer.endswith("/requestBody/content/application~1json/schema")


def test_model_fields_are_named_typed_and_constrained() -> None:
    fields = {f.name: f for f in next(m for m in models_api().models if m.name == "Pet").fields}
    pet_id, cls, status, owner = (fields[n] for n in ("petId", "class", "status", "owner"))
    assert (pet_id.python_name, pet_id.required, pet_id.type.name) == ("pet_id", True, "int")
    assert pet_id.constraints == (("ge", 1),) and pet_id.description == "Its number."
    assert (cls.python_name, cls.default, cls.has_default) == ("class_", "cat", True)
    assert cls.constraints == (("max_length", 10),) and not cls.required
    assert status.type.kind == "literal" and status.type.values == ("free", "sold")
    assert owner.type.kind == "dict"  # an inline object the models stage names itself
    dog = next(m for m in models_api().models if m.name == "Dog")
    assert [f.name for f in dog.fields] == ["petId", "class", "status", "owner", "barks"]


def test_model_field_names_are_the_models_module_attributes() -> None:
    api = models_api()
    tree = ast.parse(generate_models(api, "spec.yaml"))
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    for model in api.models:
        if model.kind != "object" or model.name == "Dog":
            continue  # Dog subclasses Pet: its own body holds only ``barks``
        attributes = {
            node.target.id
            for node in classes[model.name].body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        assert {f.python_name for f in model.fields} <= attributes, model.name


def test_the_models_stage_reads_the_ir_and_nothing_else() -> None:
    api = models_api()
    schema = json.loads(next(m.schema for m in api.models if m.name == "Pet"))
    assert schema == models_document(api)["components"]["schemas"]["Pet"]
    schema["description"] = "Changed in the IR only."
    changed = tuple(
        dataclasses.replace(m, schema=json.dumps(schema, sort_keys=True)) if m.name == "Pet" else m
        for m in api.models
    )
    code = generate_models(dataclasses.replace(api, models=changed), "spec.yaml")
    assert "Changed in the IR only." in code


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=8, unique=True))
def test_model_field_python_names_are_unique_identifiers(names: list[str]) -> None:
    properties = {name: {"type": "string"} for name in names}
    document = spec(components={"schemas": {"Thing": {"type": "object", "properties": properties}}})
    model: Model = built(document).models[0]
    python_names = [f.python_name for f in model.fields]
    assert [f.name for f in model.fields] == names
    assert len(set(python_names)) == len(python_names)
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in python_names)
