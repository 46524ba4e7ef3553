"""``vasr review``'s local web server: the standard library's threading HTTP server, no framework.

Why the standard library: the page needs a dozen JSON routes, frames as JPEG and three static files; a
framework would add a dependency (and its own defaults to audit) for no feature we use. What it enforces:

* it binds to 127.0.0.1 unless told otherwise;
* it answers only for its own address (the ``Host`` header must name it: a page elsewhere cannot reach it
  through DNS rebinding), and a POST must come from its own page (``Origin``, when sent, must be it);
* it serves the page's three files, frames by sequence name and index, and files of the run by a path that
  must resolve inside the run (``../`` or an absolute path is refused);
* it writes nothing itself: saving goes through `ReviewSession.save` (corrections only, atomically).
"""

from __future__ import annotations

import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

from vasr.review.session import ReviewError, ReviewSession

STATIC = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
MAX_BODY = 1 << 20
FILE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".json": "application/json", ".txt": "text/plain",
              ".xml": "application/xml", ".mp4": "video/mp4"}  # fmt: skip


def static_file(name: str) -> bytes:
    return resources.files("vasr.review").joinpath("static", name).read_bytes()


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing -------------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, payload: object, status: int = 200) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message}, status)

    def _own_host(self) -> bool:
        return self.headers.get("Host", "") in self.server.own_hosts

    def _handle(self, method: str) -> None:
        if not self._own_host():
            return self._error(HTTPStatus.FORBIDDEN, "this server answers only for its own address")
        parts = [unquote(p) for p in urlsplit(self.path).path.split("/")[1:]]
        try:
            if method == "POST":
                origin = self.headers.get("Origin")
                if origin is not None and origin not in self.server.own_origins:
                    raise ReviewError("requests to change the run must come from its own page", 403)
                return self._post(parts)
            return self._get(parts)
        except ReviewError as error:
            return self._error(error.status, str(error))

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ReviewError("request too large", 413)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            raise ReviewError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise ReviewError("the request body must be a JSON object")
        return body

    # --- routes ---------------------------------------------------------------------------------------------

    def _get(self, parts: list[str]) -> None:
        session = self.server.session
        match parts:
            case [""] | ["index.html"]:
                self._send(200, static_file("index.html"), STATIC["index.html"])
            case ["favicon.ico"]:
                self._send(204, b"", "image/x-icon")
            case ["static", name] if name in STATIC:
                self._send(200, static_file(name), STATIC[name])
            case ["api", "sequences"]:
                self._json(
                    {"out": str(session.out), "sequences": session.overview(), "job": session.job.as_dict()}
                )
            case ["api", "sequence", name]:
                self._json(session.sequence(name))
            case ["api", "frame", name, file] if file.endswith(".jpg") and file[:-4].isdigit():
                self._send(200, session.frame_jpeg(name, int(file[:-4])), "image/jpeg", cache=False)
            case ["api", "job"]:
                self._json(session.job.as_dict())
            case ["files", *rest]:
                path = session.file("/".join(rest))
                self._send(
                    200, path.read_bytes(), FILE_TYPES.get(path.suffix.lower(), "application/octet-stream")
                )
            case _:
                raise ReviewError("not found", 404)

    def _post(self, parts: list[str]) -> None:
        session = self.server.session
        match parts:
            case ["api", "corrections", name]:
                body = self._body()
                changes = body.get("changes")
                if not isinstance(changes, list):
                    raise ReviewError("'changes' must be a list of {frame, box}")
                self._json(session.save(name, str(body.get("base", "")), changes))
            case ["api", "rerun"]:
                self._json(session.rerun())
            case _:
                raise ReviewError("not found", 404)


class ReviewServer(ThreadingHTTPServer):
    """The server of one run; ``address`` is what to open in a browser."""

    daemon_threads = True

    def __init__(self, session: ReviewSession, host: str = "127.0.0.1", port: int = 0, verbose: bool = False):
        super().__init__((host, port), ReviewHandler)
        self.session = session
        self.verbose = verbose
        bound_host, bound_port = self.server_address[:2]
        names = {
            str(bound_host),
            host,
            "localhost" if bound_host in ("127.0.0.1", "::1") else str(bound_host),
        }
        self.own_hosts = {f"{n}:{bound_port}" for n in names} | {f"[{n}]:{bound_port}" for n in names}
        self.own_origins = {f"http://{h}" for h in self.own_hosts}

    @property
    def address(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'localhost' if host == '127.0.0.1' else host}:{port}/"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, screenshots); ``shutdown()`` stops it."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread
