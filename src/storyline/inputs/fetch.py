"""Fetching URLs (feed item links, URL lists, remote feeds and WARCs), only when asked (``--fetch``).

A feed is untrusted input, and so is every link and redirect in it: a link
to ``http://169.254.169.254/`` or ``http://localhost:5432/`` must not make
storyline a proxy into the analyst's network (SSRF). So every connection,
the first and each redirect's, resolves the host and refuses it if *any*
address it resolves to is private, loopback, link-local, multicast,
reserved or unspecified (unless ``allow_private``), then connects to exactly
the address it checked (no second lookup that DNS rebinding could change).
Environment proxies are not used, and only http(s) is spoken.

Also: a user agent, a timeout per request, a size limit, robots.txt
respected (fetched through the same guard), and a bounded number of
requests in flight.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from threading import Lock
from urllib.parse import urlsplit

from storyline import __version__

USER_AGENT = f"storyline/{__version__} (news analysis for media analysts)"
ROBOTS_AGENT = "storyline"


class FetchError(Exception):
    """Why a URL was not fetched; the message is shown to the user as the skip reason."""


@dataclass(slots=True)
class Page:
    url: str  # after redirects
    content: bytes
    content_type: str


@dataclass(slots=True)
class FetchOptions:
    allow_private: bool = False
    timeout: float = 15.0
    concurrency: int = 4
    max_bytes: int = 20 * 1024 * 1024
    user_agent: str = USER_AGENT


def refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified
    )


def guarded_socket(host: str, port: int, timeout: float | None, allow_private: bool) -> socket.socket:
    """Resolve, check every address, connect to a checked one."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve host {host!r}: {error.strerror}") from None
    if not allow_private:
        for *_, sockaddr in infos:
            if refused_address(sockaddr[0]):
                raise FetchError(
                    f"refused: {host} resolves to a private, loopback or link-local address ({sockaddr[0]}); "
                    "use --allow-private to fetch from such hosts"
                )
    last: OSError | None = None
    for family, kind, proto, _, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last = error
    raise FetchError(f"cannot connect to {host}: {last}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    allow_private = False

    def connect(self) -> None:
        self.sock = guarded_socket(self.host, self.port, self.timeout, self.allow_private)


class _GuardedHTTPSConnection(http.client.HTTPSConnection, _GuardedHTTPConnection):
    """HTTPSConnection.connect calls super().connect() (the guard above), then wraps TLS."""


def _connection_class(base: type, allow_private: bool) -> type:
    return type(base.__name__, (base,), {"allow_private": allow_private})


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.connection = _connection_class(_GuardedHTTPConnection, allow_private)

    def http_open(self, req):  # noqa: ANN001 - urllib's handler protocol
        return self.do_open(self.connection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.connection = _connection_class(_GuardedHTTPSConnection, allow_private)

    def https_open(self, req):  # noqa: ANN001
        return self.do_open(self.connection, req, context=self._context)


def guarded_opener(allow_private: bool) -> urllib.request.OpenerDirector:
    """http(s) only, no proxies, redirects followed through the same guard."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        _GuardedHTTPHandler(allow_private), _GuardedHTTPSHandler(allow_private),
        urllib.request.HTTPRedirectHandler(), urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(), urllib.request.UnknownHandler(),
    ):
        opener.add_handler(handler)
    return opener


@dataclass
class Fetcher:
    options: FetchOptions = field(default_factory=FetchOptions)
    _robots: dict[str, urllib.robotparser.RobotFileParser] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def __post_init__(self) -> None:
        self.opener = guarded_opener(self.options.allow_private)

    def fetch(self, url: str) -> Page:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not an http(s) URL: {url}")
        if not self._robots_for(url).can_fetch(ROBOTS_AGENT, url):
            raise FetchError(f"disallowed by robots.txt: {url}")
        return self._get(url)

    def fetch_many(self, urls: Iterable[str]) -> Iterator[tuple[str, Page | FetchError]]:
        """``(url, page or error)`` in input order, at most ``concurrency`` requests in flight."""

        def attempt(url: str) -> tuple[str, Page | FetchError]:
            try:
                return url, self.fetch(url)
            except FetchError as error:
                return url, error

        with ThreadPoolExecutor(max_workers=max(1, self.options.concurrency)) as pool:
            yield from pool.map(attempt, urls)

    def _get(self, url: str) -> Page:
        request = urllib.request.Request(url, headers={"User-Agent": self.options.user_agent})
        try:
            with self.opener.open(request, timeout=self.options.timeout) as response:
                content = response.read(self.options.max_bytes + 1)
                if len(content) > self.options.max_bytes:
                    raise FetchError(f"too large: more than {self.options.max_bytes} bytes")
                return Page(response.geturl(), content, response.headers.get("Content-Type", ""))
        except FetchError:
            raise
        except urllib.error.HTTPError as error:
            raise FetchError(f"HTTP {error.code} from {url}") from None
        except urllib.error.URLError as error:
            reason = error.reason
            raise FetchError(str(reason) if isinstance(reason, FetchError) else f"cannot fetch {url}: {reason}") from None
        except (OSError, http.client.HTTPException) as error:
            raise FetchError(f"cannot fetch {url}: {error}") from None

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin in self._robots:
                return self._robots[origin]
        rules = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        try:
            page = self._get(origin + "/robots.txt")
            rules.parse(page.content.decode("utf-8", "replace").splitlines())
        except FetchError as error:
            message = str(error)
            if message.startswith("refused") or "cannot resolve" in message:
                raise
            # robots.txt conventions: missing (4xx) allows all; forbidden or unreachable allows nothing.
            if message.startswith("HTTP 4") and not message.startswith(("HTTP 401", "HTTP 403")):
                rules.allow_all = True
            else:
                rules.disallow_all = True
        with self._lock:
            self._robots[origin] = rules
        return rules


def fetcher_for(options: object) -> Fetcher | None:
    """A Fetcher when the run asked for fetching (``options.extra["fetch"]``: FetchOptions), else None."""
    fetch_options = getattr(options, "extra", {}).get("fetch")
    return None if fetch_options is None else Fetcher(fetch_options)
