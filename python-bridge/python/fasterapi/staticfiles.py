"""``StaticFiles``: a directory served under a mount, with Starlette's behaviour.

``app.mount("/static", StaticFiles(directory="static"), name="static")``. A file is answered
with a ``FileResponse``: the bridge sends it with ``sendfile`` and answers ``Range`` /
``If-Range`` itself (206/416); here are the parts that need the request: ``ETag`` /
``Last-Modified`` validators answered ``304 Not Modified``, ``index.html`` for a directory
and ``404.html`` for a miss with ``html=True``.

Nothing outside the directory is ever served. The path the router hands over is already
percent-decoded (``%2e%2e`` is ``..``, ``%2f`` is ``/``), and then: a NUL byte is a 404; the
path is split on ``/`` and normalised under the directory, so ``..`` cannot climb above it
and an absolute path stays inside it; and the result is resolved with ``realpath`` and must
still lie inside the (resolved) directory, so a symlink that points outside is a 404 too
(``follow_symlink=True`` trusts symlinks, as Starlette's option does).
"""

from __future__ import annotations

import errno
import importlib.util
import os
import stat
from email.utils import parsedate
from typing import Any

from fasterapi.exceptions import HTTPException
from fasterapi.requests import Request
from fasterapi.responses import FileResponse, RedirectResponse, Response

#: What a 304 keeps of the 200's headers (RFC 9110 section 15.4.5; Starlette's list).
_NOT_MODIFIED_HEADERS = (b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary")


class StaticFiles:
    def __init__(
        self,
        *,
        directory: str | os.PathLike[str] | None = None,
        packages: list[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.html = html
        self.follow_symlink = follow_symlink
        self.all_directories = self.get_directories(directory, packages)
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self, directory: str | os.PathLike[str] | None, packages: list[str | tuple[str, str]] | None
    ) -> list[str | os.PathLike[str]]:
        """The directories to look in, in order: ``directory``, then each package's
        ``statics`` folder (or the folder named in a ``(package, folder)`` pair)."""
        directories: list[str | os.PathLike[str]] = [] if directory is None else [directory]
        for package in packages or []:
            name, folder = (package, "statics") if isinstance(package, str) else package
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"Package {name!r} could not be found.")
            package_directory = os.path.normpath(os.path.join(spec.origin, "..", folder))
            if not os.path.isdir(package_directory):
                raise RuntimeError(f"Directory '{folder!r}' in package {name!r} could not be found.")
            directories.append(package_directory)
        return directories

    # -- mounting ------------------------------------------------------------

    def _compile_mounted(self, prefix: str, on_error: Any, context: Any) -> list[Any]:
        """Two routes: ``{prefix}/{path:path}`` for everything under the mount and
        ``{prefix}/`` for its root (see ``fasterapi._mount`` for why a catch-all)."""
        from fasterapi.routing import APIRoute, compile_routes

        if not all(os.path.isdir(d) for d in self.all_directories):
            missing = next(d for d in self.all_directories if not os.path.isdir(d))
            raise RuntimeError(f"StaticFiles directory '{missing}' does not exist (mounted at {prefix or '/'})")

        def serve_root(request: Request) -> Response:
            return self.get_response("", request)

        def serve_path(path: str, request: Request) -> Response:
            return self.get_response(path, request)

        routes = [
            APIRoute("/", serve_root, name="static_root", include_in_schema=False),
            APIRoute("/{path:path}", serve_path, name="static_path", include_in_schema=False),
        ]
        return compile_routes(routes, on_error, prefix=prefix, context=context)

    # -- answering -------------------------------------------------------------

    def get_response(self, path: str, request: Request) -> Response:
        """The answer for ``path`` (relative to the mount, percent-decoded)."""
        full_path, stat_result = self.lookup_path(path)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, request)
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode) and self.html:
            full_path, stat_result = self.lookup_path(path + "/index.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                url = request.url
                if not url.path.endswith("/"):
                    # Relative links in the index must resolve inside the directory.
                    return RedirectResponse(str(url.replace(path=url.path + "/")))
                return self.file_response(full_path, stat_result, request)
        if self.html:
            full_path, stat_result = self.lookup_path("404.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, stat_result=stat_result, status_code=404)
        raise HTTPException(status_code=404)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The file for ``path`` and its stat, or ``("", None)``: never outside the directories."""
        if "\x00" in path:
            return "", None
        # Segments only: "/etc/passwd" is "etc/passwd" under the directory, and normpath
        # folds "a/../.." to "..", which the containment check below then refuses.
        relative = os.path.normpath(os.path.join(*path.split("/"))) if path else "."
        for directory in self.all_directories:
            joined = os.path.join(directory, relative)
            if self.follow_symlink:
                full_path, root = os.path.abspath(joined), os.path.abspath(directory)
            else:
                full_path, root = os.path.realpath(joined), os.path.realpath(directory)
            if os.path.commonpath([full_path, root]) != root:
                continue  # outside the directory: "..", or a symlink that leads out
            try:
                return full_path, os.stat(full_path)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except PermissionError:
                raise HTTPException(status_code=401) from None
            except OSError as exc:
                if exc.errno == errno.ENAMETOOLONG:
                    return "", None
                raise
        return "", None

    def file_response(self, full_path: str, stat_result: os.stat_result, request: Request, status_code: int = 200) -> Response:
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response, request):
            return Response(
                status_code=304,
                headers={k.decode("latin-1"): v.decode("latin-1") for k, v in response.raw_headers if k in _NOT_MODIFIED_HEADERS},
            )
        return response

    def is_not_modified(self, response: Response, request: Request) -> bool:
        """``If-None-Match`` naming the file's ETag (weak or not) or ``*``, else ``If-Modified-Since``
        not older than its ``Last-Modified`` (Starlette's rules)."""
        headers = dict(response.raw_headers)
        if_none_match = request.headers.get("if-none-match")
        if if_none_match:
            if if_none_match.strip() == "*":
                return True
            etag = headers.get(b"etag", b"").decode("latin-1")
            return etag in [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        if_modified_since = request.headers.get("if-modified-since")
        last_modified = headers.get(b"last-modified")
        if if_modified_since and last_modified:
            since, modified = parsedate(if_modified_since), parsedate(last_modified.decode("latin-1"))
            return since is not None and modified is not None and since >= modified
        return False
