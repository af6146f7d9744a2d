#!/usr/bin/env python3
"""Compares two folders of full-page screenshots (the browser tour's, before and after a change)
pixel by pixel, for scripts/compare-before-after.sh.

    python compare_screenshots.py BEFORE_DIR AFTER_DIR DIFF_DIR

For each PNG in BEFORE_DIR: the same size in AFTER_DIR, how many pixels differ, and the bands of
rows where they do; DIFF_DIR gets, for each page that differs, the after-image faded with the
differing pixels in red, to look at. A page shows volatile values (token prefixes, times,
durations), so a few small bands are expected: read the bands and the images. Exits 1 when a
page is missing or changed size, 0 otherwise. Needs Pillow.
"""

import os
import sys

from PIL import Image, ImageChops


def bands(mask):
    """The runs of rows (first, last) in which `mask` (mode "1") has a set pixel."""
    width, height = mask.size
    rows = [mask.crop((0, y, width, y + 1)).getbbox() is not None for y in range(height)]
    runs, start = [], None
    for y, hit in enumerate(rows + [False]):
        if hit and start is None:
            start = y
        elif not hit and start is not None:
            runs.append((start, y - 1))
            start = None
    return runs


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    before_dir, after_dir, diff_dir = sys.argv[1:]
    os.makedirs(diff_dir, exist_ok=True)
    status = 0
    for name in sorted(f for f in os.listdir(before_dir) if f.endswith(".png")):
        after_path = os.path.join(after_dir, name)
        if not os.path.exists(after_path):
            print(f"{name}: missing after")
            status = 1
            continue
        before = Image.open(os.path.join(before_dir, name)).convert("RGB")
        after = Image.open(after_path).convert("RGB")
        if before.size != after.size:
            print(f"{name}: size {before.size[0]}x{before.size[1]} -> {after.size[0]}x{after.size[1]}")
            status = 1
            continue
        mask = ImageChops.difference(before, after).convert("L").point(lambda v: 255 if v else 0).convert("1")
        changed = mask.histogram()[255]
        if not changed:
            print(f"{name}: identical ({before.size[0]}x{before.size[1]})")
            continue
        runs = ", ".join(f"{a}-{b}" for a, b in bands(mask))
        print(f"{name}: {changed} pixels differ ({100 * changed / (before.size[0] * before.size[1]):.3f}%), rows {runs}")
        faded = Image.blend(after, Image.new("RGB", after.size, "white"), 0.7)
        faded.paste(Image.new("RGB", after.size, (255, 0, 0)), mask=mask)
        faded.save(os.path.join(diff_dir, name))
    sys.exit(status)


if __name__ == "__main__":
    main()
