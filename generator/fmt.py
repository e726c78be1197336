"""The format stage: isort and black, in memory, a chunk at a time, cached and in parallel.

black's cost grows with the text it reads, and a large API's modules are megabytes. So each
Python file is cut into chunks at its top-level statements (a large class of a ``formatted`` set
also at its members), each chunk is formatted on its own, the results are cached by their exact
text (``generator.cache``) and, when there is much to do, computed across processes.

Chunks are joined as black joins top-level blocks (two blank lines between them), so a file
formatted in chunks equals the file formatted whole; tests check it on real specs.

A template set whose manifest says ``formatted: true`` writes black's style itself: its chunks
go through black only when one of their lines is longer than the line length (a long name from a
spec); the tests check that black would change nothing in the others.

Code black cannot parse is reported in full, with line numbers.
"""

from __future__ import annotations

import ast
import dataclasses
import os
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from multiprocessing import get_context
from typing import Any

from generator.cache import Cache, digest, stage_key, versions
from generator.errors import SpecgenError
from generator.pytext import source_lines

LINE_LENGTH = 100
# Imports are wrapped where ruff's default (88) wraps them, so that its import-order check on a
# generated package agrees; black keeps a wrapped import wrapped (its trailing comma).
IMPORT_LINE_LENGTH = 88
# Below this much text to format, worker processes cost more than they save.
PARALLEL_MIN_CHARS = 400_000
# A class of a ``formatted`` set larger than this is formatted a member at a time.
SPLIT_CLASS_CHARS = 20_000

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)


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
    """Lines ``start``..``end`` (0-based, end exclusive) of a file, indented by ``indent``."""

    start: int
    end: int
    indent: int = 0


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
) -> dict[str, str]:
    """Format the Python files (``python``, or every ``.py`` file when it is None); other files
    pass through unchanged. ``stable`` names files written in black's style already. Chunks
    are formatted in up to ``jobs`` processes (default: one per CPU) when black has at least
    ``parallel_min_chars`` to read.

    With a ``cache``, a whole file formatted before is read back without being parsed again;
    ``volatile`` is a token many files hold that changes with any edit of the spec (its hash
    in each module's docstring): files are looked up with it masked (``_Masked``), so after a
    small edit only the files that really changed are formatted."""
    cache = cache if cache is not None else Cache(None)
    is_python = (lambda n: n in python) if python is not None else (lambda n: n.endswith(".py"))
    masked = {name: _Masked(text, volatile) for name, text in files.items() if is_python(name)}
    keys = {}
    if cache.root is not None:  # without a cache, nothing to look up or store
        keys = {name: _file_key(m.hidden, name in stable) for name, m in masked.items()}
    found = _cached_files(keys, cache)
    missing = {name: files[name] for name in masked if name not in found}
    formatted = _format_chunked(missing, stable, cache, jobs, progress, parallel_min_chars)
    for name, text in formatted.items():
        if name in keys and masked[name].kept(text):
            cache.put_text("format-file", keys[name], masked[name].hide(text))
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
) -> dict[str, str]:
    """``files`` (all Python) formatted a chunk at a time, chunks read from the cache."""
    plans = [_plan(name, text, name in stable, cache) for name, text in files.items()]
    pending: list[tuple[_Plan, int, str, int]] = []  # plan, chunk index, key, indent
    for plan in plans:
        for index, chunk in enumerate(plan.chunks):
            text = _chunk_text(plan, chunk)
            if plan.stable and not _has_long_line(plan, chunk):
                plan.results[index] = text
                continue
            key = _black_key(text, chunk.indent)
            cached = cache.get_text("black", key)
            if cached is not None:
                plan.results[index] = cached
            else:
                pending.append((plan, index, key, chunk.indent))
    _run_black(pending, cache, jobs, progress, parallel_min_chars)
    return {plan.name: _joined(plan) for plan in plans}


def _file_key(text: str, stable: bool) -> str:
    """The key of one whole file's formatted text. The mode and line lengths are this module's
    constants: specgen's fingerprint is in the key."""
    return stage_key("format-file", ("black", "isort"), str(stable), text)


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
    large class further at its members; separators are kept as written there."""
    if not lines:
        return []
    starts = [_first_line(node, lines) for node in tree.body if stable or _is_block(node)]
    bounds = sorted({0, *starts} - {len(lines)})
    chunks = [
        Chunk(start, _last_line(Chunk(start, end), lines))
        for start, end in zip(bounds, [*bounds[1:], len(lines)], strict=True)
    ]
    chunks = [c for c in chunks if c.end > c.start]
    if not stable:
        return chunks
    classes = {
        _first_line(node, lines): node for node in tree.body if isinstance(node, ast.ClassDef)
    }
    cut: list[Chunk] = []
    for chunk in chunks:
        node = classes.get(chunk.start)
        size = sum(len(line) for line in lines[chunk.start : chunk.end])
        if node is None or size < SPLIT_CLASS_CHARS or node.end_lineno != chunk.end:
            cut.append(chunk)
            continue
        cut.extend(_members(node, chunk, lines))
    return cut


def _members(node: ast.ClassDef, chunk: Chunk, lines: list[str]) -> list[Chunk]:
    """The class header and each statement of a class body as chunks, or the whole class when
    a member cannot be cut out safely (a line of a string less indented than the member)."""
    members = [(_first_line(stmt, lines), stmt) for stmt in node.body]
    head = Chunk(chunk.start, members[0][0])
    if any(len(line.rstrip("\n")) > LINE_LENGTH for line in lines[head.start : head.end]):
        return [chunk]  # the class statement itself needs black: it cannot be cut out alone
    parts = [head]
    for (start, stmt), (nxt, _) in zip(members, [*members[1:], (chunk.end, None)], strict=True):
        end = _end_of(stmt, nxt, lines)
        indent = stmt.col_offset
        body = lines[start:end]
        if any(line.strip() and _indent_of(line) < indent for line in body):
            return [chunk]
        parts.append(Chunk(start, end, indent))
    return parts


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
    return text


def _has_long_line(plan: _Plan, chunk: Chunk) -> bool:
    return any(len(line.rstrip("\n")) > LINE_LENGTH for line in plan.lines[chunk.start : chunk.end])


def _black_key(text: str, indent: int) -> str:
    return digest("black", versions("black"), repr(mode()), str(indent), text)


def _run_black(
    pending: list[tuple[_Plan, int, str, int]],
    cache: Cache,
    jobs: int | None,
    progress: Progress | None,
    parallel_min_chars: int,
) -> None:
    """Format the ``pending`` chunks, across processes when there is enough to do."""
    if not pending:
        return
    texts = [_chunk_text(plan, plan.chunks[index]) for plan, index, _, _ in pending]
    work = [(text, indent) for text, (_, _, _, indent) in zip(texts, pending, strict=True)]
    total = sum(len(text) for text in texts)
    workers = min(jobs or _cpus(), len(work))
    results: list[str | BaseException]
    if workers > 1 and total >= parallel_min_chars:
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
        plan.results[index] = result
        cache.put_text("black", key, result)


def _in_processes(
    work: list[tuple[str, int]], workers: int, progress: Progress | None
) -> list[str | BaseException]:
    """``_black_or_error`` over ``work`` in ``workers`` processes, in batches of similar size
    (many small chunks would cost more in messages than in formatting), the largest first so
    that no process is left with a long one at the end."""
    order = sorted(range(len(work)), key=lambda i: -len(work[i][0]))
    batches: list[list[int]] = [[]]
    size, target = 0, max(sum(len(t) for t, _ in work) // (workers * 8), 1)
    for index in order:
        if size >= target:
            batches.append([])
            size = 0
        batches[-1].append(index)
        size += len(work[index][0])
    results: list[str | BaseException] = [""] * len(work)
    # Fresh worker processes, not forks: a fork of a process holding a large spec's IR and
    # rendered text would hold (and count for) all of it again, to run black on a few chunks.
    context = get_context("spawn")
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_black_batch, [work[i] for i in batch]) for batch in batches]
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
