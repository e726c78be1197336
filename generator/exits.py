"""The exit statuses every ``specgen`` command shares (``specgen --help``, README "Exit status").

A script or CI job can tell "the check found something" from "the command could not run".
"""

from __future__ import annotations

OK = 0
#: The command ran and found something: an invalid spec (``validate``), drift or a recording
#: that no longer fits (``check``), a change of the ``--fail-on`` kind (``diff``, ``update``).
FOUND = 1
#: The command could not do what was asked: bad usage (an unknown option, command or API, a
#: missing file or folder), an input it cannot use, or an operating-system error.
BAD_INPUT = 2
#: Interrupted (Ctrl-C, SIGINT): the shell's 128 + signal number. Every package and spec is
#: written whole or not at all, so nothing is left half-written.
INTERRUPTED = 130
INTERRUPTED_LINE = "error: interrupted; nothing was left half-written"
#: What a shell reports for a process its pipe's reader left (128 + SIGPIPE): ``specgen bundle
#: API | head`` stops quietly once ``head`` has read enough.
BROKEN_PIPE = 141


def epilog(found: str | None = None, unable: str | None = None) -> str:
    """The exit statuses for a command's help; ``found`` says what exits 1 for it (None: never),
    ``unable`` what else exits 2 for it besides bad usage and bad input.

    The leading ``\\b`` keeps click from rewrapping the lines.
    """
    lines = ["\b", "Exit status:", "  0    fine"]
    if found is not None:
        lines.append(f"  1    {found}")
    if unable is not None:
        lines.append(f"  2    {unable}; or")
    lines += [
        f"  {' ' if unable else '2'}    bad usage or bad input (an unknown option or API, a "
        "missing file, an unusable",
        "       spec, a file or folder that cannot be read or written)",
        "  130  interrupted (Ctrl-C); nothing is left half-written",
    ]
    return "\n".join(lines)


#: The group's help: what exits 1 for any command.
EPILOG = epilog("the check found something (an invalid spec, drift, a breaking change)")
