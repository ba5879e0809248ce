"""Find the report XML in files, directories, gzip and zip archives and mail messages.

Everything here is hostile input: a ``.gz`` or ``.zip`` of a kilobyte may inflate to
gigabytes, a zip may list a million members, a message may be anything. So inflation is
streamed in small pieces and counted (per report and per archive), a zip's member count is read
from its end-of-central-directory record *before* :mod:`zipfile` builds its member table, and
messages are read only up to a size. Nothing is held whole except one mail message at a time.

A source that cannot be read becomes a :class:`Rejected` with its name and the reason; its
neighbours are still read.
"""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import BinaryIO, Protocol

from sendlanes.reports.walk import input_files

MIB = 1024 * 1024
CHUNK = 256 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_MAX_ZIP_DIRECTORY = 1024 * 1024  # 100 members with long names need a few KiB
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_REPORT_SUFFIXES = (".xml", ".gz", ".zip", ".gzip")
_REPORT_TYPES = frozenset(
    {
        "application/zip",
        "application/x-zip-compressed",
        "application/gzip",
        "application/x-gzip",
        "application/xml",
        "text/xml",
    }
)


class ContainerError(Exception):
    """A file, archive or message that cannot be read; one line, for a person."""


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    """What one input may cost. Real reports are kilobytes to a few megabytes."""

    report_bytes: int = 64 * MIB  # inflated XML of one report
    archive_bytes: int = 256 * MIB  # inflated bytes of all reports in one archive or message
    zip_members: int = 100
    message_bytes: int = 64 * MIB  # one mail message, attachments encoded


@dataclass(frozen=True)
class XmlSource:
    """One report's XML: ``chunks`` yields it, raising :class:`ContainerError` on the way."""

    name: str
    chunks: Iterator[bytes]


@dataclass(frozen=True)
class Rejected:
    name: str
    error: str


Source = XmlSource | Rejected


@dataclass
class _Budget:
    """Inflated bytes left for one archive or message (shared by its members)."""

    left: int
    spent: int = field(default=0)

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise ContainerError("the archive or message inflates to more than its limit")


def _cap(chunks: Iterator[bytes], limit: int, budget: _Budget) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise ContainerError(f"the report is larger than {limit // MIB} MiB inflated")
        budget.spend(len(chunk))
        yield chunk


def _stream(handle: _Readable) -> Iterator[bytes]:
    try:
        while chunk := handle.read(CHUNK):
            yield chunk
    finally:
        handle.close()


def _gunzip(handle: _Readable) -> Iterator[bytes]:
    """Inflate a (possibly multi-member) gzip stream in pieces of at most CHUNK bytes."""
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            while data := handle.read(CHUNK):
                while data:
                    out = inflater.decompress(data, CHUNK)
                    if out:
                        yield out
                    if inflater.eof:
                        data = inflater.unused_data
                        if not data:
                            break
                        if not data.startswith(_GZIP_MAGIC):
                            return  # trailing garbage after the last member, as gzip(1) allows
                        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next member
                    else:
                        data = inflater.unconsumed_tail
        except zlib.error as error:
            raise ContainerError(f"corrupt gzip data ({error})") from None
        if not inflater.eof:
            raise ContainerError("truncated gzip data")
    finally:
        handle.close()


def _zip_member_count(handle: BinaryIO) -> int:
    """Members a zip declares in its end-of-central-directory record (APPNOTE 4.3.16).

    :mod:`zipfile` reads the central directory by its size, not its count: a directory far
    larger than the count allows is refused too.
    """
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_start = max(0, size - (22 + 65535))
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise ContainerError("not a zip archive (no end-of-central-directory record)")
    entries, directory_size = struct.unpack_from("<HI", tail, at + 10)
    if directory_size > _MAX_ZIP_DIRECTORY:
        raise ContainerError(f"zip central directory of {directory_size} bytes (limit 1 MiB)")
    handle.seek(0)
    return int(entries)  # 0xFFFF means ZIP64: more than any limit here


def _sniff(head: bytes) -> str:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    if stripped.startswith(b"<"):
        return "xml"
    if head.startswith(b"From "):
        return "mbox"
    if _HEADER_LINE.match(head):
        return "message"
    return "unknown"


class SourceReader:
    """Turns input paths into report sources, applying :class:`Limits`."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()

    # -- files and directories --------------------------------------------------------------
    def read_paths(self, paths: Sequence[Path]) -> Iterator[Source]:
        for path, maildir in input_files(paths):
            yield from self.read_file(path, maildir=maildir)

    def read_file(self, path: Path, *, maildir: bool = False) -> Iterator[Source]:
        """Every report in one file (an archive, a message, an mbox, or plain XML)."""
        return self._file(path, maildir=maildir)

    def _file(self, path: Path, *, maildir: bool = False) -> Iterator[Source]:
        name = str(path)
        try:
            handle = path.open("rb")
        except OSError as error:
            yield Rejected(name, f"cannot read ({error.strerror})")
            return
        try:
            head = handle.read(512)
            handle.seek(0)
            kind = "message" if maildir and _sniff(head) != "mbox" else _sniff(head)
            if kind == "mbox":
                yield from self._mbox(handle, name)
            elif kind == "message":
                yield from self._message_from(handle, name)
            elif kind == "unknown":
                handle.close()
                yield Rejected(name, "not a report: neither XML, gzip, zip nor a mail message")
            else:
                budget = _Budget(self.limits.archive_bytes)
                yield from self._decoded(handle, name, kind, budget, nested=False)
        except (ContainerError, OSError) as error:
            handle.close()
            yield Rejected(name, _reason(error))

    # -- archives ---------------------------------------------------------------------------
    def _decoded(
        self, handle: _Readable, name: str, kind: str, budget: _Budget, *, nested: bool
    ) -> Iterator[Source]:
        limit = self.limits.report_bytes
        if kind == "xml":
            yield XmlSource(name, _cap(_stream(handle), limit, budget))
        elif kind == "gzip":
            yield XmlSource(name, _cap(_gunzip(handle), limit, budget))
        elif kind == "zip" and not nested and isinstance(handle, (io.BufferedReader, io.BytesIO)):
            yield from self._zip(handle, name, budget)
        else:
            handle.close()
            what = "an archive inside an archive" if kind == "zip" else "neither XML, gzip nor zip"
            yield Rejected(name, f"not a report: {what}")

    def _zip(self, handle: BinaryIO, name: str, budget: _Budget) -> Iterator[Source]:
        # A zip must be seekable: a file on disk or an attachment already in memory.
        with handle:
            try:
                count = _zip_member_count(handle)
                if count > self.limits.zip_members:
                    raise ContainerError(
                        f"zip lists {count} members (limit {self.limits.zip_members})"
                    )
                archive = zipfile.ZipFile(handle)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
                raise ContainerError(f"not a readable zip archive ({error})") from None
            with archive:
                for info in archive.infolist()[: self.limits.zip_members]:
                    if info.is_dir():
                        continue
                    member = f"{name}: {info.filename}"
                    if info.flag_bits & 0x1:
                        yield Rejected(member, "encrypted zip member")
                        continue
                    stream = _ZipMember(archive, info)
                    try:
                        kind = _sniff(stream.head())
                    except ContainerError as error:
                        yield Rejected(member, str(error))
                        continue
                    # Consumed before the next member is opened: a ZipFile reads one at a time.
                    yield from self._decoded(stream, member, kind, budget, nested=True)

    # -- mail -------------------------------------------------------------------------------
    def _mbox(self, handle: BinaryIO, name: str) -> Iterator[Source]:
        limit = self.limits.message_bytes
        with handle:
            number = 0
            lines: list[bytes] = []
            size = 0
            oversized = False
            previous_blank = True
            while True:
                line = handle.readline(MIB)
                if not line or (line.startswith(b"From ") and previous_blank):
                    if number and oversized:
                        yield Rejected(
                            f"{name}: message {number}", f"larger than {limit // MIB} MiB"
                        )
                    elif number:
                        yield from self._message(b"".join(lines), f"{name}: message {number}")
                    if not line:
                        return
                    number += 1
                    lines, size, oversized = [], 0, False
                    previous_blank = False
                    continue
                previous_blank = line in (b"\n", b"\r\n")
                if oversized:
                    continue
                size += len(line)
                if size > limit:
                    oversized, lines = True, []
                else:
                    lines.append(line[1:] if line.startswith(b">From ") else line)

    def _message_from(self, handle: BinaryIO, name: str) -> Iterator[Source]:
        limit = self.limits.message_bytes
        with handle:
            raw = handle.read(limit + 1)
        if len(raw) > limit:
            raise ContainerError(f"message larger than {limit // MIB} MiB")
        yield from self._message(raw, name)

    def _message(self, raw: bytes, name: str) -> Iterator[Source]:
        message = email.parser.BytesParser(policy=email.policy.compat32).parsebytes(raw)
        budget = _Budget(self.limits.archive_bytes)
        found = False
        for part in message.walk():
            if part.is_multipart() or not _is_report_part(part):
                continue
            found = True
            label = part.get_filename() or part.get_content_type()
            member = f"{name}: attachment {label}"
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes) or not payload:
                yield Rejected(member, "empty attachment")
                continue
            kind = _sniff(payload[:512])
            yield from self._decoded(io.BytesIO(payload), member, kind, budget, nested=False)
        if not found:
            yield Rejected(name, "message has no report attachment (.xml, .gz or .zip)")


class _ZipMember:
    """A zip member as a stream whose read errors are :class:`ContainerError`."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._info = info
        self._opened: BinaryIO | None = None
        self._head = b""

    def head(self) -> bytes:
        """The first bytes (for sniffing); ``read`` returns them again."""
        self._head = self.read(512)
        return self._head

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        try:
            if self._opened is None:
                self._opened = self._archive.open(self._info)  # type: ignore[assignment]
            assert self._opened is not None
            return self._opened.read(size)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as error:
            raise ContainerError(f"corrupt or unsupported zip member ({error})") from None
        except OSError as error:
            raise ContainerError(f"unreadable zip member ({error})") from None

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()


def _is_report_part(part: Message) -> bool:
    filename = (part.get_filename() or "").lower()
    return filename.endswith(_REPORT_SUFFIXES) or part.get_content_type() in _REPORT_TYPES


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return f"cannot read ({error.strerror or error})"
    return str(error)
