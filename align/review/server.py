"""The review editor's web server: a small Starlette app over one review file.

Safe by default, as Jupyter is: it listens on 127.0.0.1 only, and every
request must carry the random token of the URL it printed (in the query or
the ``X-Align-Token`` header; actions only in the header, which a page of
another site cannot set). The Host header must name this server (no DNS
rebinding). The only files it reads are its own page, script and style (from
a fixed list, never a path from the request) and the review file; the only
file it writes is the review file (an export is built in a private temporary
folder and sent as a download). The page is served with a Content Security
Policy that allows no inline script, and it puts document text into the page
as text nodes only.
"""

from __future__ import annotations

import html
import json
import secrets
import socket
import tempfile
from importlib import resources
from pathlib import Path
from typing import Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from ..errors import InputError
from .actions import ActionError
from .export import EXPORT_FORMATS, export_review
from .model import Row
from .store import Conflict, ReviewStore

STATIC = {"app.js": "text/javascript; charset=utf-8", "style.css": "text/css; charset=utf-8"}
BROWSER_FORMATS = tuple(f for f in EXPORT_FORMATS if f != "moses")  # one file per download
EXTENSION = {"tmx": ".tmx", "tsv": ".tsv", "jsonl": ".jsonl", "links": ".links", "xliff": ".xlf",
             "xliff2": ".xlf", "xlsx": ".xlsx"}
MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "tmx": "application/xml", "xliff": "application/xml", "xliff2": "application/xml"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never send it on
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _asset(name: str) -> bytes:
    return resources.files("align.review").joinpath("static", name).read_bytes()


class Guard:
    """ASGI middleware: the token and the Host header, then our security headers on every answer."""

    def __init__(self, app, token: str, hosts: set[str] | None):
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        headers = request.headers
        if self.hosts is not None and headers.get("host", "").lower() not in self.hosts:
            return await self._deny(scope, receive, send, 421, "wrong Host header")
        given = headers.get("x-align-token") or ("" if request.method == "POST"
                                                 else request.query_params.get("token", ""))
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return await self._deny(scope, receive, send, 403,
                                    "forbidden: open the URL that `align review` printed (it carries the token)")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _deny(self, scope, receive, send, status: int, text: str):
        await PlainTextResponse(text, status, headers=HEADERS)(scope, receive, send)


def _page_fixed(review) -> bytes:
    """What the page needs that no action changes (sentences, divergences): encoded once per file load."""
    def side(doc: dict) -> dict:
        return {"document": doc.get("document", ""), "lang": doc.get("lang", ""),
                "sentences": [[s["text"], s["paragraph"]] for s in doc["sentences"]]}

    divs = [{k: d.get(k) for k in ("kind", "severity", "message", "src", "tgt")} for d in review.divergences]
    return json.dumps({"source": side(review.source), "target": side(review.target), "divergences": divs},
                      ensure_ascii=False, separators=(",", ":"))[1:].encode("utf-8")


def _state(store: ReviewStore, cache: dict) -> bytes:
    """The page's state: the rows joined from their cached JSON, the fixed part from ``cache``."""
    review = store.current()
    if cache.get("review") is not review:
        cache["review"], cache["fixed"] = review, _page_fixed(review)
    head = {"file": store.path.name, "revision": review.revision, "edits": review.edits,
            "undo": len(review.history), "redo": len(review.undone), "low_confidence": review.low_confidence,
            "formats": list(BROWSER_FORMATS)}
    links = ",".join(map(Row.json_text, review.links))
    return (json.dumps(head, ensure_ascii=False)[:-1] + f',"links":[{links}],').encode("utf-8") + cache["fixed"]


def make_app(path: str | Path, token: str, hosts: set[str] | None = None) -> Guard:
    """The app for one review file. ``hosts``: accepted Host headers (None: any, for --host)."""
    store = ReviewStore(path)
    page = _asset("index.html").decode("utf-8").replace("{{TOKEN}}", html.escape(token, quote=True))

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return PlainTextResponse("not found", 404)
        return Response(_asset(name), media_type=STATIC[name])

    cache: dict = {}
    _state(store, cache)  # encode the documents now, before the URL is shown, not on the first request

    async def state(request: Request) -> Response:
        return Response(_state(store, cache), media_type="application/json")

    async def revision(request: Request) -> Response:
        return JSONResponse({"revision": store.revision()})

    async def action(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return JSONResponse({"error": "the request is not JSON"}, 400)
        if not isinstance(body, dict) or not isinstance(body.get("action"), str) \
                or not isinstance(body.get("revision"), int):
            return JSONResponse({"error": "expected {action, args, revision}"}, 400)
        try:
            change = store.act(body["action"], body.get("args") or {}, body["revision"])
        except Conflict as c:
            return JSONResponse({"error": "This file was changed in another tab or window. Reload to see "
                                          "its current state.", "revision": c.revision}, 409)
        except ActionError as e:
            return JSONResponse({"error": str(e)}, 400)
        return JSONResponse(change)

    async def export(request: Request) -> Response:
        fmt = request.query_params.get("format", "tmx")
        if fmt not in BROWSER_FORMATS:
            return JSONResponse({"error": f"format must be one of {', '.join(BROWSER_FORMATS)}"}, 400)
        confirmed = request.query_params.get("confirmed") == "1"
        stem = store.path.name.removesuffix(".json").removesuffix(".review")
        name = f"{stem}{'.confirmed' if confirmed else ''}{EXTENSION[fmt]}"
        with tempfile.TemporaryDirectory(prefix="align-review-") as tmp:
            out = Path(tmp) / name
            try:
                export_review(store.current(), out, fmt, confirmed_only=confirmed)
            except InputError as e:
                return JSONResponse({"error": str(e)}, 400)
            data = out.read_bytes()
        ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
        return Response(data, media_type=MEDIA.get(fmt, "text/plain; charset=utf-8"),
                        headers={"Content-Disposition": f'attachment; filename="{ascii_name}"'})

    app = Starlette(routes=[
        Route("/", index), Route("/static/{name}", static), Route("/api/state", state),
        Route("/api/revision", revision), Route("/api/action", action, methods=["POST"]),
        Route("/api/export", export),
    ])
    return Guard(app, token, hosts)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port), bound before the URL is printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({err.strerror})") from None
    sock.listen(64)
    return sock


def serve(path: str | Path, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve the editor for ``path`` until interrupted; ``ready(url)`` is called once it listens."""
    import threading

    import uvicorn

    token = token or secrets.token_urlsafe(24)
    sock = bind(host, port)
    port = sock.getsockname()[1]
    hosts = {f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")} if host in LOOPBACK else None
    app = make_app(path, token, hosts)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/?token={token}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    if ready is not None:
        def announce() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.05)
            if server.started:
                ready(url)
        threading.Thread(target=announce, daemon=True).start()
    server.run(sockets=[sock])
