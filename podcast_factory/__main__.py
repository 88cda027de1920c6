"""``python -m podcast_factory``: the same command line as ``podcast-factory``."""

import sys

from podcast_factory.cli import main

sys.exit(main())
