"""Names of the package as a whole: client classes, exports, credential parameters, the example.

Decided here once, so templates write them rather than work them out (and every set agrees).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.ir import STR, AuthKind, Credential, Operation, SecurityScheme, Server, TypeRef
from generator.pytext import sorted_all

# What the package's ``__init__`` defines or re-exports besides the client module's names.
PACKAGE_NAMES = ("AsyncPager", "Page", "SyncPager", "errors", "models", "SPEC_HASH",
                 "GENERATOR_VERSION", "APIResponse", "NOT_GIVEN", "NotGiven")  # fmt: skip


def async_client_class(client_class: str) -> str:
    """The async client's class name."""
    return f"Async{client_class}"


def client_exports(client_class: str, servers: Sequence[Server]) -> tuple[str, ...]:
    """The client module's ``__all__``: the default URL, both clients, the servers' constants."""
    names = ["DEFAULT_BASE_URL", async_client_class(client_class), client_class]
    return tuple(sorted_all([*names, *(s.constant for s in servers)]))


def package_exports(
    client_class: str, servers: Sequence[Server], operations: Sequence[Operation]
) -> tuple[str, ...]:
    """The package's ``__all__``: the client module's names, the pagers, the modules (``forms``
    only when an operation has a form with known fields) and the version constants."""
    has_forms = any(op.body is not None and op.body.form_class for op in operations)
    names = [*client_exports(client_class, servers), *PACKAGE_NAMES]
    return tuple(sorted_all([*names, *(["forms"] if has_forms else [])]))


@dataclass(frozen=True)
class _Parameter:
    name: str
    description: str
    type: TypeRef = STR
    secret: bool = True


# The constructor parameters of each auth kind, in the order the constructors take them.
_PARAMETERS: dict[AuthKind, tuple[_Parameter, ...]] = {
    "bearer": (_Parameter("token", "The bearer token."),),
    "basic": (
        _Parameter("username", "The user name (HTTP basic auth).", secret=False),
        _Parameter("password", "The password (HTTP basic auth)."),
    ),
    "api_key": (_Parameter("api_key", "The API key."),),
    "oauth2_client_credentials": (
        _Parameter("client_id", "The OAuth2 client ID.", secret=False),
        _Parameter("client_secret", "The OAuth2 client secret."),
        _Parameter(
            "scopes",
            "The OAuth2 scopes to ask for (default: every scope the spec declares).",
            TypeRef("sequence", args=(STR,)),
            secret=False,
        ),
        _Parameter(
            "token_url", "The OAuth2 token URL (default: the spec's, by server).", secret=False
        ),
    ),
}


def credentials(package: str, schemes: Sequence[SecurityScheme]) -> tuple[Credential, ...]:
    """The credential parameters of the client constructors, per auth kind the schemes need
    (one set of parameters for every scheme of a kind), with their environment variables."""
    result = []
    for kind, parameters in _PARAMETERS.items():
        of_kind = [s for s in schemes if s.kind == kind]
        if not of_kind:
            continue
        for parameter in parameters:
            result.append(
                Credential(
                    python_name=parameter.name,
                    type=parameter.type,
                    description=_description(parameter, of_kind),
                    kind=kind,
                    schemes=tuple(s.key for s in of_kind),
                    env_var=f"{package}_{parameter.name}".upper(),
                    secret=parameter.secret,
                )
            )
    return tuple(result)


def _description(parameter: _Parameter, schemes: Sequence[SecurityScheme]) -> str:
    """The parameter's text, with the spec's description of its scheme when there is one."""
    described = [s.description for s in schemes if s.description]
    if len(described) == 1 and parameter.secret:
        return f"{parameter.description} {' '.join(described[0].split())}"
    return parameter.description


def example(operations: Sequence[Operation]) -> Operation | None:
    """The operation a README shows a call of: the first one."""
    return operations[0] if operations else None
