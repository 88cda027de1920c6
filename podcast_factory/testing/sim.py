"""``python -m podcast_factory.testing.sim``: the provider simulator on 127.0.0.1.

Prints the base URLs to export as ``ANTHROPIC_BASE_URL`` and ``ELEVENLABS_BASE_URL``,
serves until Ctrl-C or SIGTERM, then says what it billed."""

from __future__ import annotations

import sys

from podcast_factory.testing.server import main

if __name__ == "__main__":
    sys.exit(main())
