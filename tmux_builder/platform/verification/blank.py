"""Decide whether a screenshot shows a blank page.

Rule: take the most common colour as the background; a pixel is *ink* when any channel differs
from it by more than ``INK_TOLERANCE`` (so JPEG-like noise, faint borders or a barely-visible
gradient do not count). The page is blank when ink covers less than ``MIN_INK_FRACTION`` of the
image (1 in 10,000 pixels: about 100 pixels on a 1280x800 viewport, less than one short word).
A page with more than ``COLOUR_CAP`` distinct colours is never blank (a blank render has a
handful), which also bounds the work on huge full-page images."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops

INK_TOLERANCE = 24
MIN_INK_FRACTION = 1 / 10_000
COLOUR_CAP = 65_536


@dataclass(frozen=True)
class ImageStats:
    distinct_colours: int
    """Distinct RGB colours, counted up to ``COLOUR_CAP``."""
    ink_fraction: float
    blank: bool


def analyse(image: Image.Image) -> ImageStats:
    rgb = image.convert("RGB")
    pixels = rgb.width * rgb.height
    colours = rgb.getcolors(COLOUR_CAP)
    if colours is None or pixels == 0:
        return ImageStats(distinct_colours=COLOUR_CAP, ink_fraction=1.0, blank=pixels == 0)
    _, background = max(colours, key=lambda entry: entry[0])
    assert isinstance(background, tuple)  # an RGB image counts colours as (r, g, b)
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, background))
    red, green, blue = diff.split()
    strongest = ImageChops.lighter(ImageChops.lighter(red, green), blue)
    ink = sum(strongest.histogram()[INK_TOLERANCE + 1 :])
    fraction = ink / pixels
    return ImageStats(
        distinct_colours=len(colours), ink_fraction=fraction, blank=fraction < MIN_INK_FRACTION
    )
