"""A slow Rasa for the fault tests: a TCP proxy in front of the real one that passes every
request on at once (Rasa gets the message and answers it) but holds Rasa's answers back
while the test says so. Held answers go out when the test lets them go; an answer whose
caller has hung up is dropped. It runs its own event loop in a thread, so a synchronous
test drives it, and it needs nothing but asyncio.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

CHUNK = 64 * 1024
# after the caller hangs up, how long Rasa may still take to finish its answer (read, dropped)
DRAIN_S = 30.0


class SlowRasa:
    """``with SlowRasa(rasa_port) as proxy``: point RASA_URL at ``proxy.url``; ``hold()``
    makes Rasa slower than any timeout, ``release()`` lets its answers through again."""

    def __init__(self, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (host, upstream_port)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="slow-rasa", daemon=True)
        self._open: asyncio.Event | None = None  # set: answers flow; clear: they are held
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> SlowRasa:
        self._thread.start()
        self._call(self._start())
        return self

    def __exit__(self, *exc) -> None:
        self._call(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def hold(self) -> None:
        self._loop.call_soon_threadsafe(self._open.clear)

    def release(self) -> None:
        self._loop.call_soon_threadsafe(self._open.set)

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _start(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _connection(self, caller_reader: asyncio.StreamReader, caller: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._connections.add(task)
        try:
            await self._relay(caller_reader, caller)
        except (asyncio.CancelledError, OSError):
            pass  # the proxy is closing, or Rasa cannot be reached: the caller sees its connection close
        finally:
            caller.close()
            self._connections.discard(task)

    async def _relay(self, caller_reader: asyncio.StreamReader, caller: asyncio.StreamWriter) -> None:
        rasa_reader, rasa = await asyncio.open_connection(*self.upstream)
        requests = asyncio.create_task(self._pass_on(caller_reader, rasa))
        answers = asyncio.create_task(self._answers(rasa_reader, caller))
        try:
            await asyncio.wait([requests, answers], return_when=asyncio.FIRST_COMPLETED)
            if requests.done():
                # The caller hung up (it gave up waiting, or died): Rasa has the request and
                # finishes it, as it would behind a slow network; its answer is dropped.
                await asyncio.wait([answers], timeout=DRAIN_S)
            # else Rasa closed the connection (idle): the caller's side closes with it
        finally:
            requests.cancel()
            answers.cancel()
            rasa.close()

    async def _pass_on(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(CHUNK):
                writer.write(chunk)
                await writer.drain()

    async def _answers(self, reader: asyncio.StreamReader, caller: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(CHUNK):
                await self._open.wait()
                if not caller.is_closing():
                    caller.write(chunk)


@contextlib.contextmanager
def gateway_behind_slow_rasa(bot, timeout_s: float):
    """The stack's gateway (tools/stack.py LiveBot) restarted to reach Rasa through a SlowRasa,
    with a buyer's wait (XIAOER_RASA_TIMEOUT) of timeout_s; restarted as it was afterwards, for
    the tests after (also when a test killed it)."""
    with SlowRasa(bot.ports["rasa"]) as proxy:
        bot.restart(["gateway"], RASA_URL=proxy.url, XIAOER_RASA_TIMEOUT=str(timeout_s))
        try:
            yield proxy
        finally:
            proxy.release()
            bot.restart(["gateway"], RASA_URL=None, XIAOER_RASA_TIMEOUT=None)
