"""The group's week as a heat map image (PNG): weekdays across, parts of the day down.

A pure function of a `WeekGrid`. Where each cell sits is `HeatMapLayout`, so tests (and anyone
curious) can find a cell's pixels; the numbers are also written into the PNG's text chunks.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from bot.services.availability import PARTS_OF_DAY, WEEKDAY_ABBREVIATIONS, WeekGrid

Colour = tuple[int, int, int]

BACKGROUND: Colour = (255, 255, 255)
INK: Colour = (33, 37, 41)
MUTED: Colour = (108, 117, 125)
GRID_LINE: Colour = (255, 255, 255)
# Nobody free → everybody free.
EMPTY: Colour = (238, 242, 241)
FULL: Colour = (18, 94, 86)


@dataclass(frozen=True)
class HeatMapLayout:
    """Where everything is drawn, in pixels."""

    margin: int = 20
    title_height: int = 48
    label_width: int = 100
    header_height: int = 28
    cell_width: int = 84
    cell_height: int = 58
    gap: int = 3
    legend_height: int = 46

    @property
    def width(self) -> int:
        return self.margin * 2 + self.label_width + 7 * self.cell_width

    @property
    def height(self) -> int:
        return self.margin * 2 + self.title_height + self.header_height + len(PARTS_OF_DAY) * self.cell_height \
            + self.legend_height

    @property
    def grid_left(self) -> int:
        return self.margin + self.label_width

    @property
    def grid_top(self) -> int:
        return self.margin + self.title_height + self.header_height

    def cell_box(self, weekday: int, part_index: int) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) of a cell's coloured area, right and bottom exclusive."""
        left = self.grid_left + weekday * self.cell_width
        top = self.grid_top + part_index * self.cell_height
        return left, top, left + self.cell_width - self.gap, top + self.cell_height - self.gap

    def day_label_box(self, weekday: int) -> tuple[int, int, int, int]:
        left = self.grid_left + weekday * self.cell_width
        top = self.margin + self.title_height
        return left, top, left + self.cell_width - self.gap, top + self.header_height

    def part_label_box(self, part_index: int) -> tuple[int, int, int, int]:
        top = self.grid_top + part_index * self.cell_height
        return self.margin, top, self.grid_left - 8, top + self.cell_height - self.gap


LAYOUT = HeatMapLayout()


def cell_colour(count: int, total: int) -> Colour:
    """From pale (nobody free) to dark green (everybody free), in proportion."""
    share = 0.0 if total <= 0 else max(0.0, min(1.0, count / total))
    return tuple(round(e + (f - e) * share) for e, f in zip(EMPTY, FULL, strict=True))  # type: ignore[return-value]


def _text_colour(background: Colour) -> Colour:
    luminance = 0.299 * background[0] + 0.587 * background[1] + 0.114 * background[2]
    return (255, 255, 255) if luminance < 140 else INK


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _centred(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], text: str, size: int, fill: Colour) -> None:
    left, top, right, bottom = box
    draw.text(((left + right) / 2, (top + bottom) / 2), text, font=_font(size), fill=fill, anchor="mm")


def render_heat_map(grid: WeekGrid, *, title: str, description: str, layout: HeatMapLayout = LAYOUT) -> bytes:
    """The heat map as PNG bytes; `description` (the text summary) goes into the file as well."""
    image = Image.new("RGB", (layout.width, layout.height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((layout.margin, layout.margin), title, font=_font(18), fill=INK)
    people = "member has" if grid.total == 1 else "members have"
    draw.text((layout.margin, layout.margin + 24),
              f"{grid.total} {people} said when they are usually free · darker = more people free at once",
              font=_font(13), fill=MUTED)

    for weekday, name in enumerate(WEEKDAY_ABBREVIATIONS):
        _centred(draw, layout.day_label_box(weekday), name, 15, INK)
    for index, part in enumerate(PARTS_OF_DAY):
        left, top, right, bottom = layout.part_label_box(index)
        middle = (top + bottom) / 2
        draw.text((right, middle - 8), part.label, font=_font(15), fill=INK, anchor="rm")
        # The bundled font has no en dash.
        draw.text((right, middle + 10), part.hours.replace("–", "-"), font=_font(12), fill=MUTED, anchor="rm")

    for weekday in range(7):
        for index in range(len(PARTS_OF_DAY)):
            count = grid.counts[weekday][index]
            colour = cell_colour(count, grid.total)
            box = layout.cell_box(weekday, index)
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
            _centred(draw, box, str(count), 20, _text_colour(colour))

    _draw_legend(draw, grid.total, layout)

    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Description", description)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def _draw_legend(draw: ImageDraw.ImageDraw, total: int, layout: HeatMapLayout) -> None:
    top = layout.grid_top + len(PARTS_OF_DAY) * layout.cell_height + 14
    left = layout.grid_left
    draw.text((left, top + 9), "Free:", font=_font(13), fill=MUTED, anchor="lm")
    steps = list(range(total + 1)) if total <= 10 else [round(total * i / 10) for i in range(11)]
    x = left + 44
    for count in steps:
        colour = cell_colour(count, total)
        draw.rectangle((x, top, x + 26, top + 18), fill=colour)
        _centred(draw, (x, top, x + 27, top + 19), str(count), 11, _text_colour(colour))
        x += 30
