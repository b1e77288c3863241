"""The labelling page's web layer: Starlette on uvicorn, for one user on this machine.

What keeps it safe:

- It binds 127.0.0.1 unless told otherwise.
- Every request must name this server in its Host header (and, when a browser
  sends one, its Origin): a page elsewhere that rebinds its own domain name to
  127.0.0.1 is refused.
- A random token, new each run, is written into the page; every ``/api/`` request
  must carry it in the ``X-Kcna-Token`` header. Another site's page can neither read
  it nor send that header across origins.
- The page renders article text with ``textContent`` only, and the Content Security
  Policy allows no inline script, so an article holding ``<script>`` is shown as text.
- Requests name articles by id and themes by name; files are fixed when the server
  starts, and no path is ever taken from the browser.
"""

from __future__ import annotations

import html
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import KcnaThemesError
from .session import LabellingSession

STATIC = Path(__file__).resolve().parent / "static"
TOKEN_HEADER = "x-kcna-token"
TOKEN_PLACEHOLDER = "__KCNA_TOKEN__"
MAX_BODY = 64_000
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def free_port(host: str = "127.0.0.1", port: int = 0) -> int:
    """``port`` if it is free on ``host`` (any free port for 0); a clear error if not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise KcnaThemesError(f"cannot serve on {host}:{port} ({exc.strerror or exc}): "
                                  "pass another --port, or --port 0 for any free one") from None
        return int(s.getsockname()[1])


def build_app(session: LabellingSession, token: str, allowed_hosts: set[str]):
    """The Starlette application serving ``session``: the page, its files, and the JSON API."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    page = (STATIC / "index.html").read_text(encoding="utf-8").replace(TOKEN_PLACEHOLDER, html.escape(token))
    lock = threading.Lock()

    def refuse(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=SECURITY_HEADERS)

    class Guard:
        """Host and Origin checks on every request; the token on every API request."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                return await self.app(scope, receive, send)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            origin = headers.get("origin")
            if headers.get("host", "") not in allowed_hosts:
                response = refuse(403, "wrong Host header")
            elif origin is not None and origin.removeprefix("http://") not in allowed_hosts:
                response = refuse(403, "cross-origin request")
            elif scope["path"].startswith("/api/") and not secrets.compare_digest(
                    headers.get(TOKEN_HEADER, "").encode(), token.encode()):
                response = refuse(403, "missing or wrong token: reload the page")
            else:
                return await self.app(scope, receive, send)
            await response(scope, receive, send)

    async def read_json(request: Request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise KcnaThemesError("expected application/json")
        body = await request.body()
        if len(body) > MAX_BODY:
            raise KcnaThemesError("request too large")
        try:
            data = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise KcnaThemesError("malformed JSON") from None
        if not isinstance(data, dict):
            raise KcnaThemesError("expected a JSON object")
        return data

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers=SECURITY_HEADERS)

    async def state(request: Request) -> Response:
        with lock:
            return JSONResponse(session.state(), headers=SECURITY_HEADERS)

    async def label(request: Request) -> Response:
        try:
            data = await read_json(request)
            themes = data.get("themes")
            if not isinstance(data.get("id"), str) or not isinstance(themes, list) \
                    or not all(isinstance(t, str) for t in themes):
                raise KcnaThemesError("expected {id: string, themes: [string, ...]}")
            with lock:
                return JSONResponse(session.answer(data["id"], themes), headers=SECURITY_HEADERS)
        except KcnaThemesError as exc:
            return refuse(400, str(exc))

    async def theme(request: Request) -> Response:
        try:
            data = await read_json(request)
            if not isinstance(data.get("name"), str):
                raise KcnaThemesError("expected {name: string}")
            with lock:
                return JSONResponse(session.add_theme(data["name"]), headers=SECURITY_HEADERS)
        except KcnaThemesError as exc:
            return refuse(400, str(exc))

    app = Starlette(routes=[
        Route("/", index),
        Route("/api/state", state),
        Route("/api/label", label, methods=["POST"]),
        Route("/api/theme", theme, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC)),
    ])
    return Guard(app)


class LabellingServer:
    """``session`` served by uvicorn on ``host:port`` (port 0: a free one), with a fresh token."""

    def __init__(self, session: LabellingSession, host: str = "127.0.0.1", port: int = 8765):
        import uvicorn

        self.session = session
        self.host = host
        self.port = free_port(host, port)
        self.token = secrets.token_urlsafe(32)
        names = {host, "127.0.0.1", "localhost"} if host in ("127.0.0.1", "localhost") else {host}
        allowed = {f"{name}:{self.port}" for name in names}
        self.app = build_app(session, self.token, allowed)
        config = uvicorn.Config(self.app, host=host, port=self.port, log_level="warning", lifespan="off",
                                access_log=False)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def run(self, on_started: Callable[[], object] | None = None) -> None:
        """Serve until Ctrl-C (or SIGTERM); ``on_started`` is called once it listens."""
        if on_started is not None:
            def wait_then_call():
                while not self.server.started and not self.server.should_exit:
                    time.sleep(0.05)
                if self.server.started:
                    on_started()

            threading.Thread(target=wait_then_call, daemon=True).start()
        self.server.run()

    def start(self) -> LabellingServer:
        """Serve from a background thread (for tests and notebooks); ``stop()`` ends it."""
        self._thread = threading.Thread(target=self.server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise KcnaThemesError(f"the labelling server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
