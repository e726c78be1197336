"""The top of the builder: an effective spec in, the IR (``ir.Api``) and the models' input out."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from generator import __version__, naming
from generator.build import package
from generator.build.context import Context, text
from generator.build.models_cache import models_key
from generator.build.models_input import ModelsInput, models_openapi, models_spec
from generator.build.models_ir import build_models_ir, pointer_of, schema_text
from generator.build.operations import build_operations
from generator.build.resources import ResourceMode, build_resources
from generator.build.security import security_schemes
from generator.build.servers import servers
from generator.build.types import Types
from generator.cache import Cache
from generator.errors import Report, SpecgenError
from generator.ir import Api, Model, Operation, Tag, TypeRef
from generator.patterns import without_bad_patterns
from generator.rawspec import node_at, to_pointer
from generator.schemas import is_object_like
from generator.versions import package_version


@dataclass(frozen=True)
class Target:
    """What to generate: the package and client names an API's config gives."""

    package: str
    client_class: str
    display_name: str = ""
    resources: ResourceMode = "auto"  # grouping operations by tag (``build.resources``)
    # The package's own version, or the spec's plus ``revision`` post-releases (``versions``).
    version: str | None = None
    revision: int = 0


@dataclass
class Built:
    """The IR of one spec (``api.models`` holds what the models stage reads)."""

    api: Api
    operations_total: int = 0  # operations in the spec, generated or skipped


def build_api(
    spec: Mapping[str, Any],
    source: str,
    target: Target,
    report: Report | None = None,
    *,
    cache: Cache | None = None,
    models_ready: Callable[[ModelsInput], None] | None = None,
) -> Built:
    """The IR and the models' input for ``spec`` (already overlaid and validated).

    With a ``report``, an operation that cannot be generated is left out with a warning in it;
    without one, the first such problem is raised. With a ``cache``, the models (most of the
    time on a large spec) are read back when what they are built from is unchanged
    (``models_cache``). ``models_ready`` is given the models stage's input (what
    ``ModelsInput.of`` reads from the IR) as soon as it is built, before the rest of the IR;
    not when the models are read back from the cache.
    """
    # The builder reads the spec and changes nothing in it (tests/unit/test_build.py holds it):
    # only patterns it drops are left out, of a copy (copying GitHub's spec: 0.2 s).
    spec = without_bad_patterns(spec, partial(_local_problem, source, report))
    components = dict((spec.get("components") or {}).get("schemas") or {})
    class_names = dict(
        zip(
            components,
            naming.unique([naming.model_class(n) for n in components], separator=""),
            strict=True,
        )
    )
    types = Types(spec=dict(spec), source=source, class_names=class_names)
    built_operations, operations_total = build_operations(Context(types, report))
    tags = _tags(spec, built_operations)
    clients = (target.client_class, package.async_client_class(target.client_class))
    operations, resources = build_resources(target.resources, built_operations, tags, clients)
    info = spec.get("info") or {}
    object_names = {class_names[n] for n, s in components.items() if is_object_like(spec, s)}
    models, nested = _models(
        types, class_names, components, object_names, operations, cache, models_ready
    )
    model_names = tuple(sorted(object_names | set(types.hoisted) | nested))
    api_servers = servers(spec)
    schemes = security_schemes(spec)
    api = Api(
        title=text(info.get("title")) or target.client_class,
        version=text(info.get("version")),
        package_version=target.version
        or package_version(text(info.get("version")), target.revision),
        description=text(info.get("description")),
        package=target.package,
        client_class=target.client_class,
        display_name=target.display_name or text(info.get("title")) or target.client_class,
        servers=api_servers,
        operations=operations,
        security_schemes=schemes,
        model_names=model_names,
        spec_hash=_spec_hash(spec),
        generator_version=__version__,
        tags=tags,
        async_client_class=package.async_client_class(target.client_class),
        exports=package.package_exports(target.client_class, api_servers, operations),
        client_exports=package.client_exports(target.client_class, api_servers),
        credentials=package.credentials(target.package, schemes),
        example=package.example(operations),
        models=models,
        models_openapi=models_openapi(str(spec.get("openapi", ""))),
        resources=resources,
    )
    return Built(api, operations_total)


def _models(
    types: Types,
    class_names: Mapping[str, str],
    components: Mapping[str, Any],
    object_names: set[str],
    operations: Sequence[Operation],
    cache: Cache | None = None,
    models_ready: Callable[[ModelsInput], None] | None = None,
) -> tuple[tuple[Model, ...], set[str]]:
    """The models of the ``models`` module: component schemas under their class names, then
    the inline objects the builder named; and the names of the objects nested in those
    (``nesting``), classes of their own too."""
    read = {r.type for op in operations for r in op.responses}
    read |= {op.pagination.item_type for op in operations if op.pagination is not None}
    roots = {name for ref in read for name in _model_names(ref)}
    key = None
    if cache is not None and cache.root is not None:
        key = models_key(
            types.spec, types.source, class_names, types.hoisted, types.hoisted_at,
            object_names, roots,
        )  # fmt: skip
    if cache is None or key is None:
        return _built_models(types, class_names, components, object_names, roots, models_ready)
    found = cache.get_object("build-models", key)
    if isinstance(found, tuple) and len(found) == 2:
        return found
    result = _built_models(types, class_names, components, object_names, roots, models_ready)
    cache.put_object("build-models", key, result)
    return result


def _built_models(
    types: Types,
    class_names: Mapping[str, str],
    components: Mapping[str, Any],
    object_names: set[str],
    roots: set[str],
    models_ready: Callable[[ModelsInput], None] | None = None,
) -> tuple[tuple[Model, ...], set[str]]:
    document, nested_at = models_spec(types.spec, class_names, types.hoisted, roots)
    pointers = {new: to_pointer(["components", "schemas", old]) for old, new in class_names.items()}
    pointers.update(types.hoisted_at)
    pointers.update(_in_spec(nested_at, pointers))
    objects = object_names | set(types.hoisted) | set(nested_at)
    texts = {name: schema_text(s) for name, s in document["components"]["schemas"].items()}
    if models_ready is not None:  # as the IR will give it: ``Api.models``, ``Api.model_names``
        models_ready(
            ModelsInput(
                tuple((name, pointer_of(name, pointers), text) for name, text in texts.items()),
                tuple(sorted(objects)),
                str(document["openapi"]),
            )
        )
    sources = {class_names[old]: schema for old, schema in components.items()}
    sources.update(types.hoisted)
    sources.update((name, node_at(types.spec, pointers[name])) for name in nested_at)
    named = {pointers[name]: name for name in nested_at}
    models = build_models_ir(types, document, sources, pointers, objects, named, texts)
    return models, set(nested_at)


def _in_spec(nested_at: Mapping[str, str], pointers: Mapping[str, str]) -> dict[str, str]:
    """Where each object hoisted out of a schema of the models' input is in the spec: the
    input's ``/components/schemas/<class>`` part replaced by where that class comes from."""
    found = {}
    for name, where in nested_at.items():
        owner, _, rest = where.removeprefix("/components/schemas/").partition("/")
        found[name] = pointers.get(owner, f"/components/schemas/{owner}") + "/" + rest
    return found


def _local_problem(source: str, report: Report | None, pointer: str, message: str) -> None:
    """A problem that costs only the thing at ``pointer``: a warning, or raised without a report."""
    if report is None:
        raise SpecgenError.at(source, pointer, message)
    report.warn(pointer, message)


def _spec_hash(spec: Mapping[str, Any]) -> str:
    # YAML gives dates and timestamps where JSON has strings (an unquoted `example: 2024-01-01`).
    canonical = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _model_names(ref: TypeRef) -> set[str]:
    names = {ref.name} if ref.kind == "model" else set()
    for arg in ref.args:
        names |= _model_names(arg)
    return names


def _tags(spec: Mapping[str, Any], operations: Sequence[Operation]) -> tuple[Tag, ...]:
    """The tags the generated operations carry, in the order the spec declares them (then in the
    order they first appear), each with its description from the top-level ``tags``."""
    declared = {
        t["name"]: text(t.get("description"))
        for t in spec.get("tags") or []
        if isinstance(t, Mapping) and isinstance(t.get("name"), str)
    }
    used = list(dict.fromkeys(tag for op in operations for tag in op.tags))
    order = [t for t in declared if t in used] + [t for t in used if t not in declared]
    names = naming.unique([naming.snake(t) for t in order])
    return tuple(
        Tag(t, n, declared.get(t, ""), tuple(op.operation_id for op in operations if t in op.tags))
        for t, n in zip(order, names, strict=True)
    )
