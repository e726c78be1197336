"""The render stage: Jinja2 templates over the IR, into in-memory files.

Templates never see raw spec dicts, and spec text reaches them only through the filters of
``pytext`` (literals, escaped docstrings) and names made safe by ``naming``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jinja2

from generator import docs, ir
from generator.errors import SpecgenError
from generator.pytext import (
    annotation,
    body_annotation,
    body_type_names,
    docstring,
    doctext,
    field_annotation,
    optional,
    pyrepr,
    result_annotation,
    sorted_all,
    type_names,
    wrap,
)

BUILTIN_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
if not BUILTIN_TEMPLATES.is_dir():  # installed without the repository: templates ship inside
    BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment(user_templates: Path | None = None) -> jinja2.Environment:
    """Templates from ``user_templates`` first (overrides by file name), then the built-in ones."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates is not None:
        loaders.append(jinja2.FileSystemLoader(str(user_templates)))
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        annotation=annotation,
        constrained=lambda ref: annotation(ref, constrained=True, exact=True),
        exact=lambda ref: annotation(ref, exact=True),
        optional=optional,
        body_annotation=body_annotation,
        field_annotation=field_annotation,
        result_annotation=result_annotation,
        docstring=docstring,
        wrap=wrap,
        pyrepr=pyrepr,
        upper=str.upper,
        method_doc=docs.method_doc,
        iter_doc=docs.iter_doc,
        form_doc=docs.form_doc,
        client_doc=docs.client_doc,
        credentials_example=docs.credentials_example,
        call_example=docs.call_example,
        table_cell=docs.table_cell,
        pep440=docs.pep440,
        sorted_all=sorted_all,
        doctext=doctext,
    )
    return env


# Output file (relative to the package folder) -> template.
PACKAGE_FILES: Mapping[str, str] = {
    "pyproject.toml": "project/pyproject.toml.j2",
    "README.md": "project/README.md.j2",
    "{package}/__init__.py": "package/__init__.py.j2",
    "{package}/py.typed": "package/py.typed.j2",
    "{package}/errors.py": "package/errors.py.j2",
    "{package}/_spec.py": "package/_spec.py.j2",
    "{package}/_types.py": "package/_types.py.j2",
    "{package}/_serialize.py": "package/_serialize.py.j2",
    "{package}/_forms.py": "package/_forms.py.j2",
    "{package}/_auth.py": "package/_auth.py.j2",
    "{package}/_base.py": "package/_base.py.j2",
    "{package}/_client_base.py": "package/_client_base.py.j2",
    "{package}/_pagination.py": "package/_pagination.py.j2",
    "{package}/_operations.py": "package/_operations.py.j2",
    "{package}/_client.py": "package/_client.py.j2",
}
# Rendered only for an API with a form body (a TypedDict of its fields).
FORMS_FILE = ("{package}/forms.py", "package/forms.py.j2")


def imports(api: ir.Api) -> dict[str, frozenset[str]]:
    """Optional names each module imports, so generated modules import exactly what they use."""
    client: set[str] = set()
    operations: set[str] = {"OperationSpec", "ResponseSpec"}
    forms: set[str] = set()
    for op in api.operations:
        for p in op.parameters:
            client |= type_names(p.type)
            operations |= type_names(p.type, constrained=True, exact=True) | {"ParamSpec"}
        if op.body is not None:
            client |= body_type_names(op.body)
            operations |= type_names(op.body.type, exact=True) | {"BodySpec"}
            for form_field in op.body.fields:
                operations |= {"FieldSpec"}
                if not form_field.file:
                    operations |= type_names(form_field.type, constrained=True, exact=True)
                    forms |= type_names(form_field.type)
                forms |= {"FileContent"} if form_field.file else set()
                forms |= {"Required"} if form_field.required else set()
        for response in op.responses:
            operations |= type_names(response.type, exact=True)
        if op.success is not None:
            client |= type_names(op.success.type)
        if op.pagination is not None:
            client |= type_names(op.pagination.item_type) | {"SyncPager"}
            operations |= type_names(op.pagination.item_type, exact=True) | {"PaginationSpec"}
    kinds = {
        "bearer": "BearerAuth",
        "api_key": "ApiKeyAuth",
        "oauth2_client_credentials": "ClientCredentialsAuth",
    }
    client |= {kinds[k] for k in api.auth_kinds if k in kinds}
    if "oauth2_client_credentials" in api.auth_kinds:
        client.add("Sequence")
    return {
        "client": frozenset(client),
        "operations": frozenset(operations),
        "forms": frozenset(forms),
    }


def render_package(api: ir.Api, env: jinja2.Environment) -> dict[str, str]:
    """Every file of the package except ``models.py``, keyed by path relative to its folder."""
    files = {}
    uses = imports(api)
    targets = dict(PACKAGE_FILES)
    if any(op.body is not None and op.body.form_class for op in api.operations):
        targets[FORMS_FILE[0]] = FORMS_FILE[1]
    for target, template_name in targets.items():
        try:
            template = env.get_template(template_name)
            files[target.format(package=api.package)] = template.render(api=api, uses=uses)
        except (jinja2.TemplateError, TypeError, ValueError) as exc:
            where = getattr(exc, "filename", None) or template_name
            line = getattr(exc, "lineno", None)
            raise SpecgenError.at(where, "", f"template error: {exc}", line) from None
    return files
