#!/usr/bin/python3
"""PyMuPDF peer for cmd/renderbench: the same rendering job, done the way a
user would script it with PyMuPDF (Debian's python3-fitz).

For every PDF under the given paths: read the bytes, open, and render the
first page (or all pages, up to --max-pages) to an RGB pixmap without
alpha, annotations included, either so that the longer side of the
displayed page is --long-side pixels or at --dpi; the pixel bytes are
copied out (pix.samples), as renderbench copies them into a Go slice. A
file that needs a password counts as one error, as does a page that fails.
A pool of --workers processes does the files, as renderbench does with
--instances PDFium instances. The clock starts once the pool is up.

Prints one JSON line: engine, workers, mode, files, pages, seconds,
pages_per_s, peak_rss_mib, errors. peak_rss_mib is the main process's peak
plus each worker's peak (an upper bound of the pool's simultaneous use).
"""
import argparse
import json
import multiprocessing
import os
import resource
import sys
import time

import fitz  # PyMuPDF

OPTS = {}


def init(opts):
    OPTS.update(opts)
    fitz.TOOLS.mupdf_display_errors(False)


def matrix(page):
    if OPTS["dpi"]:
        z = OPTS["dpi"] / 72.0
    else:
        r = page.rect  # the displayed page: CropBox, after /Rotate
        z = OPTS["long_side"] / max(r.width, r.height)
    return fitz.Matrix(z, z)


def one(path):
    """Render one file; returns (pages, errors, pid, peak RSS in KiB)."""
    pages = errors = 0
    try:
        with open(path, "rb") as f:
            data = f.read()
        doc = fitz.open(stream=data, filetype="pdf")
        if doc.needs_pass and not doc.authenticate(""):
            errors += 1
        else:
            last = min(doc.page_count, 1)
            if OPTS["all_pages"]:
                last = doc.page_count
                if OPTS["max_pages"] > 0:
                    last = min(last, OPTS["max_pages"])
            for i in range(last):
                try:
                    page = doc[i]
                    m = matrix(page)
                    r = page.rect * m
                    if round(r.width) * round(r.height) > OPTS["max_pixels"]:
                        errors += 1  # refused before rendering, as renderbench does
                        continue
                    pix = page.get_pixmap(matrix=m, alpha=False, annots=True)
                    _ = pix.samples  # copy the RGB bytes out
                    pages += 1
                except Exception:  # a bad page is counted, as in renderbench
                    errors += 1
        doc.close()
    except Exception:
        errors += 1
    return pages, errors, os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                for name in files:
                    if name.lower().endswith(".pdf"):
                        found.append(os.path.join(root, name))
            yield from sorted(found)
        else:
            yield p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--long-side", type=int, default=0)
    ap.add_argument("--dpi", type=float, default=0)
    ap.add_argument("--pages", choices=["first", "all"], default="first")
    ap.add_argument("--max-pages", type=int, default=0)
    ap.add_argument("--max-pixels", type=int, default=50_000_000,
                    help="refuse a render over this many pixels (renderbench's default)")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    if a.long_side and a.dpi:
        ap.error("set one of --long-side and --dpi")
    if not a.dpi and not a.long_side:
        a.long_side = 224
    opts = {"long_side": a.long_side, "dpi": a.dpi, "all_pages": a.pages == "all",
            "max_pages": a.max_pages, "max_pixels": a.max_pixels}
    mode = (f"dpi={a.dpi:g}" if a.dpi else f"long_side={a.long_side}") + \
        (",all_pages" if a.pages == "all" else ",first_page")
    init(opts)
    files = list(walk(a.paths))
    pages = errors = 0
    peaks = {}
    with multiprocessing.Pool(a.workers, initializer=init, initargs=(opts,)) as pool:
        start = time.perf_counter()
        for n, e, pid, rss in pool.imap_unordered(one, files, chunksize=1):
            pages += n
            errors += e
            peaks[pid] = max(peaks.get(pid, 0), rss)
        secs = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + sum(peaks.values())
    print(json.dumps({
        "engine": "pymupdf " + fitz.VersionBind, "workers": a.workers, "mode": mode,
        "files": len(files), "pages": pages, "seconds": round(secs, 3),
        "pages_per_s": round(pages / secs, 1), "peak_rss_mib": round(peak_kib / 1024, 1),
        "errors": errors,
    }))


if __name__ == "__main__":
    sys.exit(main())
