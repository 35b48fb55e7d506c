#!/usr/bin/python3
"""PyMuPDF peer for `dataplus process`: the same job, done the way a user
would script it with PyMuPDF (Debian's python3-fitz).

For every PDF under the given paths: read the bytes, SHA-256, open, read the
metadata, fonts and page count, then per page count the non-whitespace
characters of the text layer and the share of the page covered by images,
and route the page with dataplus's default thresholds. A pool of --workers
processes does the files, as dataplus does with --workers goroutines.
Prints one JSON summary line: files, pages, seconds, files_per_s, pages_per_s.
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import time

import fitz  # PyMuPDF

MIN_CHARS = 10
OCR_COVERAGE = 0.5
RASTER_COVERAGE = 0.3


def coverage(page, rect):
    """Union of image bounding boxes over the page area, on a 64x64 grid."""
    area = rect.width * rect.height
    if area <= 0:
        return 0.0
    boxes = []
    for info in page.get_image_info():
        b = fitz.Rect(info["bbox"]) & rect
        if not b.is_empty:
            boxes.append(b)
    if not boxes:
        return 0.0
    n = 64
    cells = bytearray(n * n)
    for b in boxes:
        x0 = int((b.x0 - rect.x0) / rect.width * n)
        x1 = int((b.x1 - rect.x0) / rect.width * n + 0.999)
        y0 = int((b.y0 - rect.y0) / rect.height * n)
        y1 = int((b.y1 - rect.y0) / rect.height * n + 0.999)
        for y in range(max(y0, 0), min(y1, n)):
            for x in range(max(x0, 0), min(x1, n)):
                cells[y * n + x] = 1
    return sum(cells) / (n * n)


def one(path):
    rec = {"path": path}
    try:
        with open(path, "rb") as f:
            data = f.read()
        rec["sha256"] = hashlib.sha256(data).hexdigest()
        doc = fitz.open(stream=data, filetype="pdf")
        if doc.needs_pass and not doc.authenticate(""):
            rec["error"] = "encrypted"
            rec["metadata"] = doc.metadata
            return rec, 0
        rec["metadata"] = doc.metadata
        fonts = set()
        raster = 0
        routes = {}
        for page in doc:
            for f in page.get_fonts():
                fonts.add((f[3], f[2], f[1]))
            chars = sum(1 for c in page.get_text("text") if not c.isspace())
            cov = coverage(page, page.rect)
            if chars < MIN_CHARS:
                route = "ocr" if cov >= OCR_COVERAGE else "empty"
                raster += cov >= RASTER_COVERAGE
            else:
                route = "text"
            routes[route] = routes.get(route, 0) + 1
        n = doc.page_count
        share = raster / n if n else 0
        rec["label"] = "scanned" if share >= 0.9 else "mixed" if share >= 0.1 else "born_digital"
        rec["routes"] = routes
        rec["fonts"] = len(fonts)
        return rec, n
    except Exception as e:  # a bad file is a record, as in dataplus
        rec["error"] = type(e).__name__ + ": " + str(e)
        return rec, 0


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for name in sorted(files):
                    if name.lower().endswith(".pdf"):
                        yield os.path.join(root, name)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--records", help="write the per-file records (JSON Lines) here")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    fitz.TOOLS.mupdf_display_errors(False)
    files = list(walk(a.paths))
    start = time.perf_counter()
    pages = 0
    out = open(a.records, "w") if a.records else None
    with multiprocessing.Pool(a.workers) as pool:
        for rec, n in pool.imap(one, files, chunksize=4):
            pages += n
            if out:
                out.write(json.dumps(rec) + "\n")
    secs = time.perf_counter() - start
    if out:
        out.close()
    print(json.dumps({
        "peer": "pymupdf " + fitz.VersionBind, "workers": a.workers,
        "files": len(files), "pages": pages, "seconds": round(secs, 3),
        "files_per_s": round(len(files) / secs, 1), "pages_per_s": round(pages / secs, 1),
    }))


if __name__ == "__main__":
    sys.exit(main())
