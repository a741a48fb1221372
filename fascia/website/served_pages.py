"""Cached public pages answered in front of Django, for anonymous visitors.

`page_cache` (cache.py) keeps one copy of each public page, shared by every process, and
invalidates them all at once when an editor publishes. Answering a hit still runs the whole
Django middleware stack, which costs several times what the web server itself does. So the
WSGI application is wrapped in `ServedPages`: when Django has answered an anonymous
request with a page it stored in or took from the page cache, the wrapper keeps that
response (its final headers, and the body with the enquiry-form placeholders left in) in
the worker process, and answers the next anonymous requests for the same URL itself, as
long as the page cache's generation has not moved. Every response still gets fresh form
tokens (fascia/form_tokens.py). Compression is prepared once: each stretch of the page
between two placeholders is deflated on its own and ends on a byte boundary, so a gzip body
is the prepared stretches with the tokens between them as stored (uncompressed) blocks.

Anything else (signed-in users, staff and private-link prefixes, a changed generation, a
page not yet seen by this process) goes to Django, which stays the one place that decides
what is cached: only a page that opted in to the page cache is ever kept here.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from fascia import form_tokens

from . import cache

MAX_PAGES = 256
GZIP_LEVEL = 6  # Django's GZipMiddleware uses zlib's default as well
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
WITHOUT_BODY = {"content-length", "content-encoding", "x-page-cache"}
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time, unknown OS

StartResponse = Callable[..., object]


def _deflate(data: bytes, final: bool) -> bytes:
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH
    )


def _stored_block(data: bytes) -> bytes:
    """A raw, non-final deflate block holding `data` as is (RFC 1951, 3.2.4)."""
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


@dataclass(frozen=True)
class Page:
    """One cached page as this process serves it."""

    generation: int
    headers: list[tuple[str, str]]
    etag: str
    parts: list[bytes]  # the body split at each form-token placeholder
    deflated: list[bytes]  # each part deflated on its own

    @classmethod
    def prepare(cls, generation: int, headers: list[tuple[str, str]], content: bytes) -> Page:
        kept = [(name, value) for name, value in headers if name.lower() not in WITHOUT_BODY]
        etag = next((value for name, value in kept if name.lower() == "etag"), "")
        kept = [(name, value) for name, value in kept if name.lower() != "etag"]
        if not any(
            name.lower() == "vary" and "accept-encoding" in value.lower() for name, value in kept
        ):
            kept.append(("Vary", "Accept-Encoding"))
        parts = content.split(form_tokens.PLACEHOLDER.encode())
        deflated = [
            _deflate(part, final=index == len(parts) - 1) for index, part in enumerate(parts)
        ]
        return cls(generation, kept, etag.removeprefix("W/"), parts, deflated)

    def respond(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        gzip = bool(ACCEPTS_GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", "")))
        etag = f"W/{self.etag}" if gzip else self.etag
        headers = [*self.headers, ("ETag", etag), ("X-Page-Cache", "hit")]
        if self._not_modified(environ):
            start_response("304 Not Modified", headers)
            return []
        fresh = [form_tokens.issue().encode() for _ in self.parts[1:]]
        body = self.gzip_body(fresh) if gzip else self.plain_body(fresh)
        if gzip:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _not_modified(self, environ: dict) -> bool:
        wanted = environ.get("HTTP_IF_NONE_MATCH", "")
        if not wanted:
            return False
        if wanted.strip() == "*":
            return True
        return any(tag.strip().removeprefix("W/") == self.etag for tag in wanted.split(","))

    def plain_body(self, fresh: list[bytes]) -> bytes:
        """The page with `fresh` tokens in its placeholders."""
        pieces = [self.parts[0]]
        for token, part in zip(fresh, self.parts[1:], strict=True):
            pieces.extend((token, part))
        return b"".join(pieces)

    def gzip_body(self, fresh: list[bytes]) -> bytes:
        """The same, gzip-compressed (RFC 1952), from the parts deflated in advance."""
        pieces = [GZIP_HEADER, self.deflated[0]]
        checksum = zlib.crc32(self.parts[0])
        for token, part, deflated in zip(fresh, self.parts[1:], self.deflated[1:], strict=True):
            pieces.extend((_stored_block(token), deflated))
            checksum = zlib.crc32(part, zlib.crc32(token, checksum))
        size = sum(map(len, self.parts)) + sum(map(len, fresh))
        pieces.append(struct.pack("<II", checksum, size & 0xFFFFFFFF))
        return b"".join(pieces)


class ServedPages:
    """WSGI middleware: answer anonymous requests for pages Django has served from its cache."""

    def __init__(self, application: Callable[[dict, StartResponse], Iterable[bytes]]) -> None:
        self.application = application
        self.pages: OrderedDict[tuple[str, ...], Page] = OrderedDict()

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        key = self._key(environ)
        if key is None:
            return self.application(environ, start_response)
        generation = cache.generation()
        page = self.pages.get(key)
        if page is not None and page.generation == generation:
            self.pages.move_to_end(key)
            return page.respond(environ, start_response)
        answer: dict[str, Any] = {}

        def remember_start(
            status: str, headers: list[tuple[str, str]], *exc_info: object
        ) -> object:
            answer.update(status=status, headers=list(headers))
            return start_response(status, headers, *exc_info)

        result = self.application(environ, remember_start)
        content = environ.get(cache.CACHED_CONTENT)
        headers = answer.get("headers", [])
        if (
            content is not None
            and str(answer.get("status", "")).startswith("200 ")
            and not any(name.lower() == "set-cookie" for name, _value in headers)
        ):
            self._keep(key, Page.prepare(generation, headers, content))
        return result

    def _keep(self, key: tuple[str, ...], page: Page) -> None:
        self.pages[key] = page
        self.pages.move_to_end(key)
        while len(self.pages) > MAX_PAGES:
            self.pages.popitem(last=False)

    @staticmethod
    def _key(environ: dict) -> tuple[str, ...] | None:
        """The page's key, or None when the request may not be answered from here."""
        path = environ.get("PATH_INFO", "")
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or path.startswith(cache.UNCACHED_PREFIXES)
            or "HTTP_AUTHORIZATION" in environ
            or f"{settings.SESSION_COOKIE_NAME}=" in environ.get("HTTP_COOKIE", "")
        ):
            return None
        return (
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST", ""),
            environ.get("SCRIPT_NAME", ""),
            path,
            environ.get("QUERY_STRING", ""),
        )
