"""pytest plugin that cuts the network off in the PROJECT's interpreter, for every pytest run gapfinder
starts there (scaffold's run-and-adapt, `doctor --run`). Copied to a temporary folder and loaded with
`-p gapfinder_offline`; standard library only.

Connections and name lookups beyond this machine raise OSError (a ConnectionRefusedError or a
socket.gaierror, which code under test handles like an unreachable host); loopback addresses,
`localhost` and Unix sockets still work, so local test servers and SQLite do.
"""

from __future__ import annotations

import ipaddress
import socket

_LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


def _local_host(host) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if str(host) in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _message(what) -> str:
    return f"network access is cut off by gapfinder ({what})"


def _guarded(real):
    def connect(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local_host(address[0]):
            raise ConnectionRefusedError(_message(address[0]))
        return real(self, address, *args, **kwargs)

    return connect


_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if not _local_host(host):
        raise socket.gaierror(_message(host))
    return _real_getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded(socket.socket.connect)
socket.socket.connect_ex = _guarded(socket.socket.connect_ex)
socket.getaddrinfo = _getaddrinfo
