"""Webhook HTTP: resolve the receiver's host once, check every address, connect to a checked one.

Resolving in a guard and again in the HTTP client let a rebinding DNS name answer a public address
to the guard and a loopback one to the client (whose reply then showed in the delivery log). Here the
connection goes to the address that was checked, while the Host header, the TLS SNI and the
certificate's hostname check still use the host of the URL.
"""

import contextlib
import datetime as dt
import email.utils
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
EXCERPT_CHARS = 500

MSG_URL_SCHEME = gettext_noop("A webhook URL must start with http:// or https://.")
MSG_URL_HOST = gettext_noop("A webhook URL needs a host name.")
MSG_URL_UNRESOLVABLE = gettext_noop("The host {host} cannot be resolved.")
MSG_URL_PRIVATE = gettext_noop(
    "The host {host} resolves to a loopback or private address ({address}); refused."
)
MSG_DEADLINE = gettext_noop("No complete answer within {seconds:g} s.")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# IPv6 forms that carry an IPv4 address a gateway will reach: NAT64 (RFC 6052), 6to4 (RFC 3056),
# IPv4-mapped and the deprecated IPv4-compatible form. Python's ``is_global`` judges the IPv6
# wrapper, not the IPv4 inside, so ``64:ff9b::7f00:1`` would pass as public while reaching 127.0.0.1.
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: site-local translators
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str
    # Checked (family, sockaddr) pairs from the one resolution; empty when private hosts are allowed
    # and resolution is left to the connection.
    addresses: tuple[tuple[int, tuple], ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


class WebhookAnswer(NamedTuple):
    status: int
    excerpt: str
    # Seconds the receiver asked to wait (``Retry-After``, as seconds or an HTTP date); None if unsaid.
    retry_after: float | None = None


def retry_after_seconds(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """RFC 9110 §10.2.3: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the translating forms."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64_WELL_KNOWN or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: Address) -> bool:
    if address in NAT64_LOCAL_USE:
        return False
    inner = embedded_ipv4(address)
    if inner is not None and not is_public_address(inner):
        return False
    return address.is_global and not address.is_multicast


def webhook_url_parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; a ``ValidationError`` on ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise ValidationError({"url": _(MSG_URL_SCHEME)})
    try:
        host, port = parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:  # a port out of range or not a number
        raise ValidationError({"url": _(MSG_URL_HOST)}) from exc
    if not host:
        raise ValidationError({"url": _(MSG_URL_HOST)})
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, port, path


def webhook_target_resolve(url: str, *, check: bool) -> WebhookTarget:
    """Resolve the URL's host once; with ``check``, refuse it if any address is not public."""
    scheme, host, port, path = webhook_url_parse(url)
    if not check:
        return WebhookTarget(scheme, host, port, path, addresses=())
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as exc:
        raise ValidationError({"url": _(MSG_URL_UNRESOLVABLE).format(host=host)}) from exc
    addresses = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        if not is_public_address(address):
            shown = embedded_ipv4(address) or address
            raise ValidationError({"url": _(MSG_URL_PRIVATE).format(host=host, address=shown)})
        addresses.append((family, sockaddr))
    if not addresses:
        raise ValidationError({"url": _(MSG_URL_UNRESOLVABLE).format(host=host)})
    return WebhookTarget(scheme, host, port, path, addresses=tuple(addresses))


def _connect(target: WebhookTarget, timeout: float) -> socket.socket:
    if not target.addresses:
        return socket.create_connection((target.host, target.port), timeout)
    error: OSError | None = None
    for family, sockaddr in target.addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error  # every checked address refused the connection


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: WebhookTarget, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._target = target

    def connect(self):
        self.sock = _connect(self._target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: WebhookTarget, timeout: float, context: ssl.SSLContext):
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._target = target
        self._tls = context

    def connect(self):
        # SNI and the certificate check use the URL's host, whatever address was dialled.
        self.sock = self._tls.wrap_socket(_connect(self._target, self.timeout), server_hostname=self.host)


class _Deadline:
    """Ends the attempt when its time is up, whatever it is waiting for: a socket timeout bounds each
    read, so a receiver trickling a byte every few seconds would otherwise hold the worker for as
    long as it likes. Shutting the socket down wakes the blocked read, which then fails."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float):
        self.connection = connection
        self.seconds = seconds
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def _expire(self) -> None:
        self.expired = True
        sock = self.connection.sock
        if sock is not None:
            # The plain socket's shutdown, under any TLS layer: it only wakes the reader. It may
            # already be closed by the attempt itself.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self._timer.cancel()
        if (
            self.expired
            and exc_type is not None
            and issubclass(exc_type, (OSError, http.client.HTTPException))
        ):
            raise TimeoutError(_(MSG_DEADLINE).format(seconds=self.seconds)) from exc
        return False


def webhook_post(
    target: WebhookTarget,
    *,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    context: ssl.SSLContext | None = None,
) -> WebhookAnswer:
    """POST ``body`` to the target; the status, the first characters of the answer and its
    Retry-After. Redirects are answers, never followed: they could point at an address no check
    has seen.

    The whole attempt, from connecting to the last byte read, ends within ``timeout`` seconds
    (``TimeoutError`` otherwise)."""
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout, context or ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(target, timeout)
    try:
        with _Deadline(connection, timeout):
            connection.request(
                "POST", target.path, body=body, headers={**headers, "Host": target.host_header}
            )
            response = connection.getresponse()
            return WebhookAnswer(
                response.status,
                response.read(EXCERPT_CHARS).decode(errors="replace"),
                retry_after_seconds(response.getheader("Retry-After")),
            )
    finally:
        connection.close()
