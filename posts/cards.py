"""Social cards: the 1200x630 PNG a post's page names as its `og:image`, drawn with Pillow.

Pure drawing, no database and no storage: `posts.services.cards` decides when a card is drawn
and where it is kept (docs/posting.md#social-cards). The text is drawn in DejaVu Sans from
Debian's fonts-dejavu-core when it is installed, else in Pillow's own default font, so a
machine without the package still gets a card.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
# Part of every card's version: change it when the drawing changes, so every post gets a new
# card address and no reader or crawler keeps the old picture from its cache.
DESIGN = "1"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = "DejaVuSans.ttf"
FONT_BOLD = "DejaVuSans-Bold.ttf"

BACKGROUND = (15, 23, 42)
FOREGROUND = (241, 245, 249)
MUTED = (148, 163, 184)
ACCENT = (56, 189, 248)
PANEL = (30, 41, 59)

MARGIN = 72
TITLE_LINES = 4
TITLE_SIZES = (68, 60, 52, 46)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class CardText:
    """What a card says. `byline` is the channel ("@devopslinks") or the author ("by ada");
    `figure` and `figure_label` are the post's first key number, or empty."""

    site: str
    title: str
    byline: str = ""
    figure: str = ""
    figure_label: str = ""

    def version(self) -> str:
        """A short hash of the text and the design: the card's address changes with either."""
        raw = json.dumps([DESIGN, asdict(self)], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


@lru_cache(maxsize=32)
def font(size: int, *, bold: bool = False) -> Font:
    """DejaVu Sans (bold) at `size` pixels, or Pillow's default font when it is not installed."""
    path = FONT_DIR / (FONT_BOLD if bold else FONT_REGULAR)
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> list[str]:
    """`text` in lines no wider than `width`; a word wider than a line is cut by characters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=face) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=face) > width and len(line) > 1:
            cut = len(line) - 1
            while cut > 1 and draw.textlength(line[:cut], font=face) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int, max_lines: int) -> list[str]:
    """At most `max_lines` lines of `text`, the last one ending in an ellipsis when cut."""
    lines = _wrap(draw, text, face, width)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and draw.textlength(f"{last}…", font=face) > width:
        last = last[:-1].rstrip()
    kept[-1] = f"{last}…"
    return kept


def _title_lines(draw: ImageDraw.ImageDraw, title: str, width: int) -> tuple[Font, list[str]]:
    """The largest title size whose wrapped lines fit, cut with an ellipsis at the smallest."""
    for size in TITLE_SIZES:
        face = font(size, bold=True)
        lines = _wrap(draw, title, face, width)
        if len(lines) <= TITLE_LINES:
            return face, lines
    face = font(TITLE_SIZES[-1], bold=True)
    return face, _fit(draw, title, face, width, TITLE_LINES)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_render(text: CardText) -> bytes:
    """The card of `text` as PNG bytes, 1200x630: the site's name, the title wrapped on up to
    four lines (shrunk, then cut with an ellipsis, to fit), the byline, and the first key
    number in a panel on the right when there is one."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw.text((MARGIN, 52), f"{text.site}()", font=font(34, bold=True), fill=ACCENT)

    panel_width = 330 if text.figure else 0
    title_width = WIDTH - 2 * MARGIN - (panel_width + 40 if panel_width else 0)
    face, lines = _title_lines(draw, text.title, title_width)
    line_height = int(face.size * 1.2) if isinstance(face, ImageFont.FreeTypeFont) else 60
    y = 140
    for line in lines:
        draw.text((MARGIN, y), line, font=face, fill=FOREGROUND)
        y += line_height

    if text.byline:
        byline = _fit(draw, text.byline, font(32), title_width, 1)[0]
        draw.text((MARGIN, HEIGHT - 64 - 32), byline, font=font(32), fill=MUTED)

    if text.figure:
        left = WIDTH - MARGIN - panel_width
        draw.rounded_rectangle((left, 140, WIDTH - MARGIN, 470), radius=20, fill=PANEL)
        inner = panel_width - 60
        value = _fit(draw, text.figure, font(72, bold=True), inner, 1)[0]
        draw.text((left + 30, 175), value, font=font(72, bold=True), fill=ACCENT)
        label_face = font(26)
        for index, line in enumerate(_fit(draw, text.figure_label, label_face, inner, 5)):
            draw.text((left + 30, 285 + index * 34), line, font=label_face, fill=FOREGROUND)
    return _png(image)


def default_card_render(*, site: str, tagline: str) -> bytes:
    """The site-wide card, for pages and posts without one of their own: the site's name and
    its tagline."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw.text((MARGIN, 200), f"{site}()", font=font(120, bold=True), fill=ACCENT)
    for index, line in enumerate(_fit(draw, tagline, font(40), WIDTH - 2 * MARGIN, 3)):
        draw.text((MARGIN, 370 + index * 52), line, font=font(40), fill=FOREGROUND)
    return _png(image)
