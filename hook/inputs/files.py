"""Reading an input file safely: regular files only, with a size cap checked before reading.

A symlink loop, a dangling symlink, a FIFO (which blocks a reader forever), a device
(``/dev/zero`` never ends) or a directory is named in one line instead of a traceback or a hang.
The cap is CloudFormation's own: a template body is at most 51,200 bytes inline (``--template-body``)
and 1 MB from an S3 URL (``--template-url``); a bigger file is not a template CloudFormation would
accept, so it is refused before a byte is parsed.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import errno
import os
import stat

from hook.core.errors import TemplateError

__all__ = ["INLINE_LIMIT", "S3_LIMIT", "check_regular_file", "read_text_file", "too_big"]

#: CloudFormation's limit on a template body passed inline (CreateStack TemplateBody), in bytes.
INLINE_LIMIT = 51_200
#: CloudFormation's limit on a template body read from Amazon S3 (TemplateURL): 1 MB.
S3_LIMIT = 1_048_576


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_regular_file(path: str) -> str | None:
    """Why ``path`` cannot be read as an input file, or None when it is a regular file."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop (too many levels of symbolic links)"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return f"a dangling symlink (to {os.readlink(path)}, which does not exist)"
        return exc.strerror or str(exc)
    if not stat.S_ISREG(st.st_mode):
        return f"{_kind(st.st_mode)}, not a regular file"
    return None


def too_big(size: int, limit: int = S3_LIMIT) -> str:
    """Why a file of ``size`` bytes is refused."""
    return (f"{size:,} bytes: CloudFormation accepts a template of at most {S3_LIMIT:,} bytes (1 MB) from "
            f"S3 and {INLINE_LIMIT:,} bytes inline, so this file was not read"
            if limit == S3_LIMIT else f"{size:,} bytes: larger than the {limit:,} bytes this input may have")


def read_text_file(path: str, what: str = "template", limit: int = S3_LIMIT) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes; anything else is a
    :class:`TemplateError` naming the file and why, before more than ``limit`` bytes are read."""
    why = check_regular_file(path)
    if why is not None:
        raise TemplateError(f"cannot read {what}: {why}", path)
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open does not block.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise TemplateError(f"cannot read {what}: {exc.strerror or exc}", path) from exc
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise TemplateError(f"cannot read {what}: {_kind(st.st_mode)}, not a regular file", path)
        if st.st_size > limit:
            raise TemplateError(f"cannot read {what}: {too_big(st.st_size, limit)}", path)
        data = fh.read(limit + 1)
    if len(data) > limit:  # grew between fstat and read
        raise TemplateError(f"cannot read {what}: {too_big(len(data), limit)}", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TemplateError(f"cannot read {what}: not UTF-8 text (byte 0x{data[exc.start]:02x})", path, line) from exc
    # Universal newlines, as text-mode open() reads them (line numbers count "\r\n" once).
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
