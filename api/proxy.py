"""Where the service is, as its links say, and who the client is.

Absolute links (``request.url_for``, ``request.url``) are built from the scope's scheme, Host
header and root_path. Left alone, the client chooses them: any ``Host`` it sends comes back in
every link, so a shared cache in front can be poisoned with links to another site.
``Forwarding.resolve`` rewrites the scope once, before routing, so links, the per-client
limit and the access log all see the same, trusted, values:

- ``OCEANAPI_PUBLIC_URL`` set: the scheme, host and path prefix (the root_path) are that URL's,
  whatever the request says.
- else, from a peer in ``OCEANAPI_FORWARDED_ALLOW_IPS`` (a proxy): ``X-Forwarded-Proto`` and
  ``X-Forwarded-Host`` name the scheme and host the client used.
- a ``Host`` whose name is not in ``OCEANAPI_ALLOWED_HOSTS`` (nor the address the connection
  arrived at) is replaced by that address. The request is still served: a load balancer's
  probe or a client that typed an IP is not refused, its links just name the socket.
- ``X-Forwarded-For`` from a trusted peer names the client (the first untrusted address from
  the right, as uvicorn's ``--forwarded-allow-ips`` does), in both modes.

One trust list serves all of it, so uvicorn must not apply its own (``proxy_headers=False``):
its ProxyHeadersMiddleware rewrites only For and Proto, and once it has replaced the peer by
the forwarded client this module could no longer tell that the peer was the proxy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.types import Scope
from uvicorn.middleware.proxy_headers import _TrustedHosts

_HOST = re.compile(r"[A-Za-z0-9._~-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")
"""A Host value links may carry: a name or IPv4 address, or a bracketed IPv6 address, and an
optional port. Anything else (a path, user info, spaces) is not a host."""
_SCHEMES = frozenset({"http", "https"})
VERDICTS_KEPT = 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Forwarding:
    """The service's public address and the proxies it trusts, applied to each request."""

    def __init__(
        self,
        public_url: str | None,
        forwarded_allow_ips: Sequence[str],
        allowed_hosts: Sequence[str],
    ) -> None:
        self.public: tuple[str, bytes, str] | None = None
        if public_url is not None:
            parts = urlsplit(public_url)
            self.public = (parts.scheme, parts.netloc.encode("latin-1"), parts.path.rstrip("/"))
        # uvicorn's own parser of --forwarded-allow-ips (addresses, networks, "*"), so the
        # setting that replaces the flag means what the flag meant.
        self.trusted = _TrustedHosts(list(forwarded_allow_ips))
        names = {_bare(name) for name in allowed_hosts}
        self.any_host = "*" in names
        self.allowed_hosts = frozenset(names)
        self.verdicts: dict[tuple[bytes, str | None], bool] = {}
        """(Host, the socket's address) -> whether links may carry that Host: the same few
        pairs arrive again and again, and a check parses the Host."""

    def resolve(self, scope: Scope) -> None:
        """Rewrite an HTTP scope's scheme, Host header, root_path and client as trusted."""
        host = forwarded_host = forwarded_proto = forwarded_for = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name[:12] == b"x-forwarded-":
                if name == b"x-forwarded-for":  # repeated headers form one list
                    forwarded_for = value if forwarded_for is None else forwarded_for + b"," + value
                elif name == b"x-forwarded-host":
                    forwarded_host = value
                elif name == b"x-forwarded-proto":
                    forwarded_proto = value
        client = scope.get("client")
        from_proxy = client is not None and client[0] in self.trusted
        if from_proxy and forwarded_for is not None:
            address, port = self.trusted.get_trusted_client_address(forwarded_for.decode("latin-1"))
            if address:
                scope["client"] = (address, port)

        if self.public is not None:
            scheme, netloc, prefix = self.public
            scope["scheme"] = scheme
            if host != netloc:
                _set_host(scope, netloc)
            if prefix and scope.get("root_path") != prefix:
                # The proxy strips the prefix, as with uvicorn's --root-path: the path is the
                # app's, the prefix goes in front (ASGI's path includes root_path).
                scope["root_path"] = prefix
                scope["path"] = prefix + scope["path"]
                if "raw_path" in scope and scope["raw_path"] is not None:
                    scope["raw_path"] = prefix.encode() + scope["raw_path"]
            return

        if from_proxy:
            if forwarded_proto is not None:
                proto = _last(forwarded_proto).lower()
                if proto in _SCHEMES:
                    scope["scheme"] = proto
            if forwarded_host is not None:
                named = _last(forwarded_host)
                if _HOST.fullmatch(named):
                    _set_host(scope, named.encode("latin-1"))
                    return
        if host is None:
            return
        server = scope.get("server")
        key = (host, server[0] if server else None)
        allowed = self.verdicts.get(key)
        if allowed is None:
            if len(self.verdicts) >= VERDICTS_KEPT:  # a client making up names: start again
                self.verdicts.clear()
            allowed = self.verdicts[key] = self._allowed(host, scope)
        if not allowed:
            _set_host(scope, _socket_authority(scope))

    def _allowed(self, host: bytes, scope: Scope) -> bool:
        """Whether links may carry this Host: a well-formed value naming an allowed host or the
        address the connection arrived at."""
        text = host.decode("latin-1")
        if not _HOST.fullmatch(text):
            return False
        if self.any_host:
            return True
        name = _bare(text.rsplit(":", 1)[0] if not text.endswith("]") else text)
        server = scope.get("server")
        return name in self.allowed_hosts or (server is not None and name == _bare(server[0]))


def _bare(name: str) -> str:
    """A host name as compared: lower case, an IPv6 address without its brackets."""
    return name.strip().lower().removeprefix("[").removesuffix("]")


def _last(value: bytes) -> str:
    """The last of a comma-separated header's values: the one the nearest proxy, the trusted
    one, added (a client's own comes before it)."""
    return value.decode("latin-1").rsplit(",", 1)[-1].strip()


def _socket_authority(scope: Scope) -> bytes | None:
    """host[:port] of the address the connection arrived at; None when there is none (then
    links are built without a host)."""
    server = scope.get("server")
    if server is None or server[1] is None:
        return None
    address: str = server[0]
    port: int = server[1]
    if ":" in address:
        address = f"[{address}]"
    if port == _DEFAULT_PORTS.get(scope.get("scheme", "http")):
        return address.encode("latin-1")
    return f"{address}:{port}".encode("latin-1")


def _set_host(scope: Scope, value: bytes | None) -> None:
    """Replace the Host header in a new header list (the server's own list is left alone)."""
    headers = [(name, v) for name, v in scope["headers"] if name != b"host"]
    if value is not None:
        headers.append((b"host", value))
    scope["headers"] = headers
