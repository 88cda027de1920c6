"""The provider governor as a plain class: windows, rpm, 429 pauses, FIFO, leases, client."""

from __future__ import annotations

import asyncio
import pickle
import sys
import time
import types

import pytest

from podcast_factory.actors.governor import (
    GovernorClient,
    ProviderGovernor,
    ProviderLimits,
    default_limits,
)
from podcast_factory.errors import TransientProviderError


class FakeClock:
    """A clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Remote:
    """One fake actor method: ``.remote(...)`` returns an awaitable, like an ObjectRef."""

    def __init__(self, fn, calls: list[str], name: str) -> None:
        self._fn, self._calls, self._name = fn, calls, name

    def remote(self, *args):
        self._calls.append(self._name)

        async def run() -> object:
            result = self._fn(*args)
            return await result if asyncio.iscoroutine(result) else result

        return run()


class FakeHandle:
    """A stand-in for a governor actor handle that records every round trip."""

    def __init__(self, governor: ProviderGovernor) -> None:
        self.calls: list[str] = []
        self.acquire = _Remote(governor.acquire, self.calls, "acquire")
        self.release = _Remote(governor.release, self.calls, "release")
        self._unpicklable = lambda: None


def one(limits: ProviderLimits, **kwargs) -> ProviderGovernor:
    return ProviderGovernor({"p": limits}, **kwargs)


async def _hold(gov: ProviderGovernor, provider: str, seen: list[int], live: list[int]) -> None:
    ticket = await gov.acquire(provider)
    live[0] += 1
    seen.append(live[0])
    await asyncio.sleep(0.001)
    live[0] -= 1
    gov.release(ticket, "ok")


def test_never_more_than_max_concurrent_across_50_tasks() -> None:
    """Fifty concurrent callers never have more than max_concurrent requests in flight."""
    gov = one(ProviderLimits(max_concurrent=4))
    seen: list[int] = []

    async def main() -> None:
        await asyncio.gather(*(_hold(gov, "p", seen, live) for _ in range(50)))

    live = [0]
    asyncio.run(main())
    assert len(seen) == 50
    assert max(seen) == 4
    assert gov.state()["p"].in_flight == 0
    assert gov.state()["p"].requests_started == 50


def test_elevenlabs_default_allows_exactly_two_concurrent() -> None:
    """With the default limits ElevenLabs gets two requests in flight; the rest queue."""

    async def main() -> None:
        gov = ProviderGovernor()
        tasks = [asyncio.create_task(gov.acquire("elevenlabs")) for _ in range(5)]
        await asyncio.sleep(0.01)
        st = gov.state()["elevenlabs"]
        assert (st.in_flight, st.waiting) == (2, 3)
        assert sum(t.done() for t in tasks) == 2
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())


def test_rpm_limit_holds_the_sixth_request_until_the_window_frees() -> None:
    """With rpm=5, five requests start at once and the sixth only when the window slides."""
    gov = one(ProviderLimits(max_concurrent=10, requests_per_minute=5), rpm_window_s=0.2)

    async def main() -> list[float]:
        t0 = time.monotonic()

        async def timed() -> float:
            gov.release(await gov.acquire("p"), "ok")
            return time.monotonic() - t0

        tasks = [asyncio.create_task(timed()) for _ in range(6)]
        await asyncio.sleep(0.05)
        assert gov.state()["p"].waiting == 1
        return await asyncio.wait_for(asyncio.gather(*tasks), 2)

    times = asyncio.run(main())
    assert max(times[:5]) < 0.1
    assert times[5] >= 0.19


def test_throttle_pauses_everyone_then_resumes() -> None:
    """A 429 with Retry-After stops every caller from starting until the pause ends."""
    gov = one(ProviderLimits(max_concurrent=4))

    async def main() -> None:
        gov.release(await gov.acquire("p"), "throttled", retry_after_s=0.15)
        t0 = time.monotonic()
        tasks = [asyncio.create_task(_hold(gov, "p", [], [0])) for _ in range(3)]
        await asyncio.sleep(0.08)
        st = gov.state()["p"]
        assert (st.requests_started, st.waiting, st.window) == (1, 3, 2)
        assert st.paused_until_s > 0
        await asyncio.wait_for(asyncio.gather(*tasks), 2)
        assert time.monotonic() - t0 >= 0.14

    asyncio.run(main())
    st = gov.state()["p"]
    assert (st.requests_started, st.throttles, st.in_flight) == (4, 1, 0)


def test_repeated_throttles_halve_window_down_to_min() -> None:
    """Each 429 halves the window (8, 4, 2) and it never drops below min_concurrent."""
    clock = FakeClock()
    gov = one(ProviderLimits(max_concurrent=8, min_concurrent=2), clock=clock)
    windows = []

    async def main() -> None:
        for _ in range(4):
            gov.release(await gov.acquire("p"), "throttled", retry_after_s=0)
            windows.append(gov.state()["p"].window)

    asyncio.run(main())
    assert windows == [4, 2, 2, 2]


def test_burst_of_429s_from_one_window_cuts_once() -> None:
    """429s for requests all sent under the same window halve it once, not per reply."""
    gov = one(ProviderLimits(max_concurrent=8), clock=FakeClock())

    async def main() -> None:
        tickets = [await gov.acquire("p") for _ in range(8)]
        for t in tickets:
            gov.release(t, "throttled", retry_after_s=0)

    asyncio.run(main())
    assert gov.state()["p"].window == 4
    assert gov.state()["p"].throttles == 8


def test_successes_raise_window_back_to_max() -> None:
    """After a cut, one success per round trip adds one slot until max_concurrent."""
    gov = one(ProviderLimits(max_concurrent=4), clock=FakeClock())
    windows = []

    async def main() -> None:
        for _ in range(2):
            gov.release(await gov.acquire("p"), "throttled", retry_after_s=0)
        for _ in range(8):
            gov.release(await gov.acquire("p"), "ok")
            windows.append(gov.state()["p"].window)

    asyncio.run(main())
    assert windows == [2, 2, 3, 3, 3, 4, 4, 4]


def test_default_backoff_doubles_and_caps_at_60_s() -> None:
    """Consecutive 429s without Retry-After pause 1, 2, 4 ... seconds, at most 60."""
    clock = FakeClock()
    gov = one(ProviderLimits(max_concurrent=1), clock=clock)
    pauses = []

    async def main() -> None:
        for _ in range(8):
            gov.release(await gov.acquire("p"), "throttled")
            pauses.append(gov.state()["p"].paused_until_s)
            clock.now += pauses[-1]

    asyncio.run(main())
    assert pauses == [1, 2, 4, 8, 16, 32, 60, 60]


def test_waiters_are_served_fifo() -> None:
    """Callers queued behind a full window get their tickets in the order they asked."""
    gov = one(ProviderLimits(max_concurrent=1))
    order: list[int] = []

    async def main() -> None:
        holder = await gov.acquire("p")

        async def waiter(i: int) -> None:
            ticket = await gov.acquire("p")
            order.append(i)
            await asyncio.sleep(0)
            gov.release(ticket, "ok")

        tasks = []
        for i in range(10):
            tasks.append(asyncio.create_task(waiter(i)))
            await asyncio.sleep(0)
        gov.release(holder, "ok")
        await asyncio.wait_for(asyncio.gather(*tasks), 2)

    asyncio.run(main())
    assert order == list(range(10))


def test_cancelled_waiter_neither_blocks_nor_leaks() -> None:
    """A caller cancelled while queued leaves the queue; the next one gets the slot."""
    gov = one(ProviderLimits(max_concurrent=1))

    async def main() -> None:
        holder = await gov.acquire("p")
        gone = asyncio.create_task(gov.acquire("p"))
        nxt = asyncio.create_task(gov.acquire("p"))
        await asyncio.sleep(0)
        gone.cancel()
        gov.release(holder, "ok")
        gov.release(await asyncio.wait_for(nxt, 1), "ok")
        assert gone.cancelled()

    asyncio.run(main())
    assert gov.state()["p"].in_flight == 0
    assert gov.state()["p"].waiting == 0


def test_unknown_provider_is_unlimited() -> None:
    """A provider without limits gets a ticket at once however many ask."""
    gov = ProviderGovernor()

    async def main() -> list[str]:
        return await asyncio.wait_for(
            asyncio.gather(*(gov.acquire("espeak") for _ in range(100))), 0.5
        )

    tickets = asyncio.run(main())
    assert len(set(tickets)) == 100
    gov.release(tickets[0], "throttled", retry_after_s=30)
    assert set(gov.state()) == {"anthropic", "elevenlabs"}


def test_expired_lease_is_reclaimed_at_next_acquire() -> None:
    """A ticket never released stops counting after lease_s; its late release is ignored."""
    clock = FakeClock()
    gov = one(ProviderLimits(max_concurrent=1), clock=clock, lease_s=300)

    async def main() -> None:
        lost = await gov.acquire("p")
        clock.now += 301
        fresh = await asyncio.wait_for(gov.acquire("p"), 0.5)
        gov.release(lost, "ok")
        assert gov.state()["p"].in_flight == 1
        gov.release(fresh, "ok")

    asyncio.run(main())
    assert gov.state()["p"].leases_expired == 1
    assert gov.state()["p"].in_flight == 0


def test_queued_caller_wakes_when_a_lease_expires() -> None:
    """A caller queued behind a dead holder is served when the lease runs out."""
    gov = one(ProviderLimits(max_concurrent=1), lease_s=0.1)

    async def main() -> None:
        await gov.acquire("p")
        gov.release(await asyncio.wait_for(gov.acquire("p"), 1), "ok")

    asyncio.run(main())
    assert gov.state()["p"].leases_expired == 1


def test_releasing_twice_is_harmless() -> None:
    """A repeated release frees nothing more and counts no second throttle."""
    gov = one(ProviderLimits(max_concurrent=4), clock=FakeClock())

    async def main() -> None:
        other = await gov.acquire("p")
        ticket = await gov.acquire("p")
        gov.release(ticket, "throttled", retry_after_s=0)
        gov.release(ticket, "throttled", retry_after_s=0)
        gov.release(ticket, "ok")
        st = gov.state()["p"]
        assert (st.in_flight, st.throttles, st.window) == (1, 1, 2)
        gov.release(other, "ok")

    asyncio.run(main())


def test_client_slot_maps_429_to_throttle_and_reraises() -> None:
    """A 429 raised in a slot pauses the provider for its Retry-After and propagates."""
    clock = FakeClock()
    gov = ProviderGovernor(clock=clock)
    client = GovernorClient(gov)

    async def main() -> None:
        with pytest.raises(TransientProviderError) as info:
            async with client.slot("anthropic"):
                raise TransientProviderError("anthropic", "slow down", status=429, retry_after_s=7)
        assert info.value.retry_after_s == 7
        with pytest.raises(TransientProviderError):
            async with client.slot("elevenlabs"):
                raise TransientProviderError("elevenlabs", "overloaded", status=503)
        with pytest.raises(KeyError):
            async with client.slot("elevenlabs"):
                raise KeyError("x")

    asyncio.run(main())
    st = gov.state()
    assert (st["anthropic"].throttles, st["anthropic"].window) == (1, 4)
    assert st["anthropic"].paused_until_s == 7
    assert (st["elevenlabs"].throttles, st["elevenlabs"].in_flight) == (0, 0)
    assert st["elevenlabs"].requests_started == 2


def test_client_skips_the_actor_for_unlimited_providers() -> None:
    """Over an actor, a limited provider costs acquire+release; an unlimited one nothing."""
    handle = FakeHandle(ProviderGovernor())
    client = GovernorClient(handle, default_limits(), name="governor")

    async def main() -> None:
        async with client.slot("espeak") as free:
            assert free.ticket is None
        async with client.slot("anthropic") as slot:
            assert slot.ticket is not None

    asyncio.run(main())
    assert handle.calls == ["acquire", "release"]


def test_client_pickles_by_name_and_looks_the_actor_up_lazily(monkeypatch) -> None:
    """A pickled client carries the actor name only and finds the actor on first use."""
    handle = FakeHandle(ProviderGovernor())
    clone = pickle.loads(pickle.dumps(GovernorClient(handle, default_limits(), name="gov")))
    looked_up: list[str] = []

    def get_actor(name: str) -> FakeHandle:
        looked_up.append(name)
        return handle

    monkeypatch.setitem(
        sys.modules, "ray", types.SimpleNamespace(get_actor=get_actor, is_initialized=lambda: False)
    )

    async def main() -> None:
        async with clone.slot("espeak"):
            assert looked_up == []
        async with clone.slot("elevenlabs"):
            pass

    asyncio.run(main())
    assert looked_up == ["gov"]
    assert handle.calls == ["acquire", "release"]
    with pytest.raises(TypeError):
        pickle.dumps(GovernorClient(ProviderGovernor()))


def test_a_restarted_holder_gets_its_dead_tickets_back() -> None:
    """Tickets of a crashed caller are freed at once when it restarts, not at lease end."""

    async def scenario() -> tuple[int, int]:
        gov = ProviderGovernor({"el": ProviderLimits(max_concurrent=2)})
        await gov.acquire("el", holder="agent-1")
        await gov.acquire("el", holder="agent-1")
        freed = gov.release_holder("agent-1")
        await asyncio.wait_for(gov.acquire("el", holder="agent-1"), timeout=1)
        return freed, gov.state()["el"].in_flight

    assert asyncio.run(scenario()) == (2, 1)
