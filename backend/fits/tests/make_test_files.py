"""Writes the hand-made test files in tests/data/ (standard library only, deterministic).

    python3 backend/fits/tests/make_test_files.py

They complement the astropy test files: an observation as a small observatory writes it (MaxIm DL-style keywords,
the old DD/MM/YY date, sexagesimal coordinates, BZERO-offset unsigned 16-bit pixels with BLANK), a float image
with NaNs, gzip copies, and malformed files.
"""

import gzip
import math
import random
import struct
from pathlib import Path

DATA = Path(__file__).parent / "data"


def card(keyword, value=None, comment=None, raw=None):
    if raw is not None:
        text = raw
    elif value is None:
        text = f"{keyword:<8}"
    else:
        if isinstance(value, bool):
            v = f"{'T' if value else 'F':>20}"
        elif isinstance(value, str):
            v = "'" + value.replace("'", "''").ljust(8) + "'"
            v = f"{v:<20}"
        else:
            v = f"{value:>20}"
        text = f"{keyword:<8}= {v}"
        if comment:
            text += f" / {comment}"
    assert len(text) <= 80, text
    return text.ljust(80).encode("latin-1")


def header(cards, end=True):
    data = b"".join(cards) + (card("END") if end else b"")
    return data + b" " * (-len(data) % 2880)


def pad(data):
    return data + b"\0" * (-len(data) % 2880)


def observation():
    rng = random.Random(1998)
    width, height = 256, 192
    stars = [(rng.uniform(0, width), rng.uniform(0, height), rng.uniform(500, 20000)) for _ in range(25)]
    pixels = []
    for y in range(height):
        for x in range(width):
            value = 1200 + 0.8 * x + rng.gauss(0, 15)
            for sx, sy, flux in stars:
                value += flux * math.exp(-((x - sx) ** 2 + (y - sy) ** 2) / 4.5)
            stored = max(-32767, min(32767, round(value) - 32768))
            pixels.append(stored)
    for i in range(0, 400, 37):
        pixels[i] = -32768  # BLANK
    cards = [
        card("SIMPLE", True, "file does conform to FITS standard"),
        card("BITPIX", 16, "number of bits per data pixel"),
        card("NAXIS", 2, "number of data axes"),
        card("NAXIS1", width, "length of data axis 1"),
        card("NAXIS2", height, "length of data axis 2"),
        card("BZERO", 32768),
        card("BSCALE", 1),
        card("BLANK", -32768),
        card("DATE-OBS", "14/03/98", "old-style date"),
        card("TIME-OBS", "21:07:33.25", "UT at start"),
        card("OBJECT", "M 42 field", "target"),
        card("OBJCTRA", "05 35 17.3", "hours"),
        card("OBJCTDEC", "-05 23 28", "degrees"),
        card("EXPOSURE", 120.0, "seconds"),
        card("FILTER1", "Ha", None),
        card("INSTRUME", "ST-8XME", None),
        card("TELESCOP", "Meade 12in LX200", None),
        card("IMAGETYP", "Light Frame", None),
        card("CCD-TEMP", -20.5, "degrees C"),
        card("COMMENT", raw="COMMENT   written by make_test_files.py"),
    ]
    data = b"".join(struct.pack(">h", p) for p in pixels)
    return header(cards) + pad(data)


def float_image():
    width, height = 64, 48
    values = []
    for y in range(height):
        for x in range(width):
            values.append(float("nan") if (x + y) % 97 == 0 else 0.5 + 0.01 * x - 0.002 * y)
    cards = [
        card("SIMPLE", True),
        card("BITPIX", -32),
        card("NAXIS", 2),
        card("NAXIS1", width),
        card("NAXIS2", height),
        card("MJD-OBS", 59000.25, "start of exposure"),
        card("RA", 83.82208, "degrees"),
        card("DEC", -5.39111, "degrees"),
        card("EXPTIME", 3.5),
        card("FILTER", "V"),
        card("OBSTYPE", "domeflat"),
    ]
    return header(cards) + pad(b"".join(struct.pack(">f", v) for v in values))


def garbage_cards():
    cards = [
        card("SIMPLE", True),
        card("BITPIX", 8),
        card("NAXIS", 0),
        card("LONELY", raw="LONELY  = '"),
        card("NOTAVAL", raw="NOTAVAL = abc / not a FITS value"),
        card("NONASCI", raw="NONASCI = 'caf?' / comment"),
        card("CPLX", raw="CPLX    = (1.5, -2.25) / a complex value"),
        card("HIERARCH", raw="HIERARCH ESO DET CHIP ID = 'ccd42' / hierarchical"),
        card("LONGSTR", raw="LONGSTR = 'This is a long string value that goes on &' / first part"),
        card("CONTINUE", raw="CONTINUE  'and on over a second card.' / second part"),
        card("", raw="        free text in a blank-keyword card"),
        card("DATE-OBS", raw="DATE-OBS  2001-01-01 without a value indicator"),
        card("IMAGETYP", "zero"),
        card("EXPTIME", "long"),
        card("DEC", "north"),
        card("OBJECT", ""),
        card("UNDEF", raw="UNDEF   =                      / no value"),
    ]
    data = bytearray(header(cards))
    at = data.index(b"NONASCI = 'caf?'") + len("NONASCI = 'caf")
    data[at] = 0xE9  # latin-1 e-acute: not ASCII
    return bytes(data)


def main():
    test0 = (DATA / "test0.fits").read_bytes()
    observation_fits = observation()
    files = {
        "observation.fits": observation_fits,
        "observation.fits.gz": gzip.compress(observation_fits, compresslevel=9, mtime=0),
        "test0.fits.gz": gzip.compress(test0, compresslevel=9, mtime=0),
        "float_image.fits": float_image(),
        "garbage_cards.fits": garbage_cards(),
        "truncated.fits": test0[:20000],  # inside the data unit of HDU 1
        "missing_end.fits": header([card("SIMPLE", True), card("BITPIX", 8), card("NAXIS", 0)], end=False),
        "not_fits.txt": b"This is not a FITS file, just some text.\n" * 80,
        "trailing_bytes.fits": header([card("SIMPLE", True), card("BITPIX", 8), card("NAXIS", 0)])
        + b"some junk after the end\n" * 10,
    }
    for name, data in files.items():
        (DATA / name).write_bytes(data)


if __name__ == "__main__":
    main()
