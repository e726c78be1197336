"""The render stage: the chosen template sets over the IR, into in-memory files.

Templates never see raw spec dicts, and spec text reaches them only through the filters of
``pytext`` (literals, escaped docstrings) and names made safe by ``naming``. They run in Jinja's
sandbox, undefined variables are errors, and an error names the template file and line and the
API and operation (or tag, or model) being rendered.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from generator import docs, ir, markdown, params
from generator.errors import SpecgenError
from generator.paths import safe_filename
from generator.pytext import (
    annotated_assignment,
    annotation,
    body_annotation,
    body_type_names,
    call_assignment,
    call_lines,
    class_line,
    deferred,
    docstring,
    doctext,
    field_annotation,
    from_import,
    item_line,
    optional,
    outdent,
    param_line,
    pyrepr,
    result_annotation,
    sorted_all,
    type_names,
    value_indent,
    wrap,
)
from generator.template_sets import FileRule, Kind, TemplateSet, check_output_path

# Filters every set may use (a set's own ``filters`` module may add more).
FILTERS: Mapping[str, Callable[..., Any]] = {
    "annotation": annotation,
    "constrained": lambda ref: annotation(ref, constrained=True, exact=True),
    "exact": lambda ref: annotation(ref, exact=True),
    "deferred": deferred,
    "optional": optional,
    "body_annotation": body_annotation,
    "field_annotation": field_annotation,
    "body_param_annotation": params.body_param_annotation,
    "param_dicts": params.param_dicts,
    "param_imports": params.imports,
    "functional_value": params.functional_value,
    "result_annotation": result_annotation,
    "docstring": docstring,
    "wrap": wrap,
    "pyrepr": pyrepr,
    "upper": str.upper,
    "method_doc": docs.method_doc,
    "iter_doc": docs.iter_doc,
    "signature_parameters": docs.signature_parameters,
    "env_credentials": docs.env_credentials,
    "base_url_env": docs.base_url_env,
    "log_env": docs.log_env,
    "form_doc": docs.form_doc,
    "client_doc": docs.client_doc,
    "resource_doc": docs.resource_doc,
    "credentials_example": docs.credentials_example,
    "call_example": docs.call_example,
    "table_cell": docs.table_cell,
    "pep440": docs.pep440,
    "sorted_all": sorted_all,
    "from_import": from_import,
    "call_lines": call_lines,
    "item_line": item_line,
    "outdent": outdent,
    "value_indent": value_indent,
    "call_assignment": call_assignment,
    "class_line": class_line,
    "param_line": param_line,
    "annotated_assignment": annotated_assignment,
    "doctext": doctext,
    "filename": safe_filename,
    # Markdown from spec text (generator/markdown.py): escaped, never interpreted.
    "md": markdown.inline,
    "md_paragraphs": markdown.paragraphs,
    "md_code": markdown.code,
    "md_fence": markdown.fence,
}


class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, its verdict on each attribute a template reads kept by the
    object's type and the attribute's name.

    The sandbox's checks read nothing else (the name, and which of a few kinds the object is
    an instance of: function, method, class, code, frame, generator, list, dict, set, deque),
    and run at every attribute a template reads: uncached, a third of the time rendering
    GitHub's spec takes (0.72 against 0.50 CPU seconds, three renders of each in turn). An
    object whose ``__class__`` is not its type (a proxy) is checked every time."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        kind = type(obj)
        if obj.__class__ is not kind:
            return super().is_safe_attribute(obj, attr, value)
        verdict = self._verdicts.get((kind, attr))
        if verdict is None:
            verdict = self._verdicts[kind, attr] = super().is_safe_attribute(obj, attr, value)
        return verdict


def environment(template_set: TemplateSet) -> jinja2.Environment:
    """The sandboxed environment of one set: its overrides first, then its own folder."""
    loaders: list[jinja2.BaseLoader] = []
    if template_set.overrides is not None:
        loaders.append(jinja2.FileSystemLoader(str(template_set.overrides)))
    loaders.append(jinja2.FileSystemLoader(str(template_set.folder)))
    env = Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(FILTERS)
    env.filters.update(template_set.load_filters())
    return env


@dataclass
class Rendered:
    """The files of one API from every chosen set, and which of them are Python."""

    files: dict[str, str] = field(default_factory=dict)
    python: set[str] = field(default_factory=set)
    stable: set[str] = field(default_factory=set)  # Python already in black's style (``formatted``)
    split: set[str] = field(default_factory=set)  # of those, cut from one module that parsed
    origin: dict[str, str] = field(default_factory=dict)  # output -> "set: rule" that made it


def imports(
    api: ir.Api, methods: Sequence[ir.Operation] | None = None
) -> dict[str, frozenset[str]]:
    """Optional names each module imports, so generated modules import exactly what they use.

    ``methods`` are the operations of the client module and its ``_operations`` (by default the
    client's own; a resource's for the modules of that resource); ``forms`` covers them all.
    """
    client: set[str] = set()
    operations: set[str] = {"OperationSpec", "ResponseSpec"}
    forms: set[str] = set()
    wanted = {id(op) for op in (api.client_operations if methods is None else methods)}
    lazy = bool(api.resources)  # descriptors read their models ``Later`` (``pytext.deferred``)
    for op in api.operations:
        forms |= _form_names(op)
        if id(op) not in wanted:
            continue
        for p in op.parameters:
            client |= type_names(p.type)
            operations |= type_names(p.type, constrained=True, exact=True) | {"ParamSpec"}
        if op.body is not None and params.body_objects(api, op.body):
            client |= type_names(op.body.type) | {"params"}
        elif op.body is not None:
            client |= body_type_names(op.body)
        if op.body is not None:
            operations |= _deferred_names(op.body.type, lazy) | {"BodySpec"}
            for form_field in op.body.fields:
                operations |= {"FieldSpec"}
                if not form_field.file:
                    operations |= type_names(form_field.type, constrained=True, exact=True)
        for response in op.responses:
            operations |= _deferred_names(response.type, lazy)
        if op.success is not None:
            client |= type_names(op.success.type)
        if op.pagination is not None:
            client |= type_names(op.pagination.item_type) | {"SyncPager"}
            operations |= _deferred_names(op.pagination.item_type, lazy) | {"PaginationSpec"}
    kinds = {
        "bearer": "BearerAuth",
        "api_key": "ApiKeyAuth",
        "oauth2_client_credentials": "ClientCredentialsAuth",
    }
    client |= {kinds[k] for k in api.auth_kinds if k in kinds}
    for credential in api.credentials:
        client |= type_names(credential.type)
    return {
        "client": frozenset(client),
        "operations": frozenset(operations),
        "forms": frozenset(forms),
    }


def _deferred_names(ref: ir.TypeRef, lazy: bool) -> frozenset[str]:
    """What ``pytext.deferred(ref, lazy)`` needs imported."""
    names = type_names(ref, exact=True)
    return names | {"Later"} if lazy and "models" in names else names


def _form_names(op: ir.Operation) -> set[str]:
    """What the ``forms`` module imports for the TypedDict of ``op``'s form body."""
    names: set[str] = set()
    for form_field in op.body.fields if op.body is not None else ():
        if not form_field.file:
            names |= type_names(form_field.type)
        names |= {"FileContent"} if form_field.file else set()
        names |= {"Required"} if form_field.required else set()
    return names


Stage = Callable[[], str | Mapping[str, str]]


def render_sets(api: ir.Api, sets: Sequence[TemplateSet], stages: Mapping[str, Stage]) -> Rendered:
    """Every file every set renders for ``api``, keyed by path relative to the package folder.

    ``stages`` gives the output of a built-in stage (``models``) when a set asks for it: a
    file's text, or the files of a folder (``models_package``) by their path in it.
    """
    rendered = Rendered()
    uses = imports(api)
    names = tuple(s.name for s in sets)  # a set may mention what the others render
    for template_set in sets:
        env = environment(template_set)
        for rule in template_set.files:
            with _reporting(template_set, rule, api, {}):  # compiled once, used per item
                output_template = env.from_string(rule.output)
                when = env.compile_expression(rule.when) if rule.when is not None else None
            for scope in _scopes(api, rule.each):
                context = {
                    "api": api,
                    "uses": uses,
                    "set": _set_info(template_set),
                    "sets": names,
                    **scope,
                }
                with _reporting(template_set, rule, api, scope):
                    if when is not None and not when(**context):
                        continue
                    output = output_template.render(**context)
                    text = _produce(env, template_set, rule, context, stages)
                if isinstance(text, str):
                    _add(rendered, template_set, rule, output, text)
                    continue
                for name, part in text.items():  # a stage's folder: its files under ``output``
                    _add(rendered, template_set, rule, f"{output}/{name}", part)
                    if f"{output}/{name}" in rendered.stable:  # the models package: each of its
                        rendered.split.add(f"{output}/{name}")  # modules cut from one that parsed
    return rendered


def _set_info(template_set: TemplateSet) -> dict[str, str]:
    return {"name": template_set.name, "version": template_set.version}


def _scopes(api: ir.Api, each: str) -> Iterator[dict[str, Any]]:
    if each == "api":
        yield {}
    elif each == "operation":
        for op in api.operations:
            yield {"operation": op}
    elif each == "resource":  # its modules import what its operations use
        for resource in api.resources:
            yield {"resource": resource, "uses": imports(api, resource.operations)}
    elif each == "tag":
        for tag in api.tags:
            yield {"tag": tag}
    else:
        for model in api.models:
            yield {"model": model}


def _produce(
    env: jinja2.Environment,
    template_set: TemplateSet,
    rule: FileRule,
    context: Mapping[str, Any],
    stages: Mapping[str, Stage],
) -> str | Mapping[str, str]:
    if rule.stage == "models_package" and rule.stage not in stages:  # split here, uncached
        from generator.models_split import split_models

        return split_models(str(stages["models"]()))
    if rule.stage is not None:
        return stages[rule.stage]()
    assert rule.source is not None  # the manifest schema requires one of the two
    if not rule.source.endswith(".j2"):  # a file of the set copied as it is
        return template_set.source_path(rule.source).read_text(encoding="utf-8")
    return env.get_template(rule.source).render(**context)


def _add(
    rendered: Rendered, template_set: TemplateSet, rule: FileRule, output: str, text: str
) -> None:
    problem = check_output_path(output)
    if problem is not None:
        raise SpecgenError.at(
            shown(template_set.manifest),
            f"{rule.pointer}/output",
            f"output path {output!r} {problem}",
        )
    made_by = f"set {template_set.name!r} {rule.pointer}"
    if output in rendered.files:
        raise SpecgenError.at(
            shown(template_set.manifest),
            f"{rule.pointer}/output",
            f"output {output!r} is also rendered by {rendered.origin[output]}",
        )
    rendered.files[output] = text
    rendered.origin[output] = made_by
    kind: Kind = rule.kind_of(output)
    if kind == "python":
        rendered.python.add(output)
        if template_set.formatted:
            rendered.stable.add(output)


@contextmanager
def _reporting(
    template_set: TemplateSet, rule: FileRule, api: ir.Api, scope: Mapping[str, Any]
) -> Iterator[None]:
    """Turn any failure while rendering into one error naming the template file and line, the
    API, and the operation, tag or model being rendered (found in the template's own frames)."""
    try:
        yield
    except SpecgenError:
        raise
    except Exception as exc:  # a template or a set's filter: whatever fails is the set's problem
        where, line, item = str(template_set.manifest), None, _describe(scope)
        if isinstance(exc, jinja2.TemplateSyntaxError):
            where, line = exc.filename or where, exc.lineno
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if filename.endswith(".j2"):  # Jinja gives template frames their file and line
                where, line = filename, lineno
                item = _innermost_item(frame.f_locals) or item
            elif filename == "<template>":  # an output path or a ``when`` expression
                where, line = f"{template_set.manifest} at {rule.pointer}", None
        subject = f"API {api.package}" + (f", {item}" if item else "")
        message = f"template error: {type(exc).__name__}: {exc} ({subject})"
        raise SpecgenError.at(shown(where), "", message, line) from None


def shown(path: str | Path) -> str:
    """A path as errors show it: relative to the working folder when it is inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def _describe(scope: Mapping[str, Any]) -> str:
    for value in scope.values():
        found = _innermost_item({"value": value})
        if found:
            return found
    return ""


def _innermost_item(names: Mapping[str, Any]) -> str:
    """The operation (or tag, or model) a template frame is rendering, from its variables."""
    for value in names.values():
        if isinstance(value, ir.Operation):
            return f"operation {value.operation_id}"
    for value in names.values():
        if isinstance(value, ir.Tag):
            return f"tag {value.name}"
        if isinstance(value, ir.Resource):
            return f"resource {value.attribute}"
        if isinstance(value, ir.Model):
            return f"model {value.name}"
    return ""
