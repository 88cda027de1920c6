"""Stopping a running batch on SIGINT (Ctrl-C) or SIGTERM, cleanly.

The first signal asks the supervisor to stop (``Supervisor.interrupt``): no stage
starts after it, the stages in flight get ``GRACE_S`` to finish (their provider calls
commit or release), every episode not ended is written ``interrupted``, and the driver
raises ``BatchInterrupted``; the CLI exits 128 + the signal (130, 143). A rerun into
the same directory resumes. A second signal is not caught: it quits at once.

The handlers are installed on the event loop after Ray has started, since Ray's own
start-up installs handlers of its own (a native stack dump on SIGTERM).
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from podcast_factory.errors import RunError
from podcast_factory.models import BatchResult

GRACE_S = 10.0
"""How long stages in flight may take to finish once a batch is interrupted."""
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class BatchInterrupted(RunError):
    """A batch stopped by a signal. ``signal`` is its number (the CLI exits 128 + it);
    ``result`` is the batch as it stood, with the unfinished episodes ``interrupted``."""

    signal: int
    result: BatchResult

    def __init__(self, signal: int, result: BatchResult) -> None:
        stopped = sum(e.status == "interrupted" for e in result.episodes)
        super().__init__(
            f"{signal_name(signal)}: the batch stopped cleanly, {stopped} episode(s) "
            f"interrupted; rerun the same command to resume ({result.out_dir})",
            signal=signal,
            result=result,
        )


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class StopSignals:
    """SIGINT and SIGTERM caught on an event loop while a batch runs: the first one is
    remembered (``received``) and the handlers removed, so a second one acts at once."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.received: int | None = None
        self.sent: Any = None  # the interrupt call, once made
        self._installed: list[int] = []

    @classmethod
    def install(cls) -> StopSignals:
        """Catch the signals on the running loop (only possible in the main thread; in
        any other the signals keep their usual effect)."""
        stopper = cls(asyncio.get_running_loop())
        for sig in SIGNALS:
            try:
                stopper.loop.add_signal_handler(sig, stopper._on, sig)
            except (RuntimeError, ValueError, NotImplementedError):
                continue
            stopper._installed.append(sig)
        return stopper

    def _on(self, sig: int) -> None:
        if self.received is None:
            self.received = sig
        self.uninstall()

    def uninstall(self) -> None:
        while self._installed:
            self.loop.remove_signal_handler(self._installed.pop())

    def reason(self) -> str:
        return f"interrupted by {signal_name(self.received or 0)}"
