"""The format stage: formatting in chunks (cached, in processes) gives what black gives whole."""

from __future__ import annotations

import dataclasses
import keyword
import tempfile
import textwrap
from pathlib import Path

import black
import isort
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import fmt
from generator.cache import FORMAT, Cache
from generator.errors import SpecgenError

# Any identifier but a keyword (hard or soft: `match`, `case`, `type` are fine as names, but
# black's view of them is what the test compares, so keep them out too).
names = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not keyword.issoftkeyword(n)
)
quotes = st.sampled_from(["'", '"'])
blank = st.integers(0, 3).map(lambda n: "\n" * n)
# Characters str.splitlines breaks at but Python source does not: a literal may hold them raw.
not_line_ends = st.sampled_from(["", "\x85", "\u2028", "\x0c", "\x0b", "\x1d"])


@st.composite
def function(draw: st.DrawFn, indent: str = "") -> str:
    name = draw(names)
    args = draw(st.lists(names, max_size=14, unique=True))
    decorator = draw(st.sampled_from(["", f"{indent}@staticmethod\n" if indent else ""]))
    comment = draw(st.sampled_from(["", f"{indent}# about {name}\n"]))
    q = draw(quotes)
    doc = draw(st.sampled_from(["", f"{indent}    {q * 3}Doc of {name}.{q * 3}\n"]))
    body = draw(st.sampled_from(["pass", f"return {q}{name}{q}", f"x = {{ {q}k{q} : 1 ,}}"]))
    return (
        f"{comment}{decorator}{indent}def {name}( {', '.join(args)} ):\n{doc}{indent}    {body}\n"
    )


@st.composite
def klass(draw: st.DrawFn) -> str:
    name = draw(names).capitalize()
    q = draw(quotes)
    members = draw(st.lists(function("    "), min_size=0, max_size=3))
    fields = draw(st.lists(names, max_size=3, unique=True))
    odd = draw(not_line_ends)
    lines = [f"class {name}( object ):\n", f"    {q * 3}A{odd} class.{q * 3}\n"]
    lines += [f"    {f}: int = {q}1{q}\n" for f in fields]
    lines += [draw(blank) + m for m in members]
    return "".join(lines)


@st.composite
def statement(draw: st.DrawFn) -> str:
    name = draw(names)
    q = draw(quotes)
    return draw(
        st.sampled_from(
            [
                f"{name} = {q}v{draw(not_line_ends)}{q}\n",
                f"{name.upper()}=[1,2 ,3]\n",
                f"{name}()\n",
            ]
        )
    )


@st.composite
def module(draw: st.DrawFn) -> str:
    q = draw(quotes)
    header = draw(st.sampled_from(["", f"{q * 3}A module.{q * 3}\n"]))
    imports = draw(
        st.lists(
            st.sampled_from(["import os\n", "from typing import Any\n", "import sys\n"]),
            unique=True,
        )
    )
    parts = [header, *imports]
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(blank))
        parts.append(draw(st.one_of(function(), klass(), statement())))
    return "".join(parts)


def black_whole(text: str) -> str:
    # isort breaks lines where str.splitlines does; the characters the drawn text may hold
    # there are hidden from it by one each of a few private-use characters the text never holds.
    hidden = {ord(c): chr(0xF000 + n) for n, c in enumerate("\x85\u2028\x0c\x0b\x1d")}
    text = isort.code(text.translate(hidden), profile="black", line_length=fmt.IMPORT_LINE_LENGTH)
    text = text.translate({ord(m): c for c, m in hidden.items()})
    return black.format_str(text, mode=fmt.mode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module())
def test_chunks_formatted_apart_equal_the_file_formatted_whole(text: str) -> None:
    assert fmt.format_python("m.py", text) == black_whole(text)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(module(), min_size=2, max_size=4))
def test_processes_give_what_one_process_gives(texts: list[str]) -> None:
    files = {f"m{n}.py": text for n, text in enumerate(texts)}
    alone = fmt.format_files(files, jobs=1)
    # Made to use processes however little there is to format: the path large APIs take.
    assert fmt.format_files(files, jobs=2, parallel_min_chars=0) == alone
    assert alone == {name: black_whole(text) for name, text in files.items()}


def test_a_cached_chunk_is_not_formatted_again(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    text = "def f( a ):\n    return a\n\n\nclass C :\n    x=1\n"
    first = fmt.format_files({"m.py": text}, cache=cache)
    assert cache.hits == 0
    again = fmt.format_files({"m.py": text}, cache=cache)
    assert again == first and cache.hits >= 1
    # A chunk's entry is what black wrote for it: planting another answer shows it is used
    # (in a file formatted whole before, where only the chunk is in the cache).
    key = fmt._black_key("def f( a ):\n    return a\n", 0)
    cache.put_text("black", key, "def f(a):\n    return a  # from the cache\n")
    other = text + "\n\nclass D :\n    y=2\n"
    assert "# from the cache" in fmt.format_files({"m.py": other}, cache=cache)["m.py"]


def test_a_whole_file_formatted_before_is_read_back_by_its_exact_text(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    text = "x = 1\n"
    cache.put_text("format-file", fmt._file_key(text, False), "x = 1  # from the cache\n")
    assert fmt.format_files({"m.py": text}, cache=cache)["m.py"] == "x = 1  # from the cache\n"
    # One character more is another file: formatted, not the planted answer.
    assert fmt.format_files({"m.py": text + " "}, cache=cache)["m.py"] == "x = 1\n"
    # A stable file is another entry (it skips isort and black where its lines are short).
    assert fmt.format_files({"m.py": text}, stable={"m.py"}, cache=cache)["m.py"] == text


hashes = st.text("0123456789abcdef", min_size=16, max_size=16)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(module(), hashes, hashes, st.booleans())
def test_a_file_differing_only_in_the_volatile_token_is_read_back_exactly(
    body: str, first: str, second: str, planted: bool
) -> None:
    """As the spec's hash is in every module's docstring: with the hash masked, the cached run
    gives byte for byte what formatting without a cache gives, for the new hash."""
    # The placeholder already in the text turns masking off for the file: still exact.
    extra = "ZZZZZZZZZZZZZZZZ = 1\n" if planted else ""

    def file(token: str) -> str:
        return f'"""Generated from spec {token}: do not edit."""\nSPEC = "{token}"\n{extra}{body}'

    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(Path(folder))
        fmt.format_files({"m.py": file(first)}, cache=cache, volatile=first)
        hits = cache.hits
        cached = fmt.format_files({"m.py": file(second)}, cache=cache, volatile=second)
        assert planted or cache.hits > hits  # masked: the same entry
    assert cached == fmt.format_files({"m.py": file(second)}, volatile=second)
    assert cached == {"m.py": black_whole(file(second))}


def test_a_stable_file_goes_through_black_only_where_a_line_is_too_long() -> None:
    short = "def kept( a ):\n    return 'as written'\n"
    long_args = ", ".join(f"argument_{n}" for n in range(12))
    long = f"def wrapped({long_args}):\n    return 'quoted'\n"
    text = f"{short}\n\n{long}"
    out = fmt.format_files({"m.py": text}, stable={"m.py"})["m.py"]
    assert out.startswith(short)  # untouched: the set promised black's style there
    # only the signature went to black: the body is as the set wrote it
    signature = black.format_str(f"def wrapped({long_args}):\n    pass\n", mode=fmt.mode())
    assert out.endswith(signature.removesuffix("    pass\n") + "    return 'quoted'\n")
    assert all(len(line) <= fmt.LINE_LENGTH for line in out.splitlines())


@pytest.mark.parametrize(
    "statement",
    [
        '__all__ = [\n    "{name}",\n    "B",\n]\n',
        'MODULES = {{\n    "{name}": "{name}",\n}}\n',
        "if TYPE_CHECKING:\n    from .m import (\n        {name} as {name},\n    )\n",
        'class A:\n    """Doc.\n\n    {name} {name}\n    """\n',
        "class A:\n    # {name} {name}\n    x: int\n",
    ],
)
def test_long_lines_black_leaves_are_not_formatted(statement: str) -> None:
    """Long names in one-item lines, docstrings and comments: black would change nothing, so
    the statement is kept without running it (as the set's own oddity, ``'x'``, shows)."""
    text = statement.format(name="N" * 120) + "\n\nX = 'x'\n"
    assert black.format_str(text, mode=fmt.mode()) == text.replace("'x'", '"x"')
    plan = fmt._plan("m.py", text, True, Cache(None))
    assert all(chunk.kept for chunk in plan.chunks)
    assert fmt.format_files({"m.py": text}, stable={"m.py"}) == {"m.py": text}


def test_a_long_line_black_splits_is_formatted_alone() -> None:
    """In a class whose one field is too long, black reads that field only."""
    fields = "".join(f"    f{n}: 'int'\n" for n in range(30))
    long = "g: Literal[" + ", ".join(f'"value_{n}"' for n in range(12)) + "]\n"
    text = f"class A:\n    '''Doc.'''\n\n{fields}    {long}"
    plan = fmt._plan("m.py", text, True, Cache(None))
    assert [c.kept for c in plan.chunks].count(False) == 1
    out = fmt.format_files({"m.py": text}, stable={"m.py"})["m.py"]
    assert out.startswith(f"class A:\n    '''Doc.'''\n\n{fields}")
    narrower = dataclasses.replace(fmt.mode(), line_length=fmt.LINE_LENGTH - 4)
    assert out.endswith(textwrap.indent(black.format_str(long, mode=narrower), "    "))


def test_a_stable_class_is_formatted_a_member_at_a_time() -> None:
    methods = "".join(
        f"    def method_{n}(self) -> int:\n        return {n}\n\n" for n in range(2000)
    )
    long_args = ", ".join(f"argument_{n}: int" for n in range(10))
    text = (
        f"class Big:\n    '''Doc.'''\n\n{methods}"
        f"    def long(self, {long_args}) -> None:\n        pass\n"
    )
    out = fmt.format_files({"m.py": text}, stable={"m.py"})["m.py"]
    assert "    '''Doc.'''" in out  # the untouched members keep what the set wrote
    assert all(len(line) <= fmt.LINE_LENGTH for line in out.splitlines())
    assert out == black.format_str(text, mode=fmt.mode()).replace('"""Doc."""', "'''Doc.'''")


def test_code_that_does_not_parse_is_shown_with_line_numbers() -> None:
    with pytest.raises(SpecgenError) as raised:
        fmt.format_python("pkg/m.py", "def f(:\n    pass\n")
    message = str(raised.value)
    assert "pkg/m.py" in message and "does not parse" in message and "   1 def f(:" in message


def test_a_stable_module_of_statements_is_cut_at_each_one() -> None:
    """A module with no def or class (operation descriptors) is not one chunk: a long line in
    one statement sends that statement alone to black."""
    kept = "".join(f"NAME_{n} = call(  'as written'  )\n" for n in range(50))
    long_args = ", ".join(f"argument_{n}=1" for n in range(12))
    text = f"{kept}LONG = call({long_args})\n"
    out = fmt.format_files({"m.py": text}, stable={"m.py"})["m.py"]
    assert out.startswith(kept)
    assert out[len(kept) :] == black.format_str(f"LONG = call({long_args})\n", mode=fmt.mode())


def test_a_token_black_rewrites_is_not_masked_in_the_cache(tmp_path: Path) -> None:
    """Black writes a hex literal's digits in capitals: that file is not stored masked, else the
    next token would come back in the old one's capitals."""
    cache = Cache(tmp_path)
    first, second = "abcdef0123456789", "0123456789abcdef"
    for token in (first, second):
        text = f'"""From spec {token}."""\nX = 0x{token}\n'
        formatted = fmt.format_files({"m.py": text}, cache=cache, volatile=token)["m.py"]
        assert formatted == black_whole(text)
        assert f"0x{token.upper()}" in formatted


def test_files_planned_in_worker_processes_come_out_as_in_this_one() -> None:
    """With ``parallel_min_chars=0`` a ``formatted`` set's files are cut in the workers and
    their long statements formatted there: the same text as all of it done here."""
    long_args = ", ".join(f"argument_{n}" for n in range(12))
    files = {
        f"m{n}.py": f"X = {n}\n\n\ndef wrapped_{n}({long_args}):\n    return 'quoted'\n"
        for n in range(6)
    }
    here = fmt.format_files(files, stable=set(files), jobs=1)
    apart = fmt.format_files(files, stable=set(files), jobs=2, parallel_min_chars=0)
    assert apart == here
    assert all("    argument_11,\n" in text for text in apart.values())


def test_a_file_that_does_not_parse_in_a_worker_is_shown_with_line_numbers() -> None:
    files = {"pkg/ok.py": "X = 1\n", "pkg/bad.py": "def f(:\n    pass\n"}
    with pytest.raises(SpecgenError) as raised:
        fmt.format_files(files, stable=set(files), jobs=2, parallel_min_chars=0)
    message = str(raised.value)
    assert "pkg/bad.py" in message and "does not parse" in message and "   1 def f(:" in message


def test_a_split_file_without_long_lines_is_kept_without_being_parsed() -> None:
    """``split`` files (cut from a module that parsed) with no long line are kept as they
    are: a text that does not parse passes when declared so (it is never read), and is refused
    when it is not; one with a long line is cut and formatted as without the declaration."""
    broken = "def f(:\n    pass\n"
    long_args = ", ".join(f"argument_{n}" for n in range(12))
    wrapped = f"def wrapped({long_args}):\n    return 1\n"
    files = {"pkg/broken.py": broken, "pkg/wrapped.py": wrapped}
    for jobs, least in ((1, fmt.PARALLEL_MIN_CHARS), (2, 0)):
        out = fmt.format_files(
            files, stable=set(files), split=set(files), jobs=jobs, parallel_min_chars=least
        )
        assert out["pkg/broken.py"] == broken
        assert out["pkg/wrapped.py"] == fmt.format_files({"w.py": wrapped}, stable={"w.py"})["w.py"]
        assert "    argument_11,\n" in out["pkg/wrapped.py"]
        with pytest.raises(SpecgenError, match=r"pkg/broken\.py"):
            fmt.format_files(files, stable=set(files), jobs=jobs, parallel_min_chars=least)
    with pytest.raises(SpecgenError, match=r"pkg/bad\.py"):  # a long line: parsed to be cut
        fmt.format_files(
            {"pkg/bad.py": wrapped + broken}, stable={"pkg/bad.py"}, split={"pkg/bad.py"}
        )


def _entries(cache: Path, stage: str) -> list[Path]:
    return [p for p in (cache / f"v{FORMAT}" / stage).rglob("*") if p.is_file()]


def test_split_files_are_cached_as_one_entry_and_read_back_whole(tmp_path: Path) -> None:
    """A large package's modules (``split``) make one entry, not one each; read back only
    when every file of the group is as it was (in any order), and the same as formatted
    alone."""
    long_args = ", ".join(f"argument_{n}" for n in range(12))
    package = {f"pkg/m{n}.py": f"def f{n}({long_args}):\n    return {n}\n" for n in range(5)}
    files = {"other.py": "x = 1\n", **package}
    alone = fmt.format_files(files, stable=set(files))
    cache = Cache(tmp_path)
    first = fmt.format_files(files, stable=set(files), cache=cache, split=set(package))
    assert first == alone
    assert len(_entries(tmp_path, "format-group")) == 1
    assert len(_entries(tmp_path, "format-file")) == 1  # other.py alone
    # Planted in the entry, a comment shows the group is read back, in any order of the files.
    key = fmt._group_key([(n, package[n], True) for n in sorted(package)])
    stored = cache.get_object("format-group", key)
    assert isinstance(stored, dict) and sorted(stored) == sorted(package)
    cache.put_object("format-group", key, {n: t + "# from the cache\n" for n, t in stored.items()})
    shuffled = dict(reversed(list(files.items())))
    again = fmt.format_files(shuffled, stable=set(files), cache=cache, split=set(package))
    assert all(again[n].endswith("# from the cache\n") for n in package)
    # One file changed: the whole group is formatted again (and right), the entry not used.
    changed = {**files, "pkg/m0.py": package["pkg/m0.py"].replace("return 0", "return 9")}
    third = fmt.format_files(changed, stable=set(files), cache=cache, split=set(package))
    assert third == fmt.format_files(changed, stable=set(files))
    assert len(_entries(tmp_path, "format-group")) == 2
