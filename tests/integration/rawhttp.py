"""A tiny raw-socket HTTP/1.1 client used by the integration tests.

It never normalises or "fixes" what the server sends: it parses the status line,
headers and a body framed by Content-Length, chunked encoding or connection close,
and keeps the raw bytes so tests can assert on the exact wire format.
"""

from __future__ import annotations

import email.utils
import json as _json
import re
import socket
import time
from dataclasses import dataclass, field

IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)


class ProtocolError(AssertionError):
    """The server sent something that is not a valid HTTP/1.1 response."""


@dataclass
class Resp:
    version: str
    status: int
    reason: str
    headers: list[tuple[str, str]]  # names lower-cased, order and repeats kept
    body: bytes
    raw_head: bytes = b""
    framing: str = ""  # "content-length" | "chunked" | "close" | "none"
    trailers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        name = name.lower()
        vals = [v for k, v in self.headers if k == name]
        if not vals:
            return None
        assert len(vals) == 1, f"header {name!r} repeated: {vals!r}"
        return vals[0]

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def has(self, name: str) -> bool:
        return bool(self.header_all(name))

    def json(self):
        try:
            return _json.loads(self.body)
        except ValueError as e:  # pragma: no cover - failure path
            raise AssertionError(f"body is not JSON ({e}): {self.body[:500]!r}") from None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def connection_tokens(self) -> set[str]:
        toks: set[str] = set()
        for v in self.header_all("connection"):
            toks.update(t.strip().lower() for t in v.split(",") if t.strip())
        return toks

    def __repr__(self) -> str:  # short, useful in assertion messages
        return (
            f"<Resp {self.version} {self.status} {self.reason!r} headers={self.headers!r} "
            f"body={self.body[:300]!r}{'...' if len(self.body) > 300 else ''}>"
        )


class Conn:
    """One client TCP connection with a read buffer."""

    def __init__(self, host: str, port: int, timeout: float = 10.0):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    # -- io -----------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """Send, tolerating the server having closed/reset the connection already."""
        try:
            self.sock.sendall(data)
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False

    def _fill(self, deadline: float) -> bool:
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"timed out waiting for data; buffered so far: {self.buf[:300]!r}")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError(
                f"timed out waiting for data; buffered so far: {self.buf[:300]!r}"
            ) from None
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def _read_until(self, marker: bytes, deadline: float, limit: int = 1 << 20) -> bytes:
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[: i + len(marker)], self.buf[i + len(marker) :]
                return out
            if len(self.buf) > limit:
                raise ProtocolError(f"no {marker!r} within {limit} bytes")
            if not self._fill(deadline):
                raise ProtocolError(
                    f"connection closed before {marker!r}; got {self.buf[:300]!r}"
                )

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ProtocolError(
                    f"connection closed after {len(self.buf)} of {n} body bytes"
                )
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    # -- responses ----------------------------------------------------------
    def read_response(self, head: bool = False, timeout: float | None = None) -> Resp:
        """Read one response (a 1xx interim response is returned on its own).

        ``head=True`` means the request was HEAD: no body follows whatever the headers say.
        """
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        raw_head = self._read_until(b"\r\n\r\n", deadline, limit=256 * 1024)
        lines = raw_head[:-4].split(b"\r\n")
        m = re.match(rb"^HTTP/(\d)\.(\d) (\d{3})(?: (.*))?$", lines[0])
        if not m:
            raise ProtocolError(f"bad status line {lines[0]!r}")
        version = f"{m.group(1).decode()}.{m.group(2).decode()}"
        status = int(m.group(3))
        reason = (m.group(4) or b"").decode("latin-1")
        headers: list[tuple[str, str]] = []
        for line in lines[1:]:
            if b":" not in line or line[:1] in (b" ", b"\t"):
                raise ProtocolError(f"bad header line {line!r}")
            k, v = line.split(b":", 1)
            if k != k.strip() or not k:
                raise ProtocolError(f"bad header name {k!r}")
            headers.append((k.decode("latin-1").lower(), v.strip(b" \t").decode("latin-1")))
        resp = Resp(version, status, reason, headers, b"", raw_head)
        if head or 100 <= status < 200 or status in (204, 304):
            resp.framing = "none"
            return resp
        te = [v for k, v in headers if k == "transfer-encoding"]
        cl = [v for k, v in headers if k == "content-length"]
        if te:
            if cl:
                raise ProtocolError("response has both Transfer-Encoding and Content-Length")
            if te[-1].lower().split(",")[-1].strip() != "chunked":
                raise ProtocolError(f"unsupported response transfer-encoding {te!r}")
            resp.framing = "chunked"
            body = b""
            while True:
                size_line = self._read_until(b"\r\n", deadline)[:-2]
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    break
                body += self._read_exact(size, deadline)
                if self._read_exact(2, deadline) != b"\r\n":
                    raise ProtocolError("chunk not followed by CRLF")
            while True:
                tl = self._read_until(b"\r\n", deadline)[:-2]
                if not tl:
                    break
                k, v = tl.split(b":", 1)
                resp.trailers.append((k.decode().lower(), v.strip().decode()))
            resp.body = body
        elif cl:
            if len(set(cl)) != 1:
                raise ProtocolError(f"conflicting content-length {cl!r}")
            if not re.fullmatch(r"\d+", cl[0]):
                raise ProtocolError(f"bad content-length {cl[0]!r}")
            resp.framing = "content-length"
            resp.body = self._read_exact(int(cl[0]), deadline)
        else:
            resp.framing = "close"
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def read_final_response(self, head: bool = False, timeout: float | None = None) -> Resp:
        """Read responses, skipping 1xx interim ones."""
        while True:
            r = self.read_response(head=head, timeout=timeout)
            if not 100 <= r.status < 200:
                return r

    def request(self, method: str, path: str, body: bytes = b"", headers=None,
                version: str = "1.1", timeout: float | None = None) -> Resp:
        self.send(build_request(method, path, body, headers, version))
        return self.read_final_response(head=(method == "HEAD"), timeout=timeout)

    def wait_closed(self, timeout: float) -> tuple[bool, bytes]:
        """Wait up to ``timeout`` s for the server to close.

        Returns (closed, extra_bytes_received). A reset counts as closed.
        """
        deadline = time.monotonic() + timeout
        extra = b""
        if self.buf:
            extra, self.buf = self.buf, b""
        while not self.eof:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False, extra
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False, extra
            except ConnectionResetError:
                self.eof = True
                break
            if not chunk:
                self.eof = True
                break
            extra += chunk
        return True, extra

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def build_request(method: str, path: str, body: bytes = b"", headers=None,
                  version: str = "1.1") -> bytes:
    """Build a request. Adds Host (1.1) and Content-Length (when a body is given and
    neither Content-Length nor Transfer-Encoding was passed)."""
    hdrs = list(headers.items() if isinstance(headers, dict) else (headers or []))
    names = {k.lower() for k, _ in hdrs}
    if version == "1.1" and "host" not in names:
        hdrs.insert(0, ("Host", "localhost"))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        hdrs.append(("Content-Length", str(len(body))))
    out = f"{method} {path} HTTP/{version}\r\n".encode("latin-1")
    for k, v in hdrs:
        out += f"{k}: {v}\r\n".encode("latin-1")
    return out + b"\r\n" + body


def check_common(resp: Resp, *, head: bool = False, expected_len: int | None = None) -> None:
    """Headers every response of the server must carry."""
    assert resp.header("server") == "fasterapi", f"Server header: {resp!r}"
    date = resp.header("date")
    assert date is not None, f"no Date header: {resp!r}"
    assert IMF_FIXDATE.match(date), f"Date not IMF-fixdate: {date!r}"
    parsed = email.utils.parsedate_to_datetime(date)
    assert abs(parsed.timestamp() - time.time()) < 600, f"Date far from now: {date!r}"
    if resp.status < 200 or resp.status == 204:
        assert not resp.has("content-length"), f"Content-Length on {resp.status}: {resp!r}"
        return
    if resp.has("transfer-encoding"):
        # Streamed bodies of unknown length: chunked, and never with a Content-Length.
        assert resp.header("transfer-encoding") == "chunked", f"Transfer-Encoding: {resp!r}"
        assert not resp.has("content-length"), f"both framings: {resp!r}"
        assert resp.version == "1.1", f"chunked to an HTTP/1.0 client: {resp!r}"
        return
    cl = resp.header("content-length")
    assert cl is not None, f"no Content-Length: {resp!r}"
    if head:
        if expected_len is not None:
            assert int(cl) == expected_len, f"HEAD Content-Length {cl} != {expected_len}"
    else:
        assert int(cl) == len(resp.body), f"Content-Length {cl} != body length {len(resp.body)}"
