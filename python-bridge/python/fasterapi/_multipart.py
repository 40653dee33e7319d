"""A ``multipart/form-data`` parser (RFC 7578 over RFC 2046) for a body already in memory.

The server has read the whole body before the handler runs, so this parser does not stream:
it walks the body with ``bytes.find`` (C speed), slicing each part out once. It answers as
Starlette's parser (python-multipart) does for everything a real client sends -- the same
field names and values, file names, ``Content-Type``s, charset handling and error messages --
and is stricter or more lenient only where RFC 2046 says so:

- a preamble before the first boundary and an epilogue after the last are ignored;
- whitespace ("transport padding") may follow a boundary before its CRLF;
- lines end with CRLF: a bare LF is not a line end, so a body using LF alone is malformed;
- a body that ends before its close delimiter (``--boundary--``) is malformed, instead of
  silently dropping the unfinished part;
- ``filename*=UTF-8''...`` (RFC 5987, which RFC 7578 forbids but some clients send) names
  the file when there is no plain ``filename``; with both, ``filename`` wins, as in
  python-multipart.

Every malformed body raises :class:`MultiPartException` (400) with a short message; a text
field or file over its size limit raises it with status 413. Nothing else escapes: a
hostile body can cost at most one pass over its bytes.
"""

from __future__ import annotations

import codecs
import re
from tempfile import SpooledTemporaryFile
from urllib.parse import unquote

from fasterapi._form_limits import SPOOL_MAX_SIZE, FormLimits
from fasterapi.datastructures import FormData, Headers, UploadFile

INVALID = "Invalid multipart data."


class MultiPartException(Exception):
    """A form body that cannot be accepted: ``status_code`` 400 (malformed, too many parts)
    or 413 (a part over its size limit), ``message`` says why (Starlette's wording)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


# A header field name is an RFC 9110 token.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_PADDING = b" \t"


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """``'form-data; name="a;b"; filename=x'`` -> ``("form-data", {"name": "a;b", "filename": "x"})``.

    Parameter names are lower-cased; a quoted value may hold ``;`` and the escapes ``\\"``
    and ``\\\\``. Extended parameters (``name*=``) are kept under their starred name.
    """
    segments = _split_params(value)
    main = segments[0].strip(" \t").lower()
    options: dict[str, str] = {}
    for segment in segments[1:]:
        key, eq, val = segment.partition("=")
        key = key.strip(" \t").lower()
        if not key:
            continue
        val = val.strip(" \t")
        if len(val) >= 2 and val[0] == val[-1] == '"':
            val = val[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        options[key] = val
    return main, options


def _split_params(value: str) -> list[str]:
    """Split at ``;`` outside double quotes (a backslash escapes the next character inside)."""
    if '"' not in value:
        return value.split(";")
    parts: list[str] = []
    start = 0
    quoted = False
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == '"':
                quoted = False
        elif c == '"':
            quoted = True
        elif c == ";":
            parts.append(value[start:i])
            start = i + 1
        i += 1
    parts.append(value[start:])
    return parts


def _decode(raw: str, charset: str) -> str:
    """A name from a header (read as latin-1) in the form's charset; latin-1 if it is not
    valid in it (Starlette's ``_user_safe_decode``)."""
    if raw.isascii():
        return raw
    data = raw.encode("latin-1")
    try:
        return data.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw


def _extended_value(value: str) -> str | None:
    """RFC 5987 ``charset'language'percent-encoded``; ``None`` if it is not one."""
    charset, sep, rest = value.partition("'")
    if not sep:
        return None
    _language, sep, encoded = rest.partition("'")
    if not sep:
        return None
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        return None
    return unquote(encoded, encoding=codec, errors="replace")


def _filename(options: dict[str, str], charset: str) -> str | None:
    if "filename" in options:
        name = _decode(options["filename"], charset)
    elif "filename*" in options:
        name = _extended_value(options["filename*"])
        if name is None:
            return None
    else:
        return None
    # Old browsers (IE) send the whole client path: keep only its last component.
    if name[1:3] == ":\\" or name[:2] == "\\\\":
        name = name.split("\\")[-1]
    return name


def _charset(options: dict[str, str]) -> str:
    try:
        return codecs.lookup(options.get("charset", "utf-8")).name
    except LookupError:
        return "latin-1"


def _parse_headers(block: bytes) -> list[tuple[str, str]]:
    """The headers of one part: ``[(lower-case name, value)]``, values read as latin-1."""
    headers = []
    for line in block.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon or _TOKEN.fullmatch(name) is None or b"\r" in value or b"\n" in value:
            # Also refuses folded (obsolete) continuation lines, which start with whitespace.
            raise MultiPartException(INVALID)
        headers.append((name.decode("latin-1").lower(), value.strip(b" \t").decode("latin-1")))
    return headers


class _Body:
    """The body and its boundary, with the one search the parser needs."""

    __slots__ = ("data", "dash_boundary", "delimiter")

    def __init__(self, data: bytes, boundary: bytes) -> None:
        self.data = data
        self.dash_boundary = b"--" + boundary
        self.delimiter = b"\r\n--" + boundary

    def boundary_end(self, at: int) -> tuple[int, bool] | None:
        """If a boundary line that starts at ``at`` (just after ``--boundary``) is complete,
        where its next part starts and whether it was the close delimiter; else ``None``."""
        data = self.data
        if data.startswith(b"--", at):
            return at + 2, True
        end = at
        while end < len(data) and data[end] in _PADDING:
            end += 1
        if data.startswith(b"\r\n", end):
            return end + 2, False
        return None

    def next_delimiter(self, start: int) -> tuple[int, int, bool] | None:
        """The first real delimiter at or after ``start``: ``(where it starts, where the next
        part starts, closing?)``. ``\\r\\n--boundaryX...`` not followed by ``--`` or a line end
        is part data, as in python-multipart."""
        data = self.data
        delimiter = self.delimiter
        while True:
            found = data.find(delimiter, start)
            if found < 0:
                return None
            end = self.boundary_end(found + len(delimiter))
            if end is not None:
                return found, end[0], end[1]
            start = found + 1


def parse_multipart(body: bytes, content_type: str, limits: FormLimits) -> FormData:
    """The form in ``body``; ``content_type`` is the request's whole ``Content-Type`` value."""
    _, options = parse_options_header(content_type)
    if "boundary" not in options:
        raise MultiPartException("Missing boundary in multipart.")
    boundary = options["boundary"].encode("latin-1", errors="replace")
    if not boundary:
        raise MultiPartException(INVALID)
    charset = _charset(options)
    items: list = []
    try:
        _parse_parts(_Body(body, boundary), charset, limits, items)
    except BaseException:
        FormData(items).close_files()
        raise
    return FormData(items)


def _parse_parts(body: _Body, charset: str, limits: FormLimits, items: list) -> None:
    data = body.data
    if not data:
        return  # an empty body is an empty form (python-multipart agrees)
    # The first boundary: at the very start, or after a preamble that ends with CRLF.
    if data.startswith(body.dash_boundary):
        first = body.boundary_end(len(body.dash_boundary))
        if first is None:  # "--boundaryX": a boundary line that is not one
            raise MultiPartException(INVALID)
        pos, closed = first
    else:
        found = body.next_delimiter(0)
        if found is None:
            raise MultiPartException(INVALID)
        _, pos, closed = found
    fields = files = 0
    while not closed:
        # Headers, up to the empty line (none at all: the empty line comes first).
        if data.startswith(b"\r\n", pos):
            raw_headers: list[tuple[str, str]] = []
            content_start = pos + 2
        else:
            end_of_headers = data.find(b"\r\n\r\n", pos)
            if end_of_headers < 0:
                raise MultiPartException(INVALID)
            raw_headers = _parse_headers(data[pos:end_of_headers])
            content_start = end_of_headers + 4

        disposition = next((value for name, value in raw_headers if name == "content-disposition"), "")
        _, disposition_options = parse_options_header(disposition)
        if "name" not in disposition_options:
            raise MultiPartException('The Content-Disposition header field "name" must be provided.')
        name = _decode(disposition_options["name"], charset)
        filename = _filename(disposition_options, charset)
        if filename is None:
            fields += 1
            if fields > limits.max_fields:
                raise MultiPartException(f"Too many fields. Maximum number of fields is {limits.max_fields}.")
            size_limit, what = limits.max_part_size, "Part"
        else:
            files += 1
            if files > limits.max_files:
                raise MultiPartException(f"Too many files. Maximum number of files is {limits.max_files}.")
            size_limit, what = limits.max_file_size, "File"

        found = body.next_delimiter(content_start)
        content_end = found[0] if found is not None else len(data)
        if size_limit is not None and content_end - content_start > size_limit:
            # Checked before the missing delimiter, as a streaming parser would notice it first.
            raise MultiPartException(f"{what} exceeded maximum size of {int(size_limit / 1024)}KB.", 413)
        if found is None:
            raise MultiPartException(INVALID)
        _, pos, closed = found

        if filename is None:
            items.append((name, _decode_value(data[content_start:content_end], charset)))
        else:
            items.append((name, _upload(data, content_start, content_end, filename, raw_headers)))


def _decode_value(raw: bytes, charset: str) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")


def _upload(data: bytes, start: int, end: int, filename: str, headers: list[tuple[str, str]]) -> UploadFile:
    size = end - start
    spooled = SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)
    try:
        if size > SPOOL_MAX_SIZE:
            spooled.rollover()  # straight to disk, without a detour through memory
        if size:
            spooled.write(memoryview(data)[start:end])
            spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    return UploadFile(spooled, size=size, filename=filename, headers=Headers(headers))
