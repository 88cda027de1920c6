"""Which addresses a source URL may reach: public ones, unless the user opts in.

A batch file is input, and a URL in it must not make us fetch the machine's own
services, the local network or a cloud metadata endpoint (server-side request forgery).
The check is on addresses, not on spellings: a host is resolved (every address a name
resolves to; numeric forms such as ``0xA9FEA9FE``, ``2852039166`` or ``127.1`` the way
the C library reads them) and refused if any address is loopback, private, link-local,
shared (CGNAT), multicast, reserved or unspecified, IPv4 inside IPv6 included
(``::ffff:169.254.169.254``, NAT64, 6to4, Teredo).

``GuardedBackend`` does the check at connection time, for every connection httpx opens
(so on every redirect hop), and connects to the address it checked: the name is not
resolved a second time, so DNS cannot answer differently between check and connect.
The URL's host still goes into the Host header and TLS SNI, and certificates are
verified against it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore

from podcast_factory.errors import SourceError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Host and port -> every address the host resolves to, as strings."""

OPT_IN = (
    "pass --allow-private-sources (setting allow_private_sources) to fetch from your own network"
)
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_V4 = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?", re.I)


class AddressRefused(SourceError):
    """A host whose address is not public, refused before any connection to it.

    ``field`` is the host, ``problem`` says which address and why."""


def literal_address(host: str) -> Address | None:
    """The address a host written as a number stands for, or None for a name.

    Besides dotted quads and IPv6, accepts what ``inet_aton`` accepts (and so what a
    connect would reach): ``0xA9FEA9FE``, ``2852039166``, ``0251.0376.0251.0376``,
    ``127.1``."""
    bare = host.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_V4.fullmatch(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
        except OSError:
            return None
    return None


def _embedded(ip: Address) -> list[Address]:
    """``ip`` and any IPv4 address carried inside it."""
    found: list[Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def why_not_public(ip: Address) -> str | None:
    """Why ``ip`` is not a public address (e.g. "a loopback address"), or None."""
    for one in reversed(_embedded(ip)):  # what is inside decides first
        if one in _METADATA:
            return "a cloud metadata address"
        if one.is_loopback:
            return "a loopback address (this machine)"
        if one.is_link_local:
            return "a link-local address"
        if one.is_unspecified:
            return "an unspecified address"
        if one.is_multicast:
            return "a multicast address"
        if one.is_private:
            return "a private network address"
        if one.is_reserved or not one.is_global:
            return "a reserved or non-public address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class NetGuard:
    """Resolves a host and refuses it unless every address is public (or opted in)."""

    def __init__(self, *, allow_private: bool = False, resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver

    async def addresses(self, host: str, port: int) -> list[Address]:
        """The checked addresses to connect to, in the resolver's order.

        Raises ``AddressRefused`` if any address of ``host`` is not public and private
        sources are not allowed; nothing has been contacted then."""
        literal = literal_address(host)
        if literal is not None:
            found: list[Address] = [literal]
        else:
            try:
                answers = await self.resolver(host, port)
            except (OSError, socket.gaierror) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host} ({exc})") from None
            found = [a for a in (literal_address(s) for s in answers) if a is not None]
            if not found:
                raise httpcore.ConnectError(f"cannot resolve {host} (no address)")
        if not self.allow_private:
            for ip in found:
                reason = why_not_public(ip)
                if reason is not None:
                    named = str(ip) if literal is not None and str(ip) == host else f"{host} ({ip})"
                    raise AddressRefused(
                        host, f"{named} is {reason}, refused as a source; {OPT_IN}"
                    )
        return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks each host with ``guard`` and connects
    to the very address it checked. ``inner`` makes the connections (a test may pass
    one that records them)."""

    def __init__(self, guard: NetGuard, inner: httpcore.AsyncNetworkBackend | None = None):
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        error: Exception | None = None
        for ip in await self.guard.addresses(host, port):
            try:
                return await self.inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not sources")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
