#!/usr/bin/env python3
"""Draws icon.png: a white voice waveform on the brand colour (iconBrandColor in apiProperties.json).

Standard library only (zlib + struct), so it runs anywhere: python3 make-icon.py
"""
import json
import pathlib
import struct
import zlib

SIZE = 230          # Power Platform: square, 100-230 px
SAMPLES = 4         # 4x4 supersampling per pixel for smooth edges
HERE = pathlib.Path(__file__).resolve().parent

brand = json.loads((HERE / "apiProperties.json").read_text())["properties"]["iconBrandColor"]
BACKGROUND = tuple(int(brand[i:i + 2], 16) for i in (1, 3, 5))
WHITE = (255, 255, 255)

# Five rounded bars of a voice waveform, centred: (centre x, half height), in pixels.
BAR_HALF_WIDTH = 11
BARS = [(55, 22), (85, 46), (115, 70), (145, 46), (175, 22)]
CENTRE_Y = SIZE / 2


def inside(x: float, y: float) -> bool:
    """True when (x, y) falls in a bar: a vertical segment with round caps (a capsule)."""
    for cx, half in BARS:
        top, bottom = CENTRE_Y - half, CENTRE_Y + half
        nearest_y = min(max(y, top), bottom)
        if (x - cx) ** 2 + (y - nearest_y) ** 2 <= BAR_HALF_WIDTH ** 2:
            return True
    return False


def pixel(px: int, py: int) -> bytes:
    hits = sum(
        inside(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES)
        for sx in range(SAMPLES)
        for sy in range(SAMPLES)
    )
    cover = hits / (SAMPLES * SAMPLES)
    return bytes(round(b + (w - b) * cover) for b, w in zip(BACKGROUND, WHITE))


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(SIZE)) for y in range(SIZE))  # filter 0 per row
png = (
    b"\x89PNG\r\n\x1a\n"
    + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0))  # 8-bit RGB, no interlace
    + chunk(b"IDAT", zlib.compress(rows, 9))
    + chunk(b"IEND", b"")
)
(HERE / "icon.png").write_bytes(png)
print(f"icon.png: {SIZE}x{SIZE}, {len(png)} bytes, background {brand}")
