"""One font stack for every chart: the UI's Latin font first, then CJK fonts, so Chinese labels draw in a real Chinese
face (Noto/Source Han on Linux, PingFang on macOS, Microsoft YaHei on Windows) and never as boxes when the browser's
own fallback would pick a font without those glyphs.

May import: the kernel only.
"""

from __future__ import annotations

from typing import Any

FONT_FAMILY = ('"Source Sans 3", "Source Sans Pro", "Helvetica Neue", Arial, "Noto Sans CJK SC", "Source Han Sans SC", '
               '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif')


def with_fonts(fig: Any) -> Any:
    """``fig`` with the shared font stack set on its layout (explicit layout values win over Streamlit's theme)."""
    fig.update_layout(font_family=FONT_FAMILY)
    return fig
