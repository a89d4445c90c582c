"""The production server around the app: waitress, answering what it refuses in the app's error shape.

In: the Flask app (web.create_app), host, port, threads. Out: `make_server(...)`, a waitress server ready to
`run()`. Its channels read a request target that holds raw UTF-8 (some clients send `?q=Токаев` unencoded) as
the percent-encoding of those bytes, so the app answers it; and the requests waitress answers itself before
the app sees them (a malformed request line or header, a body over the app's MAX_CONTENT_LENGTH, headers too
large) get the JSON error shape `{"error": {"status", "message"}}` with the app's security headers instead of
waitress' text/plain. Raises OSError when the address cannot be bound and ValueError for a host that does not
resolve (the CLI says which, in words). It does not route and does not word the app's own errors (web.errors).
"""
from __future__ import annotations

import json
import re

from waitress import create_server
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser, ParsingError
from waitress.server import MultiSocketServer
from waitress.task import ErrorTask

from .errors import SECURITY_HEADERS

_RAW = re.compile(rb"[\x80-\xff]")


class Utf8TargetParser(HTTPRequestParser):
    """waitress' request parser, with the bytes above ASCII of the request line percent-encoded first (waitress
    refuses them with 400 Bad URI; browsers send them encoded, and mean the same), and a target urllib cannot
    split (`http://[::1/`, which waitress lets escape and answers by closing the connection) a 400 Bad URI."""

    def parse_header(self, header_plus):
        line, crlf, rest = header_plus.partition(b"\r\n")
        try:
            return super().parse_header(_RAW.sub(lambda m: b"%%%02X" % m[0][0], line) + crlf + rest)
        except ValueError:
            raise ParsingError("Bad URI") from None


class JsonErrorTask(ErrorTask):
    """waitress' answer to a request it refuses, in the app's JSON error shape with its security headers."""

    def execute(self):
        e = self.request.error
        body = json.dumps({"error": {"status": e.code, "message": _message(e, self.channel.adj)}}).encode()
        self.status = f"{e.code} {e.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), *SECURITY_HEADERS])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


def _message(error, adj) -> str:
    if error.code == 413:
        return f"the request body is larger than {adj.max_request_body_size:,} bytes"
    if error.code == 431:
        return f"the request's headers are larger than {adj.max_request_header_size:,} bytes"
    if error.code >= 500:
        return "internal error; it has been logged" if error.code == 500 else error.reason.lower()
    return f"bad request: {error.body}"


class Channel(HTTPChannel):
    """An HTTP connection of the server: the parser and the error answers above."""

    parser_class = Utf8TargetParser
    error_task_class = JsonErrorTask


def make_server(app, host: str, port: int, threads: int):
    """Bind host:port and return the waitress server of the app (call `run()` on it).

    Raises:
        OSError: the address is in use, forbidden or not this machine's.
        ValueError: waitress cannot resolve the host.
    """
    server = create_server(app, host=host, port=port, threads=threads, ident="casearch",
                           max_request_body_size=app.config["MAX_CONTENT_LENGTH"])
    # one listening server per address the host resolves to (a MultiSocketServer holds several in its map)
    listeners = server.map.values() if isinstance(server, MultiSocketServer) else [server]
    for listener in listeners:
        if hasattr(listener, "channel_class"):
            listener.channel_class = Channel
    return server
