"""Tests for the generator: determinism, quality of the generated code, install, atomic writes,
``specgen generate --spec`` on sample specs, bad input, injection safety, template overrides and
the public surface of a generated package.

The sample specs live in ``tests/fixtures/openapi/``. Expensive steps run once per session:
the samples are generated once (through the CLI), and ``mypy --strict`` and ``ruff`` each run in
one subprocess over every package (committed and sample); the per-package tests read their
share of that output.
"""

from __future__ import annotations

import ast
import asyncio
import datetime as dt
import hashlib
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pydantic
import pytest
from click.testing import CliRunner, Result

from generator.check import diff_package
from generator.cli import main
from generator.errors import SpecgenError
from generator.load import load_document
from generator.pipeline import generate_files, recorded_of, sets_of, target_of
from generator.project import Api, list_apis, load_api
from generator.template_sets import Templates
from generator.write import MANIFEST, with_manifest, write_package

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
GENERATED = ROOT / "generated"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "openapi"
API_NAMES = list_apis(SPECS)
BIN = Path(sys.executable).parent
SKIPPED = {".mypy_cache", ".ruff_cache", "__pycache__"}  # tool caches next to the packages
CACHES = shutil.ignore_patterns(*SKIPPED)
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Sample:
    """A sample spec, generated with ``specgen generate --spec`` into the session's folder."""

    file: str
    package: str
    client: str
    explicit_names: bool  # pass --package/--client-name (else they come from the title)


SAMPLES = {
    s.package: s
    for s in (
        Sample("petstore.yaml", "pet_store", "PetStore", explicit_names=False),
        Sample("oddities.json", "odd", "OddClient", explicit_names=True),
        Sample("injection.yaml", "injection_probe", "Probe", explicit_names=True),
        Sample("injection_title.yaml", "injection_title", "TitleProbe", explicit_names=True),
    )
}
# Samples whose package is safe to import in the test process.
IMPORTABLE = ["pet_store", "odd", "injection_probe"]

# --------------------------------------------------------------------------------------------
# Helpers


def snake(text: str) -> str:
    """An independent snake_case (``getSignInAttempts`` -> ``get_sign_in_attempts``)."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (dot files included) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not SKIPPED.intersection(p.relative_to(folder).parts)
    }


def tree(folder: Path) -> list[str]:
    """Every path under ``folder``, folders included (to spot leftover staging folders)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def run_cli(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def import_from(folder: Path, package: str) -> ModuleType:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    return importlib.import_module(package)


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def mock_client(handler: Any) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


class Recorder:
    """An httpx.MockTransport handler that records requests and answers with canned responses."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if len(self.responses) > 1:
            return self.responses.pop(0)
        return self.responses[0]

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def server_urls(spec: dict[str, Any]) -> list[str]:
    urls = []
    for server in spec.get("servers") or [{"url": "/"}]:
        url = server["url"]
        for name, variable in (server.get("variables") or {}).items():
            url = url.replace("{" + name + "}", str(variable.get("default", "")))
        urls.append(url.rstrip("/") if url != "/" else "")
    return urls


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(expected method name, operation)`` for every operation of ``spec``."""
    for path, item in spec["paths"].items():
        for method in METHODS:
            if isinstance(item.get(method), dict):
                op = item[method]
                yield snake(op.get("operationId") or f"{method} {path}"), op


def credential_kwargs(spec: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for scheme in ((spec.get("components") or {}).get("securitySchemes") or {}).values():
        kind, http = scheme.get("type"), str(scheme.get("scheme", "")).lower()
        if kind == "http" and http == "bearer":
            names.add("token")
        elif kind == "http" and http == "basic":
            names |= {"username", "password"}
        elif kind == "apiKey":
            names.add("api_key")
        elif kind == "oauth2" and "clientCredentials" in (scheme.get("flows") or {}):
            names |= {"client_id", "client_secret", "scopes", "token_url"}
    return names


# --------------------------------------------------------------------------------------------
# Session fixtures


@pytest.fixture(scope="session")
def apis() -> dict[str, Api]:
    return {name: load_api(SPECS, name) for name in API_NAMES}


@pytest.fixture(scope="session")
def fresh_files(apis: dict[str, Api]) -> dict[str, dict[str, str]]:
    """Every committed API generated once in memory with the sets its specgen.yaml chooses."""
    return {
        name: generate_files(
            api.spec,
            api.source.name,
            target_of(api),
            sets_of(api, Templates()),
            recorded=recorded_of(api),
        )
        for name, api in apis.items()
    }


@pytest.fixture(scope="session")
def samples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("samples")


@pytest.fixture(scope="session")
def sample_results(samples_dir: Path) -> dict[str, Result]:
    """``specgen generate --spec`` on every sample spec, into ``samples_dir``."""
    results = {}
    for sample in SAMPLES.values():
        args: list[str | Path] = ["generate", "--spec", FIXTURES / sample.file]
        args += ["--output", samples_dir]
        if sample.explicit_names:
            args += ["--package", sample.package, "--client-name", sample.client]
        results[sample.package] = run_cli(*args)
    return results


def sample_folder(samples_dir: Path, results: dict[str, Result], package: str) -> Path:
    result = results[package]
    assert result.exit_code == 0, f"{package} did not generate:\n{result.output}"
    return samples_dir / package


@pytest.fixture(scope="session")
def package_dirs(
    apis: dict[str, Api], samples_dir: Path, sample_results: dict[str, Result]
) -> dict[str, Path]:
    """Project folder of every package to check: ``generated/<pkg>`` and the samples."""
    dirs = {f"generated/{a.config.package}": GENERATED / a.config.package for a in apis.values()}
    for package, result in sample_results.items():
        if result.exit_code == 0:
            dirs[f"sample/{package}"] = samples_dir / package
    return dirs


@pytest.fixture(scope="session")
def mypy_output(
    package_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """One ``mypy --strict`` run over every package (each is its own top-level module)."""
    work = tmp_path_factory.mktemp("mypy")
    env = {k: v for k, v in os.environ.items() if k not in ("MYPYPATH", "PYTHONPATH")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-absolute-path",
            "--cache-dir",
            str(work / "cache"),
            *(str(folder / folder.name) for folder in package_dirs.values()),
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="session")
def ruff_output(
    package_dirs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> subprocess.CompletedProcess[str]:
    """One ``ruff check --isolated`` run over every package (not the project's config)."""
    work = tmp_path_factory.mktemp("ruff")
    ruff = BIN / "ruff" if (BIN / "ruff").exists() else Path(shutil.which("ruff") or "ruff")
    return subprocess.run(
        [
            str(ruff),
            "check",
            "--isolated",
            "--no-cache",
            "--output-format",
            "concise",
            *(str(folder) for folder in package_dirs.values()),
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines_about(output: str, folder: Path) -> list[str]:
    """The lines of a checker's output about files in ``folder`` (reported by absolute path)."""
    found = []
    for line in output.splitlines():
        path = Path(line.split(":", 1)[0])
        if path.is_absolute() and path.resolve().is_relative_to(folder.resolve()):
            found.append(line)
    return found


def checked_packages() -> list[Any]:
    """Parameters for the per-package mypy/ruff tests, with the known bugs marked."""
    params: list[Any] = [f"generated/{load_api(SPECS, n).config.package}" for n in API_NAMES]
    for package in SAMPLES:
        params.append(f"sample/{package}")
    return params


# --------------------------------------------------------------------------------------------
# 1. Determinism


@pytest.mark.parametrize("name", API_NAMES)
def test_generation_is_deterministic(
    name: str, apis: dict[str, Api], fresh_files: dict[str, dict[str, str]]
) -> None:
    api = apis[name]
    again = generate_files(
        api.spec,
        api.source.name,
        target_of(api),
        sets_of(api, Templates()),
        recorded=recorded_of(api),
    )
    first = fresh_files[name]
    assert sorted(again) == sorted(first)
    for path, text in first.items():
        assert again[path].encode() == text.encode(), path


@pytest.mark.parametrize("name", API_NAMES)
def test_committed_package_is_current(
    name: str, apis: dict[str, Api], fresh_files: dict[str, dict[str, str]]
) -> None:
    folder = GENERATED / apis[name].config.package
    assert diff_package(folder, fresh_files[name]) == []
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == set(fresh_files[name]) - {MANIFEST}


def test_generation_does_not_depend_on_hash_seed(
    tmp_path: Path, apis: dict[str, Api], fresh_files: dict[str, dict[str, str]]
) -> None:
    """A separate process with another hash seed writes the same bytes (through the CLI)."""
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--specs",
            str(SPECS),
            "--output",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    for name, files in fresh_files.items():
        written = snapshot(out / apis[name].config.package)
        assert written == {path: text.encode() for path, text in files.items()}, name


# --------------------------------------------------------------------------------------------
# 2. Generated code quality (one mypy and one ruff run for all packages)


@pytest.mark.parametrize("key", checked_packages())
def test_mypy_strict_passes(
    key: str,
    package_dirs: dict[str, Path],
    mypy_output: subprocess.CompletedProcess[str],
) -> None:
    assert key in package_dirs, f"{key} was not generated"
    everything = list(package_dirs.values())
    stray = [
        line
        for line in mypy_output.stdout.splitlines() + mypy_output.stderr.splitlines()
        if line.strip() and not any(lines_about(line, folder) for folder in everything)
    ]
    assert not stray, "mypy failed outside any package:\n" + "\n".join(stray)
    problems = lines_about(mypy_output.stdout, package_dirs[key])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "key",
    checked_packages(),
)
def test_ruff_passes(
    key: str,
    package_dirs: dict[str, Path],
    ruff_output: subprocess.CompletedProcess[str],
) -> None:
    assert key in package_dirs, f"{key} was not generated"
    assert ruff_output.returncode in (0, 1), ruff_output.stderr
    problems = lines_about(ruff_output.stdout, package_dirs[key])
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------------------------
# 3. Install into a fresh venv, with the declared dependencies


def test_package_installs_with_only_its_declared_dependencies(tmp_path: Path) -> None:
    source = tmp_path / "src" / "onepassword_events"
    # Build from a copy: pip writes build/ and *.egg-info next to pyproject.toml.
    shutil.copytree(GENERATED / "onepassword_events", source, ignore=CACHES)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    imported = subprocess.run(
        [
            str(python),
            "-c",
            "import onepassword_events; print(onepassword_events.OnePasswordEvents)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert "OnePasswordEvents" in imported.stdout
    show = subprocess.run(
        [str(python), "-m", "pip", "show", "--disable-pip-version-check", "onepassword-events"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    requires = next(line for line in show.stdout.splitlines() if line.startswith("Requires:"))
    assert sorted(r.strip() for r in requires.split(":", 1)[1].split(",")) == ["httpx", "pydantic"]
    located = subprocess.run(
        [
            str(python),
            "-c",
            "import onepassword_events, pathlib; "
            "print(pathlib.Path(onepassword_events.__file__).parent)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    installed = Path(located.stdout.strip())
    assert installed.is_relative_to(venv), installed
    assert (installed / "py.typed").is_file()


# --------------------------------------------------------------------------------------------
# 4. Atomic writes


def copy_generated(tmp_path: Path) -> Path:
    out = tmp_path / "generated"
    shutil.copytree(GENERATED, out, ignore=CACHES)
    return out


def test_failing_template_leaves_every_package_untouched(tmp_path: Path) -> None:
    out = copy_generated(tmp_path)
    before, listing = snapshot(out), tree(out)
    templates = tmp_path / "templates"
    (templates / "python" / "package").mkdir(parents=True)
    (templates / "python" / "package" / "_client.py.j2").write_text("{{ undefined_variable }}\n")
    result = run_cli("generate", "--specs", SPECS, "--templates", templates, "--output", out)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "undefined_variable" in result.output and "_client.py.j2" in result.output
    assert snapshot(out) == before
    assert tree(out) == listing, "staging or retired folders were left behind"


def test_failing_template_keeps_a_spec_file_package(tmp_path: Path) -> None:
    spec, out = FIXTURES / "petstore.yaml", tmp_path / "out"
    assert run_cli("generate", "--spec", spec, "--output", out).exit_code == 0
    before, listing = snapshot(out / "pet_store"), tree(out)
    templates = tmp_path / "templates"
    (templates / "python" / "package").mkdir(parents=True)
    (templates / "python" / "package" / "_client.py.j2").write_text("{{ undefined_variable }}\n")
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("error: ")
    assert snapshot(out / "pet_store") == before
    assert tree(out) == listing


def test_failure_while_writing_leaves_package_untouched(
    tmp_path: Path, fresh_files: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = fresh_files["onepassword-events"]
    folder = tmp_path / "onepassword_events"
    write_package(folder, files)
    (folder / "NOTES.md").write_text("mine\n")
    before, listing = snapshot(folder), tree(tmp_path)
    changed = {name: text + "# changed\n" for name, text in files.items()}
    real_write_text = Path.write_text
    calls = 0

    def failing_write_text(self: Path, *args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise OSError("disk full")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(OSError, match="disk full"):
        write_package(folder, changed)
    monkeypatch.undo()
    assert snapshot(folder) == before
    assert tree(tmp_path) == listing


def test_foreign_files_survive_and_stale_owned_files_go(
    tmp_path: Path, fresh_files: dict[str, dict[str, str]]
) -> None:
    files = fresh_files["onepassword-events"]
    folder = tmp_path / "onepassword_events"
    generated = {name: text for name, text in files.items() if name != MANIFEST}
    write_package(folder, with_manifest({**generated, "onepassword_events/legacy.py": "OLD = 1\n"}))
    assert (folder / "onepassword_events" / "legacy.py").is_file()
    (folder / "NOTES.md").write_text("my notes\n")
    (folder / "docs").mkdir()
    (folder / "docs" / "usage.md").write_text("usage\n")
    (folder / "onepassword_events" / "extra.txt").write_text("extra\n")
    write_package(folder, files)
    assert (folder / "NOTES.md").read_text() == "my notes\n"
    assert (folder / "docs" / "usage.md").read_text() == "usage\n"
    assert (folder / "onepassword_events" / "extra.txt").read_text() == "extra\n"
    assert not (folder / "onepassword_events" / "legacy.py").exists()
    assert diff_package(folder, files) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onepassword_events"]


def test_foreign_file_survives_cli_regeneration(
    tmp_path: Path, fresh_files: dict[str, dict[str, str]]
) -> None:
    out = copy_generated(tmp_path)
    (out / "onegini_events" / "NOTES.md").write_text("keep me\n")
    result = run_cli("generate", "--specs", SPECS, "--output", out, "onegini-events")
    assert result.exit_code == 0, result.output
    expected = {name: text.encode() for name, text in fresh_files["onegini-events"].items()}
    assert snapshot(out / "onegini_events") == {**expected, "NOTES.md": b"keep me\n"}


@pytest.mark.parametrize("name", ["../evil.py", "pkg/../../evil.py", "/tmp/specgen-evil.py"])
def test_write_package_refuses_paths_outside_the_folder(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "out" / "pkg"
    with pytest.raises(SpecgenError, match="refusing to write outside"):
        write_package(folder, {"pkg/__init__.py": "", name: "import os\n"})
    assert not (tmp_path / "out").exists() or tree(tmp_path / "out") == []
    assert not (tmp_path / "evil.py").exists()
    assert not Path("/tmp/specgen-evil.py").exists()


def test_package_folder_keeps_normal_permissions(
    tmp_path: Path, fresh_files: dict[str, dict[str, str]]
) -> None:
    folder = tmp_path / "pkg"
    folder.mkdir()
    expected = folder.stat().st_mode & 0o777  # what the umask gives a new folder
    write_package(folder, fresh_files["onegini-events"])
    assert folder.stat().st_mode & 0o777 == expected


# --------------------------------------------------------------------------------------------
# 5. specgen generate --spec on the sample specs


@pytest.mark.parametrize("package", list(SAMPLES))
def test_sample_spec_generates(
    package: str, samples_dir: Path, sample_results: dict[str, Result]
) -> None:
    folder = sample_folder(samples_dir, sample_results, package)
    assert f"generated {folder}" in sample_results[package].output
    assert (folder / "pyproject.toml").is_file()
    assert (folder / package / "__init__.py").is_file()
    assert (folder / package / "models.py").is_file()
    assert (folder / MANIFEST).is_file()


@pytest.fixture(scope="session")
def petstore(samples_dir: Path, sample_results: dict[str, Result]) -> ModuleType:
    return import_from(sample_folder(samples_dir, sample_results, "pet_store"), "pet_store")


@pytest.fixture(scope="session")
def odd(samples_dir: Path, sample_results: dict[str, Result]) -> ModuleType:
    return import_from(sample_folder(samples_dir, sample_results, "odd"), "odd")


PET = {"id": 7, "name": "Rex", "tag": None, "status": "sold"}


def test_petstore_hoists_inline_schemas(petstore: ModuleType) -> None:
    models = petstore.models
    hoisted = [
        name
        for name, value in vars(models).items()
        if isinstance(value, type)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == models.__name__
    ]
    # Components plus the inline request body and the inline list response.
    assert {"Pet", "NewPet", "Cat", "Dog", "Error"} < set(hoisted)
    assert len(hoisted) == 7
    assert issubclass(models.Pet, models.NewPet)  # allOf
    pet = models.Pet.model_validate(PET)
    assert pet.tag is None  # nullable
    hints = inspect.signature(petstore.PetStore.create_pet).parameters["body"].annotation
    assert hints == "models.CreatePetBody | params.CreatePetBodyParam"  # a model or its TypedDict


def test_petstore_path_header_and_auth(petstore: ModuleType) -> None:
    handler = Recorder(httpx.Response(200, json=PET))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    pet = client.get_pet(pet_id="a/b c", x_trace="trace-1")
    assert isinstance(pet, petstore.models.Pet) and pet.id == 7
    request = handler.last
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/pets/a%2Fb%20c"
    assert request.url.host == "api.petstore.example"
    assert request.headers["X-Trace"] == "trace-1"
    assert request.headers["Authorization"] == "Bearer tok"


def test_petstore_query_styles(petstore: ModuleType) -> None:
    handler = Recorder(httpx.Response(200, json={"items": [PET], "total": 1}))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    page = client.list_pets(
        tags=["x", "y z"], ids=[1, 2], status="sold", limit=10, x_request_id="rid-1"
    )
    assert page.total == 1 and page.items[0].name == "Rex"
    request = handler.last
    assert parse_qsl(request.url.query.decode()) == [
        ("tags", "x"),
        ("tags", "y z"),
        ("ids", "1,2"),
        ("status", "sold"),
        ("limit", "10"),
    ]
    assert request.headers["X-Request-Id"] == "rid-1"
    with pytest.raises(petstore.errors.RequestValidationError):
        client.list_pets(status="lost")  # not in the enum: refused before sending
    with pytest.raises(petstore.errors.RequestValidationError):
        client.list_pets(limit=1000)  # maximum: 100
    assert len(handler.requests) == 1

    handler = Recorder(httpx.Response(200, json=[PET]))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    client.search_pets(colors=["red", "blue"], words=["a", "b"])
    query = handler.last.url.query.decode()
    assert parse_qsl(query) == [("colors", "red|blue"), ("words", "a b")]
    assert "words=a%20b" in query  # space delimited: %20, not +


def test_non_exploded_array_delimiters_stay_distinguishable(petstore: ModuleType) -> None:
    handler = Recorder(httpx.Response(200, json={"items": [], "total": 0}))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    client.list_pets(names=["a,b", "c"])
    client.list_pets(names=["a", "b", "c"])
    first, second = (r.url.query for r in handler.requests)
    assert first != second


def test_petstore_body_empty_text_and_errors(petstore: ModuleType) -> None:
    handler = Recorder(httpx.Response(201, json=PET))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    created = client.create_pet(body={"name": "Rex", "nickname": None, "kind": {"barks": True}})
    assert created.name == "Rex"
    assert handler.last.headers["Content-Type"] == "application/json"
    assert json.loads(handler.last.content) == {
        "name": "Rex",
        "nickname": None,
        "kind": {"barks": True},
    }
    with pytest.raises(petstore.errors.RequestValidationError):
        client.create_pet(body={"name": ""})  # minLength 1

    handler = Recorder(httpx.Response(204))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    assert client.delete_pet(pet_id="7") is None
    assert handler.last.method == "DELETE"

    handler = Recorder(httpx.Response(200, text="good dog", headers={"content-type": "text/plain"}))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    assert client.get_pet_notes(pet_id="7") == "good dog"

    error = {"code": 42, "message": "nope"}
    handler = Recorder(httpx.Response(404, json=error))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler), max_retries=0)
    with pytest.raises(petstore.errors.NotFoundError) as caught:
        client.get_pet(pet_id="7")
    assert caught.value.body == petstore.models.Error(**error)

    handler = Recorder(httpx.Response(418, json=error))  # only the `default` response fits
    client = petstore.PetStore(token="tok", http_client=mock_client(handler), max_retries=0)
    with pytest.raises(petstore.errors.APIStatusError) as status:
        client.list_pets()
    assert status.value.status_code == 418
    assert isinstance(status.value.body, petstore.models.Error)


def test_text_operation_accepts_text(petstore: ModuleType) -> None:
    handler = Recorder(httpx.Response(200, text="notes", headers={"content-type": "text/plain"}))
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    client.get_pet_notes(pet_id="7")
    assert "text/plain" in handler.last.headers["Accept"]


def test_petstore_pagination_and_async(petstore: ModuleType) -> None:
    handler = Recorder(
        httpx.Response(200, json={"items": [PET, {**PET, "id": 8}], "total": 3}),
        httpx.Response(200, json={"items": [{**PET, "id": 9}], "total": 3}),
    )
    client = petstore.PetStore(token="tok", http_client=mock_client(handler))
    assert [pet.id for pet in client.iter_list_pets(limit=2)] == [7, 8, 9]
    offsets = [dict(parse_qsl(r.url.query.decode())).get("offset") for r in handler.requests]
    assert offsets in (["0", "2"], [None, "2"])

    async def call() -> Any:
        handler = Recorder(httpx.Response(200, json=PET))
        transport = httpx.MockTransport(handler)
        async with petstore.AsyncPetStore(
            token="tok", http_client=httpx.AsyncClient(transport=transport)
        ) as client:
            pet = await client.get_pet(pet_id="x y")
        return pet, handler.last

    pet, request = asyncio.run(call())
    assert pet.id == 7
    assert request.url.raw_path == b"/v1/pets/x%20y"


def test_oddities_names(odd: ModuleType) -> None:
    models = odd.models
    # Schemas named Any, Field and datetime must not shadow what models.py itself uses.
    assert models.Field is pydantic.Field
    # ``datetime`` there is the runtime's date-time (a datetime that keeps its exact text).
    assert models.datetime is odd._types.DateTime
    classes = {
        name
        for name, value in vars(models).items()
        if isinstance(value, type)
        and issubclass(value, pydantic.BaseModel)
        and value.__module__ == models.__name__
    }
    assert len(classes) == 5  # Any, List, Field, datetime and the hoisted deepObject filter
    item = next(
        models.__dict__[c]
        for c in classes
        if {"class", "from", "my-field", "9lives"}
        <= {f.alias or n for n, f in models.__dict__[c].model_fields.items()}
    )
    data = {"class": "c", "from": None, "my-field": 3, "9lives": "nine"}
    value = item.model_validate(data)
    assert value.model_dump(by_alias=True, exclude_unset=True) == data
    assert all(name.isidentifier() for name in item.model_fields)
    methods = {n for n, v in vars(odd.OddClient).items() if callable(v) and n[:1] != "_"}
    assert methods == {"get_things_id", "put_field"}  # the first has no operationId


def test_oddities_request(odd: ModuleType) -> None:
    entry = {"class": "c", "from": "f", "my-field": 1, "9lives": 9}
    handler = Recorder(httpx.Response(200, json={"entries": [entry]}))
    client = odd.OddClient(api_key="secret", http_client=mock_client(handler))
    result = client.get_things_id(id="a/b c", filter={"a": 1, "b": "z"}, class_=None)
    assert result.entries[0].model_dump(by_alias=True) == entry
    request = handler.last
    assert request.url.raw_path.split(b"?")[0] == b"/api/things/.a%2Fb%20c"  # label style
    assert request.url.query.decode() == "filter[a]=1&filter[b]=z"  # deepObject
    assert request.headers["X-API-Key"] == "secret"
    client.get_things_id(id="x", class_="k")
    assert handler.last.url.query == b"class=k"

    handler = Recorder(httpx.Response(200, json={"from": "there"}))
    client = odd.OddClient(api_key="secret", http_client=mock_client(handler))
    body_type = next(
        v
        for v in vars(odd.models).values()
        if isinstance(v, type)
        and issubclass(v, pydantic.BaseModel)
        and set(v.model_fields) == {"name", "when"}
    )
    when_type = body_type.model_fields["when"].annotation
    when_class = next(a for a in typing.get_args(when_type) if a is not type(None))
    body = body_type(name="n", when=when_class(at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)))
    echoed = client.put_field(body=body)
    assert json.loads(handler.last.content) == {
        "name": "n",
        "when": {"at": "2024-01-01T00:00:00Z"},
    }
    assert echoed.model_dump(by_alias=True, exclude_unset=True) == {"from": "there"}


# --------------------------------------------------------------------------------------------
# 6. Bad input


@pytest.mark.parametrize(
    ("file", "where"),
    [
        (
            "bad_dangling_ref.yaml",
            " at /paths/~1things/get/responses/200/content/application~1json/schema/$ref: ",
        ),
        ("bad_syntax.yaml", ":7: invalid YAML"),
        ("bad_pagination.yaml", " at /paths/~1uploads/get/x-pagination/items: "),
    ],
)
def test_bad_spec_gives_one_line_error(tmp_path: Path, file: str, where: str) -> None:
    spec = FIXTURES / file
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "generator", "generate", "--strict"),
            *("--spec", str(spec), "--output", str(out)),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {spec}")
    assert where in lines[0]
    assert not out.exists()


def test_bad_spec_leaves_existing_output_alone(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("keep\n")
    result = run_cli(
        "generate", "--strict", "--spec", FIXTURES / "bad_pagination.yaml", "--output", tmp_path
    )
    assert result.exit_code == 2
    assert tree(tmp_path) == ["keep.txt"]


def test_spec_without_schemas_generates(tmp_path: Path) -> None:
    result = run_cli("generate", "--spec", FIXTURES / "no_schemas.yaml", "--output", tmp_path)
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------------------
# 7. Injection safety


def executable_os_use(tree_: ast.AST) -> list[str]:
    """``import os`` anywhere, or a call of ``os.system``/``system`` in the code (not strings)."""
    found = []
    for node in ast.walk(tree_):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names]
            module = getattr(node, "module", None) or ""
            if "os" in names or module == "os" or module.startswith("os."):
                found.append(f"line {node.lineno}: import of os")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("system", "__import__", "eval", "exec"):
                found.append(f"line {node.lineno}: call of {name}")
    return found


INJECTION_PARAMS = [
    "injection_probe",
    "injection_title",
]


@pytest.mark.parametrize("package", INJECTION_PARAMS)
def test_injected_text_stays_text(
    package: str, samples_dir: Path, sample_results: dict[str, Result]
) -> None:
    folder = sample_folder(samples_dir, sample_results, package)
    files = python_files(folder)
    assert len(files) == 18
    # The runtime is copied as it is, never rendered from the spec: it may read the environment.
    runtime = ROOT / "templates" / "python" / "runtime"
    copied = {p.name: p.read_text(encoding="utf-8") for p in runtime.glob("*.py")}
    for path in files:
        source = path.read_text(encoding="utf-8")
        parsed = ast.parse(source, str(path))  # (a) parses
        if source != copied.get(path.name):
            assert executable_os_use(parsed) == [], path  # (b) nothing executable got in
        compile(source, str(path), "exec")  # ... and compiles (future imports first etc.)
        # Every line mentioning os.system is inside a string literal (docstring or constant).
        literal_lines: set[int] = set()
        for node in ast.walk(parsed):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literal_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for number, line in enumerate(source.splitlines(), 1):
            if "os.system" in line:
                assert number in literal_lines, f"{path}:{number}: {line}"


def test_injected_text_reaches_the_client_verbatim(
    samples_dir: Path, sample_results: dict[str, Result]
) -> None:
    folder = sample_folder(samples_dir, sample_results, "injection_probe")
    probe = import_from(folder, "injection_probe")
    payload = 'import os; os.system("x")'
    doc = inspect.getdoc(probe.Probe.get_item) or ""
    assert 'Summary """' in doc and payload in doc and "{{ jinja }} {% raw %}" in doc
    assert '"""' in (inspect.getdoc(probe.Probe) or "")
    item = probe.models.Item
    aliases = {f.alias or n for n, f in item.model_fields.items()}
    spec = load_document(FIXTURES / "injection.yaml").data
    assert aliases == set(spec["components"]["schemas"]["Item"]["properties"])
    wire = {"id": "1", 'weird"""\n' + payload + '\n"""': "w", "back\\slash\\": True}
    assert item.model_validate(wire).model_dump(by_alias=True, exclude_unset=True) == wire
    mode = next(p for p in probe._operations.GET_ITEM.params if p.python_name.startswith("mode"))
    enum = spec["paths"]["/items/{itemId}"]["get"]["parameters"][1]
    assert mode.name == enum["name"]
    assert set(typing.get_args(mode.type)) == set(enum["schema"]["enum"])
    handler = Recorder(httpx.Response(200, json={"id": "1"}))
    client = probe.Probe(http_client=mock_client(handler))
    value = enum["schema"]["enum"][1]
    client.get_item(item_id="i", **{mode.python_name: value})
    assert parse_qsl(handler.last.url.query.decode()) == [(enum["name"], value)]
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "{{ jinja }} {% raw %}" in readme  # spec text is never rendered as a template


# --------------------------------------------------------------------------------------------
# 8. Template override


def test_template_override_replaces_only_that_file(
    tmp_path: Path, samples_dir: Path, sample_results: dict[str, Result]
) -> None:
    baseline = snapshot(sample_folder(samples_dir, sample_results, "pet_store"))
    templates = tmp_path / "templates"
    (templates / "python" / "project").mkdir(parents=True)
    (templates / "python" / "project" / "README.md.j2").write_text(
        "# Custom README for {{ api.package }} ({{ api.operations|length }} operations)\n"
    )
    out = tmp_path / "out"
    spec = FIXTURES / "petstore.yaml"
    result = run_cli("generate", "--spec", spec, "--templates", templates, "--output", out)
    assert result.exit_code == 0, result.output
    custom = snapshot(out / "pet_store")
    readme = b"# Custom README for pet_store (6 operations)\n"
    assert custom["README.md"] == readme
    assert set(custom) == set(baseline)
    changed = {name for name in custom if custom[name] != baseline[name]}
    assert changed == {"README.md", MANIFEST}
    old, new = (json.loads(files[MANIFEST])["files"] for files in (baseline, custom))
    assert new["README.md"] == hashlib.sha256(readme).hexdigest()
    assert {k: v for k, v in new.items() if k != "README.md"} == {
        k: v for k, v in old.items() if k != "README.md"
    }


# --------------------------------------------------------------------------------------------
# 9. The generated public surface


def surface_cases() -> list[Any]:
    cases: list[Any] = [pytest.param(("api", name), id=name) for name in API_NAMES]
    cases += [pytest.param(("sample", package), id=package) for package in IMPORTABLE]
    return cases


@pytest.fixture
def surface(
    request: pytest.FixtureRequest,
    samples_dir: Path,
    sample_results: dict[str, Result],
) -> tuple[ModuleType, str, dict[str, Any]]:
    """(package module, client class name, spec) of a committed API or an importable sample."""
    kind, name = request.param
    if kind == "api":
        api = load_api(SPECS, name)
        folder = GENERATED / api.config.package
        return import_from(folder, api.config.package), api.config.client_class, api.spec
    sample = SAMPLES[name]
    module = import_from(sample_folder(samples_dir, sample_results, name), name)
    return module, sample.client, load_document(FIXTURES / sample.file).data


@pytest.mark.parametrize("surface", surface_cases(), indirect=True)
def test_public_surface(surface: tuple[ModuleType, str, dict[str, Any]]) -> None:
    module, client_name, spec = surface
    assert all(hasattr(module, name) for name in module.__all__)
    assert {client_name, f"Async{client_name}", "DEFAULT_BASE_URL", "errors", "models"} <= set(
        module.__all__
    )
    sync, async_ = getattr(module, client_name), getattr(module, f"Async{client_name}")

    expected = set()
    for method, op in operations(spec):
        expected.add(method)
        if "x-pagination" in op:
            expected.add(f"iter_{method}")

    def methods(cls: type) -> set[str]:
        return {n for n, v in vars(cls).items() if callable(v) and not n.startswith("_")}

    assert methods(sync) == expected
    assert methods(async_) == expected
    for name in expected:
        sync_params = inspect.signature(getattr(sync, name)).parameters
        async_params = inspect.signature(getattr(async_, name)).parameters
        assert list(sync_params) == list(async_params), name
        is_coroutine = inspect.iscoroutinefunction(getattr(async_, name))
        assert is_coroutine == (not name.startswith("iter_")), name

    base = {
        "base_url",
        "timeout",
        "deadline",
        "max_retries",
        "headers",
        "auth",
        "http_client",
        "strict_responses",
    }
    for cls in (sync, async_):
        parameters = inspect.signature(cls.__init__).parameters
        assert set(parameters) - {"self"} == base | credential_kwargs(spec)
        # None: <PACKAGE>_BASE_URL from the environment, else DEFAULT_BASE_URL (checked below)
        assert parameters["base_url"].default is None

    urls = server_urls(spec)
    assert urls[0] == module.DEFAULT_BASE_URL
    constants = [
        n
        for n in module.__all__
        if n.isupper()
        and n not in ("DEFAULT_BASE_URL", "SPEC_HASH", "GENERATOR_VERSION", "NOT_GIVEN")
    ]
    assert sorted(getattr(module, n) for n in constants) == sorted(urls)
    for name in constants:
        assert getattr(sync, name) == getattr(async_, name) == getattr(module, name)
    with sync(http_client=mock_client(Recorder(httpx.Response(204)))) as client:
        assert client.base_url == urls[0]
