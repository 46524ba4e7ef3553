"""``vasr review``'s local web server: the standard library's threading HTTP server, no framework.

Why the standard library: the page needs a dozen JSON routes, frames as JPEG and three static files, and
every limit a framework would set for us is a few lines here, each tested (``tests/test_review_server.py``);
no dependency to install or audit. What it enforces:

* it is private to the person who started it: every request carries the secret token of the address it
  printed (in the URL once, then as an HttpOnly cookie the page sends by itself), as Jupyter does;
* it binds to 127.0.0.1 unless told otherwise;
* it answers only for its own address (the ``Host`` header must name it or one of the machine's own names:
  a page elsewhere cannot reach it through DNS rebinding), and a POST must come from its own page
  (``Origin``, when sent, must be it);
* a body's length is checked before anything is read (missing, negative, non-numeric or over 1 MB: refused),
  an idle connection is closed after ``IDLE_SECONDS``, and a malformed request is a 4xx answer, never a
  traceback;
* it serves the page's three files, frames by sequence name and index, and files of the run by a path that
  must resolve inside the run (``../`` or an absolute path is refused);
* it writes nothing itself: saving goes through `ReviewSession.save` (corrections only, atomically).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
import socket
import sys
import threading
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, unquote, urlsplit

from vasr.review.session import ReviewError, ReviewSession

STATIC = {"index.html": "text/html", "app.js": "text/javascript", "app.css": "text/css"}
MAX_BODY = 1 << 20
IDLE_SECONDS = 10  # an idle (or silent) connection is closed after this
COOKIE = "vasr_review"
FILE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".json": "application/json", ".txt": "text/plain",
              ".xml": "application/xml", ".mp4": "video/mp4"}  # fmt: skip


def machine_names() -> set[str]:
    """This machine's host names and the addresses they resolve to."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        with contextlib.suppress(OSError):
            names |= {info[4][0] for info in socket.getaddrinfo(name, None)}
    return {n for n in names if n}


def static_file(name: str) -> bytes:
    return resources.files("vasr.review").joinpath("static", name).read_bytes()


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS

    def setup(self) -> None:
        self.timeout = self.server.idle_seconds
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing -------------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(status)
        if self._token_in_query():  # the printed address: from now on the page carries it as a cookie
            self.send_header("Set-Cookie", f"{COOKIE}={self.server.token}; HttpOnly; SameSite=Strict; Path=/")
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

    def _token_in_query(self) -> bool:
        given = parse_qs(urlsplit(self.path).query).get("token", [""])[0]
        return hmac.compare_digest(given.encode(), self.server.token.encode())

    def _authorised(self) -> bool:
        """The request carries the server's token: in the query, an ``Authorization: token T`` header or
        the page's cookie."""
        cookies = SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie", ""))
        except CookieError:
            return False
        header = self.headers.get("Authorization", "").removeprefix("token ").strip()
        given = [header, cookies[COOKIE].value if COOKIE in cookies else ""]
        return self._token_in_query() or any(
            hmac.compare_digest(g.encode(), self.server.token.encode()) for g in given
        )

    def _handle(self, method: str) -> None:
        try:
            if not self._own_host():
                raise ReviewError("this server answers only for its own address", HTTPStatus.FORBIDDEN)
            if not self._authorised():
                raise ReviewError(
                    "this review server needs the token of the address 'vasr review' printed", 403
                )
            parts = [unquote(p, errors="strict") for p in urlsplit(self.path).path.split("/")[1:]]
            if method == "POST":
                origin = self.headers.get("Origin")
                if origin is not None and origin not in self.server.own_origins:
                    raise ReviewError("requests to change the run must come from its own page", 403)
                return self._post(parts)
            return self._get(parts)
        except ReviewError as error:
            self.close_connection = self.close_connection or method == "POST"  # an unread body
            return self._error(error.status, str(error))
        except UnicodeDecodeError:
            return self._error(400, "the path is not valid UTF-8")
        except Exception as error:  # noqa: BLE001 - one line on the server, an answer to the page
            print(
                f"vasr review: {self.command} {self.path[:200]}: {type(error).__name__}: {error}",
                file=sys.stderr,
            )
            return self._error(500, f"{type(error).__name__}: {error}")

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _body(self) -> dict:
        """The JSON object of the request's body, its length checked before anything is read."""
        if self.headers.get("Transfer-Encoding"):
            raise ReviewError("send the body with a Content-Length", 411)
        text = self.headers.get("Content-Length", "")
        if not text.isascii() or not text.isdigit():
            raise ReviewError(f"Content-Length must be a whole number of bytes, got {text[:20]!r}", 400)
        if int(text) > MAX_BODY:
            raise ReviewError(f"request too large (more than {MAX_BODY} bytes)", 413)
        try:
            body = json.loads(self.rfile.read(int(text)) or b"{}")
        except (ValueError, RecursionError):
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
            case ["api", "frame", name, file] if (
                file.endswith(".jpg") and file[:-4].isascii() and file[:-4].isdigit()
            ):
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

    def __init__(
        self,
        session: ReviewSession,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        token: str | None = None,
    ):
        super().__init__((host, port), ReviewHandler)
        self.session = session
        self.verbose = verbose
        self.token = token or secrets.token_urlsafe(24)
        self.idle_seconds = IDLE_SECONDS
        bound_host, bound_port = self.server_address[:2]
        names = {str(bound_host), host}
        if bound_host in ("127.0.0.1", "::1", "0.0.0.0", "::"):
            names |= {"localhost", "127.0.0.1", "::1"}
        if bound_host in ("0.0.0.0", "::"):  # every interface: every name and address of this machine
            names |= machine_names()
        self.own_hosts = {f"{n}:{bound_port}" for n in names} | {f"[{n}]:{bound_port}" for n in names}
        self.own_origins = {f"http://{h}" for h in self.own_hosts}

    @property
    def address(self) -> str:
        """What to open in a browser, with the server's token."""
        host, port = self.server_address[:2]
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0", "::") else host
        return f"http://{shown}:{port}/?token={self.token}"

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, screenshots); ``shutdown()`` stops it."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread
