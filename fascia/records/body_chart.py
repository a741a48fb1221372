"""The trigger-point body chart: the pelvis and thighs seen from behind.

One region per muscle of the pathway (`session.muscles`) and side. Seen from behind, the
patient's left is on the viewer's left. The chart is a picture of what is recorded, never
the record: trigger points are stored as rows (muscle, side, kind), and on the form the
controls are a list of selects that works without the picture (`static/js/body-chart.js`
keeps the two in step). A muscle with no shape here is listed, not drawn.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fascia.pathways import TRIGGER_POINT_SIDES
from fascia.pathways.models import Muscle

WIDTH = 300
HEIGHT = 400

# The shape of each muscle on the patient's left (the viewer's left), and where its label
# goes; the right side is the mirror image. Listed in drawing order: the piriformis, which
# lies under the gluteus maximus, is drawn last so that it can be tapped.
LEFT_SHAPES: dict[str, tuple[str, tuple[int, int]]] = {
    "quadratus_lumborum": (
        "M 114 22 L 144 20 L 144 96 L 110 100 C 108 74 110 46 114 22 Z",
        (128, 62),
    ),
    "gluteus_medius": (
        "M 62 124 C 84 104 112 102 132 110 L 126 134 C 104 132 84 140 68 156 "
        "C 62 146 60 134 62 124 Z",
        (96, 128),
    ),
    "gluteus_maximus": (
        "M 70 160 C 88 140 118 134 146 146 L 146 236 C 122 246 92 242 74 230 "
        "C 64 208 64 182 70 160 Z",
        (108, 216),
    ),
    "hamstrings": ("M 84 254 L 144 254 L 140 384 L 90 384 Z", (114, 322)),
    "piriformis": ("M 146 144 L 146 166 L 76 190 L 68 170 Z", (108, 172)),
}


@dataclass(frozen=True)
class Region:
    muscle: str
    name: str
    side: str
    path: str
    mirrored: bool
    label_x: int
    label_y: int
    kind: str
    """"active", "latent", or "" for no trigger point."""
    field_id: str = ""
    """The id of the form control this region mirrors; empty on a read-only chart."""


def regions(
    muscles: Sequence[Muscle],
    marks: Mapping[tuple[str, str], str],
    field_ids: Mapping[tuple[str, str], str] | None = None,
) -> list[Region]:
    """The regions to draw, in drawing order; `marks` gives the kind by (muscle, side)."""
    names = {m.id: m.name for m in muscles}
    found = []
    for muscle, (path, (x, y)) in LEFT_SHAPES.items():
        if muscle not in names:
            continue
        for side in TRIGGER_POINT_SIDES.ids:
            mirrored = side == "right"
            found.append(
                Region(
                    muscle=muscle,
                    name=names[muscle],
                    side=side,
                    path=path,
                    mirrored=mirrored,
                    label_x=WIDTH - x if mirrored else x,
                    label_y=y,
                    kind=marks.get((muscle, side), ""),
                    field_id=(field_ids or {}).get((muscle, side), ""),
                )
            )
    return found
