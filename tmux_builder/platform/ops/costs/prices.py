"""The price table kept in the repo (``prices.json``): versioned, each price with its unit,
source and date, plus the usage assumed for usage-priced items."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PRICE_FILE = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class Price:
    key: str
    usd: float
    unit: str
    source: str
    date: str


@dataclass(frozen=True)
class PriceTable:
    version: str
    currency: str
    hours_per_month: float
    prices: dict[str, Price]
    assumptions: dict[str, float]

    def usd(self, key: str) -> float | None:
        price = self.prices.get(key)
        return price.usd if price else None


def parse_price_table(document: dict[str, Any]) -> PriceTable:
    prices = {
        key: Price(key, float(entry["usd"]), entry["unit"], entry["source"], entry["date"])
        for key, entry in document["prices"].items()
    }
    assumptions = {key: float(entry["value"]) for key, entry in document["assumptions"].items()}
    return PriceTable(document["version"], document["currency"],
                      float(document["hours_per_month"]), prices, assumptions)


@lru_cache(maxsize=4)
def load_price_table(path: Path = PRICE_FILE) -> PriceTable:
    return parse_price_table(json.loads(path.read_text(encoding="utf-8")))
