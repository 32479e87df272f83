"""Status polling at a fixed rate from a second process while pipelines run: p50/p99 latency
and errors (``bench/load.py`` with no creations; it also takes ``--create-rate``).

Usage: python bench/api_load.py [--sessions 4] [--poll-rate 200] [--seconds 60] [--layout both]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from load import main

if __name__ == "__main__":
    main(default_create_rate=0)
