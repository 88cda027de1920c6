"""A loopback stand-in for the Anthropic and ElevenLabs HTTP APIs, shipped with the package.

The real SDKs work against it unchanged (``base_url=sim.url``), so tests (and users
trying a batch without keys or money) exercise the real clients end to end, faults and
billing included. Modules, one concept each:

- ``server``: the HTTP server, fault injection, the billing record (``ProviderSimulator``);
- ``anthropic``, ``batches``: the Messages, models and Message Batches routes;
- ``elevenlabs``: text to speech, text to dialogue, models, voices, subscription;
- ``payloads``: what answers contain (the JSON-schema filler, SSE, PCM);
- ``common``: requests, replies and bills the routes share.

Start it from Python (``with ProviderSimulator() as sim: ...``), as the pytest fixture
``provider_simulator`` of the test suite, or from a shell:
``python -m podcast_factory.testing.sim --port 8787``.
"""

from __future__ import annotations

from podcast_factory.testing.common import Bill, TtsCall
from podcast_factory.testing.server import FAULT_KINDS, ProviderSimulator

__all__ = ["FAULT_KINDS", "Bill", "ProviderSimulator", "TtsCall"]
