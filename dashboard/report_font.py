"""The CJK font the PDF report embeds: `SVC_REPORT_FONT`, or the first known system font.

A PDF shows Chinese only with a font that has its glyphs embedded; none is built
into PDF readers. Debian's fonts-noto-cjk installs Noto Sans CJK as TrueType
collections (.ttc) holding one face per region: the Simplified Chinese face (SC)
is chosen, since the report is for mainland provinces.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

from events.errors import UserError

FONT_VARIABLE = "SVC_REPORT_FONT"
KNOWN_FONTS: tuple[str, ...] = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian: fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
SAMPLE = "稽核报告合规率"
"""Characters every report shows: a font without them would print empty boxes."""


class ReportFontError(UserError):
    """No font that can print the report's Chinese."""


@dataclass(frozen=True)
class CjkFont:
    path: Path
    index: int
    """The face in a .ttc collection (0 for a single-face .ttf or .otf)."""
    bold: Path
    """The bold weight beside it (`…-Bold.…`), or the regular file again when there is none."""


def report_font(env: Mapping[str, str] = os.environ) -> CjkFont:
    """The font named by `SVC_REPORT_FONT`, else the first of `KNOWN_FONTS` present."""
    configured = env.get(FONT_VARIABLE, "").strip()
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise ReportFontError(f"{FONT_VARIABLE}={configured}: no such font file")
        return _font(path)
    for known in KNOWN_FONTS:
        if Path(known).is_file():
            return _font(Path(known))
    raise ReportFontError(
        "no CJK font found for the PDF report: install Debian's fonts-noto-cjk "
        f"(apt-get install fonts-noto-cjk), or set {FONT_VARIABLE} to a .ttf, .otf or .ttc "
        "file with Chinese glyphs"
    )


def _font(path: Path) -> CjkFont:
    index = _chinese_face(path)
    bold = path.with_name(path.name.replace("Regular", "Bold"))
    return CjkFont(path, index, bold if bold != path and bold.is_file() else path)


def _chinese_face(path: Path) -> int:
    """The Simplified Chinese face of a collection (else its first), checked to hold Chinese."""
    collection = path.suffix.lower() in (".ttc", ".otc")
    try:
        opened = TTCollection(str(path), lazy=True) if collection else TTFont(str(path), lazy=True)
    except Exception as exc:
        raise ReportFontError(f"{path}: not a font file fontTools can read ({exc})") from exc
    with opened:
        faces = list(opened.fonts) if isinstance(opened, TTCollection) else [opened]
        names = [str(face["name"].getDebugName(4) or "") for face in faces]
        index = next((i for i, name in enumerate(names) if name.endswith(" SC")), 0)
        cmap = faces[index].getBestCmap() or {}
    if not all(ord(ch) in cmap for ch in SAMPLE):
        raise ReportFontError(
            f"{path} ({names[index] or 'face 0'}) has no Chinese glyphs: "
            f"point {FONT_VARIABLE} at a CJK font such as Debian's fonts-noto-cjk"
        )
    return index
