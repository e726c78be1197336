"""The generated package's own version (``generator.versions``, ``version``/``revision`` in
``specgen.yaml``): always a PEP 440 version an index accepts, whatever ``info.version`` says."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from generator.build import Target, build_api
from generator.cli import main
from generator.errors import SpecgenError
from generator.load import load_document
from generator.project import read_config
from generator.versions import package_version, valid


@pytest.mark.parametrize(
    ("spec_version", "revision", "expected"),
    [
        ("1.0.0", 0, "1.0.0"),  # the four APIs here: unchanged
        ("1.0.0", 3, "1.0.0.post3"),
        ("v2.1", 0, "2.1"),
        ("2024-01-01", 0, "2024.1.1"),  # a date as version
        ("2024-01-01", 1, "2024.1.1.post1"),
        ("v1 beta", 0, "1b0"),
        ("2.0.0-rc.1", 2, "2.0.0rc1.post2"),
        ("1.0.post1", 2, "1.0.post3"),  # counted on from the spec's own post-release
        ("3.0.dev4", 1, "3.0.post1.dev4"),
        ("1.0+build.5", 0, "1.0"),  # indexes refuse a local label
        ("1.0.0-SNAPSHOT", 0, "1.0.0"),
        ("latest", 0, "0.0.0"),
        ("", 1, "0.0.0.post1"),
    ],
)
def test_package_version_from_the_spec(spec_version: str, revision: int, expected: str) -> None:
    assert package_version(spec_version, revision) == expected


@given(st.text(max_size=30), st.integers(min_value=0, max_value=10_000))
def test_package_version_is_always_valid_and_grows_with_the_revision(
    spec_version: str, revision: int
) -> None:
    version = package_version(spec_version, revision)
    assert valid(version), version
    assert Version(version) < Version(package_version(spec_version, revision + 1))


@given(st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,4}){0,3}((a|b|rc)[0-9]{1,2})?", fullmatch=True))
def test_a_pep440_spec_version_is_kept(spec_version: str) -> None:
    assert Version(package_version(spec_version)) == Version(spec_version)


def config(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "specgen.yaml"
    path.write_text(
        "name: Shop\npackage: shop\nclient_class: Shop\nspec: openapi.yaml\n" + extra, "utf-8"
    )
    return path


def test_config_version_and_revision_reach_the_ir(tmp_path: Path) -> None:
    spec = {"openapi": "3.1.0", "info": {"title": "Shop", "version": "2024-05-01"}, "paths": {}}
    for extra, expected in [
        ("", "2024.5.1"),
        ("revision: 2\n", "2024.5.1.post2"),
        ("version: '3.1.0'\n", "3.1.0"),
    ]:
        found = read_config(load_document(config(tmp_path, extra)))
        target = Target("shop", "Shop", version=found.version, revision=found.revision)
        assert build_api(spec, "openapi.yaml", target).api.package_version == expected


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("version: 1.10\n", ":5 at /version: 'version' must be quoted text such as '1.2.0'"),
        ("version: 'v1 beta'\n", ":5 at /version: 'version' must be a PEP 440 version"),
        ("version: '1.0+local'\n", ":5 at /version: 'version' must be a PEP 440 version"),
        ("revision: -1\n", ":5 at /revision: 'revision' must be a whole number >= 0"),
        ("revision: 'two'\n", ":5 at /revision: 'revision' must be a whole number >= 0"),
        ("version: '1.0'\nrevision: 1\n", ":6 at /revision: give 'version' or 'revision'"),
    ],
)
def test_bad_version_config_names_file_and_place(tmp_path: Path, extra: str, message: str) -> None:
    path = config(tmp_path, extra)
    with pytest.raises(SpecgenError) as raised:
        read_config(load_document(path))
    assert str(raised.value).startswith(f"{path}{message}"), str(raised.value)


PETSTORE = Path(__file__).resolve().parents[1] / "fixtures" / "openapi" / "petstore.yaml"


def test_generate_spec_takes_a_package_version(tmp_path: Path) -> None:
    runner = CliRunner()
    argv = ["generate", "--spec", str(PETSTORE), "--output", str(tmp_path), "--no-cache"]
    result = runner.invoke(main, [*argv, "--package-version", "2.0.1"])
    assert result.exit_code == 0, result.output
    pyproject = tomllib.loads((tmp_path / "pet_store" / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["version"] == "2.0.1"
    bad = runner.invoke(main, [*argv, "--package-version", "two"])
    assert (bad.exit_code, bad.stderr) == (
        2,
        "error: --package-version must be a PEP 440 version (1.2.0), not 'two'\n",
    )
    alone = runner.invoke(main, ["generate", "--package-version", "2.0.1"])
    assert alone.exit_code == 2 and "go with --spec" in alone.stderr
