"""The format stage: isort and black, in memory, a chunk at a time, cached and in parallel.

black's cost grows with the text it reads, and a large API's modules are megabytes. So each
Python file is cut into chunks at its top-level statements (a large class of a ``formatted`` set
also at its members), each chunk is formatted on its own, the results are cached by their exact
text (``generator.cache``) and, when there is much to do, computed across processes.

Chunks are joined as black joins top-level blocks (two blank lines between them), so a file
formatted in chunks equals the file formatted whole; tests check it on real specs.

A template set whose manifest says ``formatted: true`` writes black's style itself: a statement
of its files goes through black only when one of its lines is longer than the line length (a
long name from a spec) and black could change that line, and of a class or function only the
header or the members holding such a line (``_pieces``); the tests check that black would
change nothing in the rest.

Code black cannot parse is reported in full, with line numbers.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from typing import Any, TypeVar

from generator.cache import Cache, digest, stage_key, versions
from generator.errors import SpecgenError
from generator.pytext import DOTTED_NAME, source_lines

LINE_LENGTH = 100
# Imports are wrapped where ruff's default (88) wraps them, so that its import-order check on a
# generated package agrees; black keeps a wrapped import wrapped (its trailing comma).
IMPORT_LINE_LENGTH = 88
# Below this much text to format, worker processes cost more than they save.
PARALLEL_MIN_CHARS = 400_000

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)
_Key = TypeVar("_Key")


@cache
def mode() -> Any:
    """black's mode for generated code (black is imported on first need: it is slow to load)."""
    import black

    return black.Mode(target_versions={black.TargetVersion.PY311}, line_length=LINE_LENGTH)


def __getattr__(name: str) -> Any:  # ``fmt.MODE`` for callers and tests, built lazily
    if name == "MODE":
        return mode()
    raise AttributeError(name)


@dataclass(frozen=True)
class Chunk:
    """Lines ``start``..``end`` (0-based, end exclusive) of a file, indented by ``indent``.

    ``kept``: written in black's style already (a ``formatted`` set's chunk whose long lines
    black would leave as they are), so not formatted. ``header``: the first lines of a compound
    statement (``def ...:``), formatted with a stand-in body, its members being chunks of their
    own.
    """

    start: int
    end: int
    indent: int = 0
    kept: bool = False
    header: bool = False


@dataclass
class _Plan:
    """One file cut into chunks, and which of them black must see."""

    name: str
    lines: list[str]
    chunks: list[Chunk]
    stable: bool
    results: dict[int, str] = dataclasses.field(default_factory=dict)  # chunk index -> text


def format_files(
    files: dict[str, str],
    python: Collection[str] | None = None,
    *,
    stable: Collection[str] = (),
    cache: Cache | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    parallel_min_chars: int = PARALLEL_MIN_CHARS,
    volatile: str = "",
    workers: Workers | None = None,
    split: Collection[str] = (),
) -> dict[str, str]:
    """Format the Python files (``python``, or every ``.py`` file when it is None); other files
    pass through unchanged. ``stable`` names files written in black's style already; ``split``
    those of them cut at their statements from one module that parsed (a large API's models
    package): one with no long line is kept as it is without being parsed again. Chunks
    are formatted in up to ``jobs`` processes (default: one per CPU) when black has at least
    ``parallel_min_chars`` to read.

    With a ``cache``, a whole file formatted before is read back without being parsed again;
    ``volatile`` is a token many files hold that changes with any edit of the spec (its hash
    in each module's docstring): files are looked up with it masked (``_Masked``), so after a
    small edit only the files that really changed are formatted. ``split`` files (thousands of
    modules, which change together) are cached together, as one entry: writing thousands of
    small files to the cache took up to 2 s of a cold run on this repository's machine.
    ``workers``: processes the caller keeps for several calls (``Workers``), used in place of
    this call's own."""
    cache = cache if cache is not None else Cache(None)
    is_python = (lambda n: n in python) if python is not None else (lambda n: n.endswith(".py"))
    masked = {name: _Masked(text, volatile) for name, text in files.items() if is_python(name)}
    group = sorted(name for name in masked if name in split) if split else []
    keys: dict[str, str] = {}
    group_key: str | None = None
    if cache.root is not None:  # without a cache, nothing to look up or store
        alone = set(masked) - set(group)
        keys = {
            name: _file_key(m.hidden, name in stable) for name, m in masked.items() if name in alone
        }
        if group:
            group_key = _group_key([(n, masked[n].hidden, n in stable) for n in group])
    found = _cached_files(keys, cache)
    found.update(_cached_group(group_key, group, cache))
    missing = {name: files[name] for name in masked if name not in found}
    formatted = _format_chunked(
        missing, stable, cache, jobs, progress, parallel_min_chars, workers, split
    )
    for name, text in formatted.items():
        if name in keys and masked[name].kept(text):
            cache.put_text("format-file", keys[name], masked[name].hide(text))
    if group_key is not None and group[0] in formatted:  # not read back: stored together
        hidden = {name: masked[name].hide(formatted[name]) for name in group}
        if all(masked[name].kept(formatted[name]) for name in group):
            cache.put_object("format-group", group_key, hidden)
    formatted.update((name, masked[name].show(text)) for name, text in found.items())
    return {name: formatted.get(name, text) for name, text in files.items()}


@dataclass(frozen=True)
class _Masked:
    """A file's text with ``token`` replaced by a placeholder of the same length and kind
    (letters), which black and isort treat alike; no masking when the placeholder is in the
    text already."""

    text: str
    token: str

    @property
    def placeholder(self) -> str:
        return "Z" * len(self.token)

    @property
    def active(self) -> bool:
        return bool(self.token) and self.placeholder not in self.text

    @property
    def hidden(self) -> str:
        return self.hide(self.text)

    def hide(self, text: str) -> str:
        return text.replace(self.token, self.placeholder) if self.active else text

    def show(self, text: str) -> str:
        return text.replace(self.placeholder, self.token) if self.active else text

    def kept(self, formatted: str) -> bool:
        """Whether formatting left the token as it was (in a docstring, a comment, a string):
        only then is the formatted file, masked, right for another token too. Black rewrites
        some (the digits of a hex literal): such a file is not stored."""
        if not self.active:
            return True
        same = formatted.count(self.token) == self.text.count(self.token)
        return same and self.placeholder not in formatted


def _format_chunked(
    files: dict[str, str],
    stable: Collection[str],
    cache: Cache,
    jobs: int | None,
    progress: Progress | None,
    parallel_min_chars: int,
    shared: Workers | None = None,
    split: Collection[str] = (),
) -> dict[str, str]:
    """``files`` (all Python) formatted a chunk at a time, chunks read from the cache, by the
    ``shared`` workers (left running) or by workers of this call's own."""
    workers = shared if shared is not None else Workers(min(jobs or _cpus(), len(files)))
    try:
        plans = _plans(files, stable, cache, workers, parallel_min_chars, split)
        pending = _pending(plans, cache)
        _run_black(pending, cache, workers, progress, parallel_min_chars)
    finally:
        if shared is None:
            workers.close()
    return {plan.name: _joined(plan) for plan in plans}


class Workers:
    """The worker processes of one ``format_files`` call (or of several, given as
    ``workers``), started when first asked for and kept for the next stage (a process costs a
    start and black's import)."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._pool: ProcessPoolExecutor | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Fresh processes, not forks: a fork of a process holding a large spec's IR and
            # rendered text would hold (and count for) all of it again, to format a little.
            self._pool = ProcessPoolExecutor(
                max_workers=self.count, mp_context=get_context("spawn")
            )
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _plans(
    files: dict[str, str],
    stable: Collection[str],
    cache: Cache,
    workers: Workers,
    parallel_min_chars: int,
    split: Collection[str] = (),
) -> list[_Plan]:
    """Each file cut into chunks: a ``stable`` file's (parsed, cut) in the worker processes
    when there is enough of them, the others here (isort's results come from the cache); a
    ``split`` one with no long line is one chunk, kept, at once."""
    whole: dict[str, _Plan] = {}
    for name in split:
        if name in files and name in stable:
            lines = source_lines(files[name])
            kept = _kept_whole(lines)
            if kept is not None:
                whole[name] = _Plan(name, lines, kept, True)
    apart = [name for name in files if name in stable and name not in whole]
    if workers.count < 2 or sum(len(files[name]) for name in apart) < parallel_min_chars:
        apart = []
    chunks: dict[str, list[Chunk]] = {}
    if apart:
        batches = _batches({name: len(files[name]) for name in apart}, workers.count * 4)
        futures = [
            workers.pool().submit(_chunks_of_files, [(n, files[n]) for n in batch])
            for batch in batches
        ]
        for future in futures:
            for name, found in future.result():
                if isinstance(found, str):  # the file does not parse: reported as here
                    raise _unparsable(name, files[name], found)
                chunks[name] = found
    return [
        whole[name]
        if name in whole
        else _Plan(name, source_lines(text), chunks[name], True)
        if name in chunks
        else _plan(name, text, name in stable, cache)
        for name, text in files.items()
    ]


def _chunks_of_files(files: list[tuple[str, str]]) -> list[tuple[str, list[Chunk] | str]]:
    """In a worker: the chunks of ``stable`` files, or why one does not parse."""
    found: list[tuple[str, list[Chunk] | str]] = []
    for name, text in files:
        try:
            tree = ast.parse(text)
        except SyntaxError as exc:
            found.append((name, str(exc.msg)))
            continue
        found.append((name, _chunks(tree, source_lines(text), True)))
    return found


def _batches(sizes: Mapping[_Key, int], count: int) -> list[list[_Key]]:
    """The keys of ``sizes`` in about ``count`` batches of similar size, the largest first (so
    that no process is left with a long one at the end)."""
    order = sorted(sizes, key=lambda key: -sizes[key])
    batches: list[list[_Key]] = [[]]
    size, target = 0, max(sum(sizes.values()) // count, 1)
    for name in order:
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(name)
        size += sizes[name]
    return batches


def _pending(plans: list[_Plan], cache: Cache) -> list[tuple[_Plan, int, str, int]]:
    """The chunks black must format: kept ones and those in the cache are filled in now."""
    pending: list[tuple[_Plan, int, str, int]] = []  # plan, chunk index, key, indent
    for plan in plans:
        for index, chunk in enumerate(plan.chunks):
            text = _chunk_text(plan, chunk)
            if chunk.kept:
                plan.results[index] = text
                continue
            key = _black_key(text, chunk.indent)
            cached = cache.get_text("black", key)
            if cached is not None:
                plan.results[index] = _result(chunk, cached)
            else:
                pending.append((plan, index, key, chunk.indent))
    return pending


def _file_key(text: str, stable: bool) -> str:
    """The key of one whole file's formatted text. The mode and line lengths are this module's
    constants: specgen's fingerprint is in the key."""
    return stage_key("format-file", ("black", "isort"), str(stable), text)


def _group_key(files: list[tuple[str, str, bool]]) -> str:
    """The key of a group of files formatted together: each one's name, text and stability."""
    parts = [part for name, text, stable in files for part in (name, text, str(stable))]
    return stage_key("format-group", ("black", "isort"), *parts)


def _cached_group(key: str | None, names: list[str], cache: Cache) -> dict[str, str]:
    """The formatted texts of the group ``names`` stored under ``key``; nothing when the entry
    is missing or does not hold exactly those files as texts."""
    found = cache.get_object("format-group", key) if key is not None else None
    if not isinstance(found, dict) or sorted(found) != sorted(names):
        return {}
    if not all(isinstance(text, str) for text in found.values()):
        return {}
    return found


def _cached_files(keys: dict[str, str], cache: Cache) -> dict[str, str]:
    """The files of ``keys`` (name -> ``_file_key``) whose formatted text is in the cache."""
    if cache.root is None:
        return {}
    found = {name: cache.get_text("format-file", key) for name, key in keys.items()}
    return {name: text for name, text in found.items() if text is not None}


def format_python(name: str, text: str) -> str:
    """One Python file, formatted (no cache, in this process)."""
    return format_files({name: text}, [name])[name]


def _plan(name: str, text: str, stable: bool, cache: Cache) -> _Plan:
    if not stable:
        text = _isorted(text, cache)
    lines = source_lines(text)
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        raise _unparsable(name, text, exc.msg) from None
    return _Plan(name, lines, _chunks(tree, lines, stable), stable)


def _isorted(text: str, cache: Cache) -> str:
    key = digest("isort", versions("isort"), str(IMPORT_LINE_LENGTH), text)
    cached = cache.get_text("isort", key)
    if cached is not None:
        return cached
    result = _isort_code(text)
    cache.put_text("isort", key, result)
    return result


# Characters ``str.splitlines`` breaks lines at that Python source does not. isort reads a file
# by those lines and writes each such character back as a newline: a literal holding one would be
# cut (or a comment holding one would end there). They are masked by private-use characters the
# text does not hold while isort runs.
_NOT_LINE_ENDS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _isort_code(text: str) -> str:
    """``isort.code`` of ``text`` (black's profile), literals and comments kept exactly."""
    import isort

    present = [c for c in _NOT_LINE_ENDS if c in text]
    free = (chr(c) for c in range(0xE000, 0xF900) if chr(c) not in text)
    masks = dict(zip(present, free, strict=False))
    masked = text.translate({ord(c): m for c, m in masks.items()})
    result = isort.code(masked, profile="black", line_length=IMPORT_LINE_LENGTH)
    return result.translate({ord(m): c for c, m in masks.items()})


def _chunks(tree: ast.Module, lines: list[str], stable: bool) -> list[Chunk]:
    """The file's chunks: the header (everything before the first def or class), then each
    top-level def or class with the statements after it up to the next one. A ``stable`` file
    is cut at every top-level statement (a module of constants is then not one chunk), and a
    statement black would change is cut further (``_pieces``); separators are kept as written
    there."""
    if not lines:
        return []
    kept = _kept_whole(lines) if stable else None
    if kept is not None:
        return kept
    starts = [_first_line(node, lines) for node in tree.body if stable or _is_block(node)]
    bounds = sorted({0, *starts} - {len(lines)})
    chunks = [
        Chunk(start, _last_line(Chunk(start, end), lines))
        for start, end in zip(bounds, [*bounds[1:], len(lines)], strict=True)
    ]
    chunks = [c for c in chunks if c.end > c.start]
    if not stable:
        return chunks
    statements = {_first_line(node, lines): node for node in tree.body}
    cut: list[Chunk] = []
    for chunk in chunks:
        _pieces(statements.get(chunk.start), chunk, lines, cut)
    return cut


def _kept_whole(lines: list[str]) -> list[Chunk] | None:
    """A ``stable`` file of ``lines`` as one chunk, kept, when no line is long (nothing for
    black to do); else None."""
    if not lines or any(_long(line) for line in lines):
        return None
    return [Chunk(0, _last_line(Chunk(0, len(lines)), lines), kept=True)]


# Compound statements ``_pieces`` cuts into a header and members (an ``if`` without ``else``).
_COMPOUND = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.If)
# The body a header chunk is formatted with, then taken off black's output.
_STAND_IN = "    pass\n"


def _pieces(node: ast.stmt | None, chunk: Chunk, lines: list[str], out: list[Chunk]) -> None:
    """``chunk``, the lines of ``node`` in a ``formatted`` set's file, as chunks: itself, kept,
    when black would leave it as it is; else, for a compound statement, its header and the
    pieces of each member, so that black reads only the statements it changes (a method's
    signature, not the whole method); else itself, for black."""
    if _black_leaves(node, chunk, lines):
        out.append(dataclasses.replace(chunk, kept=True))
        return
    members = _members(node, chunk, lines) if isinstance(node, _COMPOUND) else None
    if members is None:
        out.append(chunk)
        return
    head = Chunk(chunk.start, members[0][1].start, chunk.indent)
    head = Chunk(head.start, _last_line(head, lines), head.indent)
    kept = not _long_code(lines, head.start, head.end)
    out.append(dataclasses.replace(head, kept=kept, header=not kept))
    for stmt, member in members:
        _pieces(stmt, member, lines, out)


def _members(
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef | ast.If,
    chunk: Chunk,
    lines: list[str],
) -> list[tuple[ast.stmt, Chunk]] | None:
    """Each statement of ``node``'s body with its chunk, or None when they cannot be cut out
    safely: an ``else``, a body on the header's line, a line less indented than its member (in
    a string)."""
    if (isinstance(node, ast.If) and node.orelse) or _on_header_line(node.body[0], lines):
        return None
    starts = [_first_line(stmt, lines) for stmt in node.body]
    members = []
    for stmt, start, nxt in zip(node.body, starts, [*starts[1:], chunk.end], strict=True):
        end = _end_of(stmt, nxt, lines)
        indent = stmt.col_offset
        if any(line.strip() and _indent_of(line) < indent for line in lines[start:end]):
            return None
        members.append((stmt, Chunk(start, end, indent)))
    return members


def _on_header_line(stmt: ast.stmt, lines: list[str]) -> bool:
    """Whether ``stmt`` starts on a line after something else (``class A: x = 1``)."""
    before = lines[stmt.lineno - 1].encode()[: stmt.col_offset]  # the offset counts bytes
    return bool(before.strip())


# A line black cannot change inside brackets it has already split one item a line: one string
# (or a dict entry of two), or one name (``X as X`` in an import), then the item's comma.
_STRING = r'"(?:[^"\\\n]|\\.)*"'
_ITEM = re.compile(rf"(?:{_STRING}(?:: {_STRING})?|{DOTTED_NAME}(?: as {DOTTED_NAME})?),")


def _black_leaves(node: ast.stmt | None, chunk: Chunk, lines: list[str]) -> bool:
    """Whether black leaves ``chunk`` (a ``formatted`` set's code) as it is: every line longer
    than the line length is one black never changes. Those are comments, the inner lines of a
    statement that is a string (a docstring), and the lines of one item each inside brackets
    (``_ITEM``): long names from a spec. ``tests/generate/test_black_stable.py`` checks it."""
    long = _long_code(lines, chunk.start, chunk.end)
    if not long:
        return True
    if node is None:  # lines before the first statement: only comments may be long
        return False
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    string = isinstance(node, ast.Expr) and _is_string(node.value)
    for number in long:
        line = lines[number]
        if not first < number < last:  # a statement's first and last lines hold its code
            return False
        stripped = line.strip()
        if string:
            if "\t" in line or line.rstrip("\n") != line.rstrip():  # black would rewrite these
                return False
        elif not _ITEM.fullmatch(stripped) or lines[number - 1].rstrip().endswith("\\"):
            return False
    return True


def _long_code(lines: list[str], start: int, end: int) -> list[int]:
    """The numbers of the lines from ``start`` to ``end`` longer than the line length, comments
    left out (black never changes one)."""
    return [n for n in range(start, end) if _long(lines[n]) and not _is_comment(lines[n])]


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _long(line: str) -> bool:
    return len(line.rstrip("\n")) > LINE_LENGTH


def _end_of(stmt: ast.stmt, limit: int, lines: list[str]) -> int:
    """The line after ``stmt`` and the comments that follow it, before ``limit``."""
    end = stmt.end_lineno or stmt.lineno
    while end < limit and lines[end].strip().startswith("#"):
        end += 1
    return end


def _is_block(node: ast.stmt) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))


def _first_line(node: ast.stmt, lines: list[str]) -> int:
    """0-based first line of ``node``: its decorators and the comments right above it."""
    decorators: Sequence[ast.expr] = getattr(node, "decorator_list", ())
    first = min([node.lineno, *(d.lineno for d in decorators)]) - 1
    while first > 0 and lines[first - 1].strip().startswith("#"):
        first -= 1
    return first


def _last_line(chunk: Chunk, lines: list[str]) -> int:
    """1-based number of the chunk's last non-blank line."""
    end = chunk.end
    while end > chunk.start and not lines[end - 1].strip():
        end -= 1
    return end


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _chunk_text(plan: _Plan, chunk: Chunk) -> str:
    text = "".join(plan.lines[chunk.start : chunk.end])
    if chunk.indent:  # a blank line (in a docstring, say) stays a line
        text = "".join(
            line[chunk.indent :] if line.strip() else line.lstrip(" ")
            for line in source_lines(text)
        )
    if chunk.header:
        text = text.rstrip("\n") + "\n" + _STAND_IN
    return text


def _result(chunk: Chunk, formatted: str) -> str:
    """black's output for ``chunk`` as it goes into the file: a header without its stand-in."""
    if not chunk.header:
        return formatted
    if not formatted.endswith("\n" + _STAND_IN):
        raise AssertionError(f"black moved the stand-in body of a header: {formatted!r}")
    return formatted.removesuffix(_STAND_IN)


def _black_key(text: str, indent: int) -> str:
    return digest("black", versions("black"), repr(mode()), str(indent), text)


def _run_black(
    pending: list[tuple[_Plan, int, str, int]],
    cache: Cache,
    workers: Workers,
    progress: Progress | None,
    parallel_min_chars: int,
) -> None:
    """Format the ``pending`` chunks, across processes when there is enough to do."""
    if not pending:
        return
    texts = [_chunk_text(plan, plan.chunks[index]) for plan, index, _, _ in pending]
    work = [(text, indent) for text, (_, _, _, indent) in zip(texts, pending, strict=True)]
    total = sum(len(text) for text in texts)
    results: list[str | BaseException]
    # Processes already started (to cut the files) cost only the messages: they take any
    # amount of work; starting them pays only for enough of it.
    if workers.count > 1 and len(work) > 1 and (workers.started or total >= parallel_min_chars):
        results = _in_processes(work, workers, progress)
    else:
        results = []
        for done, item in enumerate(work, 1):
            results.append(_black_or_error(item))
            if progress is not None:
                progress(done, len(work))
    for (plan, index, key, _), result in zip(pending, results, strict=True):
        if isinstance(result, BaseException):
            raise _unparsable(plan.name, "".join(plan.lines), str(result)) from None
        plan.results[index] = _result(plan.chunks[index], result)
        cache.put_text("black", key, result)


def _in_processes(
    work: list[tuple[str, int]], workers: Workers, progress: Progress | None
) -> list[str | BaseException]:
    """``_black_or_error`` over ``work`` in the worker processes, in batches of similar size
    (many small chunks would cost more in messages than in formatting)."""
    batches = _batches({i: len(text) for i, (text, _) in enumerate(work)}, workers.count * 8)
    results: list[str | BaseException] = [""] * len(work)
    futures = [workers.pool().submit(_black_batch, [work[i] for i in batch]) for batch in batches]
    done = 0
    for batch, future in zip(batches, futures, strict=True):
        for index, result in zip(batch, future.result(), strict=True):
            results[index] = result
        done += len(batch)
        if progress is not None:
            progress(done, len(work))
    return results


def _black_batch(items: list[tuple[str, int]]) -> list[str | BaseException]:
    return [_black_or_error(item) for item in items]


def _black_or_error(item: tuple[str, int]) -> str | BaseException:
    """black's output for one chunk, or the error saying why it does not parse."""
    import black

    text, indent = item
    chunk_mode = (
        mode() if not indent else dataclasses.replace(mode(), line_length=LINE_LENGTH - indent)
    )
    try:
        return black.format_str(text, mode=chunk_mode)
    except black.InvalidInput as exc:
        return ValueError(str(exc))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _joined(plan: _Plan) -> str:
    """The chunks' formatted text joined: as written between the members of a ``stable`` file,
    else two blank lines between top-level blocks (black's rule)."""
    parts: list[str] = []
    previous: Chunk | None = None
    for index, chunk in enumerate(plan.chunks):
        text = plan.results[index]
        if chunk.indent:
            pad = " " * chunk.indent
            text = "".join(pad + line if line.strip() else line for line in source_lines(text))
        if previous is not None:
            # the blank lines between (as written in a stable file, else black's two)
            parts.append("".join(plan.lines[previous.end : chunk.start]) if plan.stable else "\n\n")
        parts.append(text.rstrip("\n") + "\n")
        previous = chunk
    return "".join(parts)


def _unparsable(name: str, text: str, reason: str) -> SpecgenError:
    numbered = "\n".join(f"{n:4} {line}" for n, line in enumerate(text.splitlines(), 1))
    return SpecgenError.at(name, "", f"generated code does not parse ({reason}):\n{numbered}")
