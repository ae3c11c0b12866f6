"""bench/bench_svg.py — the side-by-side table of a bench as an SVG bar
chart, by hand with the standard library only.

bars(title, rows) -> str. Each row is (label, qemu, nvemu, unit, kind,
target, met): one group of two horizontal bars (QEMU grey, nvemu blue),
both scaled to the larger of the two (and of the target line), the values
at the bars' ends, nvemu/QEMU on the right. A target is a red line where
nvemu's bar must end (kind "ratio": target x QEMU's value; "max"/"min": the
value itself), and the right column says met or missed. Rows without a
value for either VMM are left out.
"""
from xml.sax.saxutils import escape

LABEL_W, BAR_W, RIGHT_W = 400, 380, 170
ROW_H, BAR_H, TOP = 38, 13, 58
QEMU_C, NVEMU_C, TARGET_C = "#9a9a9a", "#2b6cb0", "#d62728"


def _num(v, unit):
    if unit == "s":
        return f"{v:.2f} s"
    if unit in ("MiB", "MiB/s"):
        return f"{v:.0f} {unit}" if v >= 10 else f"{v:.1f} {unit}"
    if unit == "x":
        return f"{v:.2f}"
    return f"{v:.0f} {unit}"


def bars(title, rows):
    rows = [r for r in rows if r[1] is not None and r[2] is not None]
    width = LABEL_W + BAR_W + RIGHT_W
    height = TOP + ROW_H * len(rows) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="10" y="32" width="12" height="10" fill="{QEMU_C}"/>'
           f'<text x="27" y="41">QEMU</text>',
           f'<rect x="80" y="32" width="12" height="10" fill="{NVEMU_C}"/>'
           f'<text x="97" y="41">nvemu</text>',
           f'<line x1="160" y1="31" x2="160" y2="43" stroke="{TARGET_C}" stroke-width="2"/>'
           f'<text x="166" y="41">target (where nvemu\'s bar must end)</text>']
    for i, (label, q, e, unit, kind, target, met) in enumerate(rows):
        y = TOP + i * ROW_H
        tline = None
        if kind == "ratio" and target is not None:
            tline = q * target
        elif kind in ("max", "min") and target is not None:
            tline = target
        scale = max(abs(q), abs(e), tline or 0) or 1.0
        if i % 2:
            out.append(f'<rect x="0" y="{y - 4}" width="{width}" height="{ROW_H}" fill="#f4f6f8"/>')
        out.append(f'<text x="10" y="{y + BAR_H + 5}">{escape(label[:64])}</text>')
        for j, (v, c) in enumerate(((q, QEMU_C), (e, NVEMU_C))):
            w = max(1.0, BAR_W * 0.82 * max(v, 0) / scale)
            by = y + j * (BAR_H + 2)
            out.append(f'<rect x="{LABEL_W}" y="{by}" width="{w:.1f}" height="{BAR_H}" fill="{c}"/>')
            out.append(f'<text x="{LABEL_W + w + 4:.1f}" y="{by + BAR_H - 2}" font-size="10">'
                       f'{escape(_num(v, unit))}</text>')
        if tline is not None:
            tx = LABEL_W + BAR_W * 0.82 * tline / scale
            out.append(f'<line x1="{tx:.1f}" y1="{y - 2}" x2="{tx:.1f}" y2="{y + 2 * BAR_H + 4}" '
                       f'stroke="{TARGET_C}" stroke-width="2"/>')
        if kind in ("max", "min"):
            right = f"nvemu {_num(e, unit)}"  # the target is on nvemu's value
        else:
            right = f"{e / q:.2f}x" if q else ""
        if met in ("yes", "NO"):
            right += ("  met" if met == "yes" else "  missed")
        color = TARGET_C if met == "NO" else ("#2f855a" if met == "yes" else "black")
        out.append(f'<text x="{LABEL_W + BAR_W + 10}" y="{y + BAR_H + 5}" fill="{color}" '
                   f'font-weight="{"bold" if met else "normal"}">{escape(right)}</text>')
    out.append(f'<text x="10" y="{height - 14}" font-size="10" fill="#555">Each metric is scaled '
               'on its own: compare the two bars of a row, not rows with each other.</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
