"""The tilt of a scanned page, and the page straightened before OCR and before its ruling lines are sought.

A page fed crooked through a scanner comes out tilted by half a degree to three:
a table's ruling lines then climb across the page, the line finder (long runs of
ink along a row or a column) sees none of them, and the text detector cuts the
lines into slanted strips.  :func:`skew` measures the tilt from the ink itself:
each dark pixel's row after turning the page by a trial angle, and the angle at
which the rows' ink is most concentrated (text lines and rulings lying along rows
give sharp peaks: the sum of squared row counts is highest) is the page's tilt,
searched coarse then fine within :data:`MAX_SKEW` degrees.  :func:`straighten`
turns the page by the opposite angle about its centre, on a white background, at
the same size, so points keep their scale and the page's centre stays put.
"""

from __future__ import annotations

import numpy as np

MAX_SKEW = 5.0  # degrees: the widest tilt looked for (beyond it a page is turned, not tilted)
MIN_SKEW = 0.15  # degrees: a smaller tilt is left as it is (less than a pixel over a text line)
_WIDTH = 1000  # the page is measured at about this many pixels across
_SAMPLE = 200_000  # at most this many ink pixels are weighed
INK = 160  # grey below this is ink (the ruling-line finder of .ocr takes it so too)


def skew(gray) -> float:
    """The page's tilt in degrees, positive when its lines climb to the right (0.0 when there is too little
    ink to tell)."""
    step = max(1, round(gray.shape[1] / _WIDTH))
    small = gray[::step, ::step] if step > 1 else gray
    ys, xs = np.nonzero(small < INK)
    if len(ys) < 200:
        return 0.0
    if len(ys) > _SAMPLE:
        keep = np.random.default_rng(0).choice(len(ys), _SAMPLE, replace=False)
        ys, xs = ys[keep], xs[keep]
    xs = xs.astype(np.float64) - small.shape[1] / 2
    ys = ys.astype(np.float64)

    def sharpness(angle: float) -> float:
        t = np.deg2rad(angle)
        rows = np.round(ys * np.cos(t) + xs * np.sin(t)).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, 0.25), key=sharpness)
    best = max(np.arange(best - 0.25, best + 0.25 + 1e-9, 0.02), key=sharpness)
    return round(float(best), 2)


def straighten(gray, angle: float):
    """``gray`` turned by ``angle`` degrees (as :func:`skew` gives it) back to level, same size, white around."""
    import cv2

    h, w = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=255)


def level(gray) -> tuple[object, float]:
    """The page straightened, and the tilt it had (0.0, and the page itself, when below :data:`MIN_SKEW`)."""
    angle = skew(gray)
    if abs(angle) < MIN_SKEW:
        return gray, 0.0
    return straighten(gray, angle), angle
