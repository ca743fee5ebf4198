"""Ports for the servers a test starts, safe on a busy machine."""

from __future__ import annotations

import random
import socket
from pathlib import Path


def ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def free_port() -> int:
    """A port free right now, below the ephemeral range (the kernel never gives those to
    outgoing connections), so nothing but another server can take it before we bind it."""
    high = ephemeral_range()[0] - 1
    for _ in range(100):
        port = random.randint(max(1024, high - 12000), high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
