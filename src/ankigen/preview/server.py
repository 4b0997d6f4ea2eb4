"""The preview server: a standard-library ``ThreadingHTTPServer`` on 127.0.0.1 that serves the page, the cards'
document, the media and the vendored MathJax, and pushes every rebuild to open pages with server-sent events.
Nothing it serves refers to another host."""

from __future__ import annotations

import json
import logging
import mimetypes
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from ankigen.mathjax import BUNDLE
from ankigen.preview.live import Session
from ankigen.preview.page import FONTS, FONTS_URL, asset, data_script, index_html

log = logging.getLogger(__name__)

#: how often an idle event stream sends a comment, so proxies and browsers keep it open
KEEPALIVE_SECONDS = 15.0
ASSETS = {"preview.js": "text/javascript", "preview.css": "text/css"}


def _fonts() -> set[str]:
    return {p.name for p in FONTS.glob("*.woff")}


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False  # a port in use must fail to bind (E600), not be shared

    def __init__(self, address: tuple[str, int], session: Session) -> None:
        super().__init__(address, _Handler)
        self.session = session
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def stop(self) -> None:
        self.stopping.set()
        self.session.wake()  # the event streams see the stop and end
        self.shutdown()


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        session = self.server.session
        if path in ("/", "/index.html"):
            self._send(index_html(session.config.deck_name, live=True), "text/html; charset=utf-8")
        elif path == "/cards.js":
            self._send(data_script(session.snapshot()[1]), "text/javascript; charset=utf-8")
        elif path == "/cards.json":
            self._send(session.snapshot_json(), "application/json; charset=utf-8")
        elif path == "/events":
            self._events()
        elif path.startswith("/assets/") and path[len("/assets/") :] in ASSETS:
            name = path[len("/assets/") :]
            self._send(asset(name), ASSETS[name] + "; charset=utf-8")
        elif path == "/mathjax/tex-chtml-full.js":
            self._send(BUNDLE.read_bytes(), "text/javascript; charset=utf-8", cache=True)
        elif path.startswith(FONTS_URL) and path[len(FONTS_URL) :] in _fonts():
            self._send((FONTS / path[len(FONTS_URL) :]).read_bytes(), "font/woff", cache=True)
        elif path.startswith("/media/"):
            media = session.media(path[len("/media/") :])
            if media is None:
                self._missing()
            else:
                kind = mimetypes.guess_type(media.name)[0] or "application/octet-stream"
                self._send(media.data, kind, cache=True)
        else:
            self._missing()

    def _send(self, body: bytes, kind: str, *, cache: bool = False) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        # media names carry their content hash and MathJax never changes; everything else is fetched anew
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _missing(self) -> None:
        body = b"not found\n"
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """One ``build`` event per rebuild (its generation and status); the page then fetches the cards."""
        session = self.server.session
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        seen, _doc = session.snapshot()
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                generation = session.wait(seen, KEEPALIVE_SECONDS)
                if self.server.stopping.is_set():
                    break
                if generation == seen:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    seen, doc = session.snapshot()
                    event = {"generation": seen, "status": doc.get("status", {}), "summary": doc.get("summary")}
                    self.wfile.write(f"event: build\ndata: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
