"""The cyclic garbage collector in a long-running process (the server, SQLite's writer).

Measured on ``kefu bench chat`` (2,000 msgs/s offered): the server's objects that are
alive after start-up (the sockets' tasks, the ORM's configured mappers: ~66,000) made each
full pass of the collector take 27-128 ms of the event loop, and with the default
thresholds a pass ran about once a second, since each message's short-lived objects are
promoted while they wait for their batch. Every message in flight waited for it: a
pause of that size is the p99 by itself."""

from __future__ import annotations

import gc

# Young passes between two looks at the oldest generation (CPython's default: 10). A full
# pass then comes every ~700,000 net allocations instead of every ~70,000: none in the
# chat bench's 5 s phases at 2,000 msgs/s. Rarer still (1,000) let the garbage cycles of
# 10,000 sockets' handshakes wait longer, and ``kefu bench idle`` grew 38 MiB (623 MiB,
# over its 600); at 100 it is within 5 MiB of the default's.
OLDEST_EVERY = 100


def settle_heap() -> None:
    """Once start-up is over: what it built lives as long as the process, so it leaves
    the collector's view (``gc.freeze``: a full pass no longer walks it), and full passes
    over what remains come ten times less often."""
    gc.freeze()
    young, middle, _oldest = gc.get_threshold()
    gc.set_threshold(young, middle, OLDEST_EVERY)
