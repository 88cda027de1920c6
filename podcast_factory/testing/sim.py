"""``python -m podcast_factory.testing.sim``: the provider simulator on 127.0.0.1.

Prints the base URLs to export as ``ANTHROPIC_BASE_URL`` and ``ELEVENLABS_BASE_URL``,
serves until Ctrl-C or SIGTERM, then says what it billed."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from podcast_factory.errors import UserInputError
from podcast_factory.providers.pricing import PriceTable
from podcast_factory.testing.server import FAULT_KINDS, ProviderSimulator


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve the Anthropic Messages API and ElevenLabs text to speech on "
        "127.0.0.1 with simulated latency, faults and billing, until Ctrl-C. Prints the "
        "base URLs to export as ANTHROPIC_BASE_URL and ELEVENLABS_BASE_URL."
    )
    add = parser.add_argument
    add("--port", type=int, default=8787, help="port on 127.0.0.1; 0 picks a free one")
    add("--fault-rate", type=float, default=0.0, help="share of requests that fail, 0..1")
    add("--faults", default=",".join(FAULT_KINDS), help="comma-separated fault kinds to draw")
    add("--latency", type=float, default=0.0, help="seconds added to every answer")
    add("--tts-latency", type=float, default=0.0, help="extra seconds per 1,000 TTS characters")
    add("--retry-after", type=float, default=0.2, help="retry-after of a 429, in seconds")
    add("--timeout", type=float, default=5.0, help="seconds a 'timeout' fault hangs, then closes")
    add("--seed", type=int, default=0, help="seed of the fault draws")
    add(
        "--reply-scale",
        type=float,
        default=1.0,
        help="Claude writes this many times its usual words (1.4: 40%% longer replies, "
        "billed as written), 0.1..10",
    )
    add("--api-key-env", metavar="VAR", help="require the API key held in this variable")
    add("--prices", metavar="PATH", help="price file (default: the packaged prices.yaml)")
    add("-v", "--verbose", action="store_true", help="log every request line and status")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING)
    key = os.environ.get(args.api_key_env or "") or None
    if args.api_key_env and key is None:
        parser.error(f"--api-key-env: ${args.api_key_env} is unset or empty")
    try:
        sim = ProviderSimulator(
            prices=PriceTable.load(args.prices), api_key=key, latency_s=args.latency,
            tts_latency_per_1000_chars_s=args.tts_latency, fault_rate=args.fault_rate,
            faults=[f for f in args.faults.split(",") if f], retry_after_s=args.retry_after,
            timeout_s=args.timeout, seed=args.seed, port=args.port,
            reply_scale=args.reply_scale,
        )  # fmt: skip
    except (ValueError, UserInputError) as exc:
        parser.error(str(exc))
    try:
        sim.start()
    except OSError as exc:
        parser.error(f"cannot listen on 127.0.0.1:{args.port}: {exc}")
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # SIGINT too: background jobs ignore it
        signal.signal(signum, lambda *_: done.set())
    with sim:
        print(
            f"export ANTHROPIC_BASE_URL={sim.url}\nexport ELEVENLABS_BASE_URL={sim.url}", flush=True
        )
        print("serving; Ctrl-C or SIGTERM stops it", file=sys.stderr, flush=True)
        while not done.wait(0.5):
            pass
    print(f"{len(sim.bills)} billed calls, ${sim.billed_micro_usd() / 1e6:.6f}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover - `python -m podcast_factory.testing.sim`
    sys.exit(main())
