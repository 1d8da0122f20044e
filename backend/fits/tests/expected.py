"""Writes tests/data/expected.json: what astropy reads from each test file, for tests/against_astropy.rs.

    python3 -m venv /tmp/astropy-venv && /tmp/astropy-venv/bin/pip install astropy
    /tmp/astropy-venv/bin/python backend/fits/tests/expected.py

Per file: per HDU its kind, name and every card astropy reads (keyword, value), with the decompressed image header
for tile-compressed HDUs (`CompImageHDU.header`); the summary fields, worked out with astropy's Time and Angle
following the keyword rules in backend/fits/README.md; and for some images astropy's ZScaleInterval limits.
A file astropy cannot open records the error instead.
"""

import json
import math
import sys
import warnings
from pathlib import Path

import astropy
from astropy import units as u
from astropy.coordinates import Angle
from astropy.io import fits
from astropy.io.fits.card import Undefined
from astropy.time import Time
from astropy.visualization import ZScaleInterval

DATA = Path(__file__).parent / "data"
ZSCALE_FILES = {
    "fixed-1890.fits",
    "test0.fits",
    "observation.fits",
    "float_image.fits",
    "o4sp040b0_raw.fits",
    "comp.fits",
    "tile_rice_i32.fits",
    "tile_gzip_u8.fits",
    "tile_gzip_f32.fits",
    "tile_rice_f32.fits",
}


def encode(value):
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"invalid": repr(value)}
    if isinstance(value, complex):
        return {"complex": [value.real, value.imag]}
    if isinstance(value, str):
        return value
    return {"invalid": repr(value)}


def kind(hdu):
    return {
        "PrimaryHDU": "primary",
        "GroupsHDU": "primary",
        "ImageHDU": "image",
        "CompImageHDU": "compressed_image",
        "BinTableHDU": "bin_table",
        "TableHDU": "ascii_table",
    }.get(type(hdu).__name__, type(hdu).__name__)


def cards(header):
    out = []
    for card in header.cards:
        try:
            value = encode(card.value)
        except Exception as e:  # astropy refuses the value of an unparsable card
            value = {"invalid": f"{type(e).__name__}: {e}"}
        out.append([card.keyword, value])
    return out


def is_2d_image(hdu):
    if kind(hdu) not in ("primary", "image", "compressed_image") or type(hdu).__name__ == "GroupsHDU":
        return False
    h = hdu.header
    naxis = h.get("NAXIS", 0)
    shape = [h.get(f"NAXIS{i}", 0) for i in range(1, naxis + 1)]
    return len(shape) >= 2 and shape[0] > 0 and shape[1] > 0 and all(n == 1 for n in shape[2:])


FRAME_TYPES = {
    "science": ["light frame", "light", "object", "science"],
    "bias": ["bias frame", "bias", "zero"],
    "dark": ["dark frame", "dark"],
    "flat": ["flat field", "flat frame", "flat", "skyflat", "domeflat"],
    "arc": ["arc", "comp", "lamp"],
}


def summary(hdul):
    """The summary fields, the keyword rules written again in Python with astropy doing the conversions."""
    sources = [hdul[0].header]
    sources += [h.header for h in list(hdul)[1:] if kind(h) in ("image", "compressed_image")][:1]

    def get(keyword):
        for header in sources:
            if keyword in header:
                value = header[keyword]
                if value is not None and not isinstance(value, Undefined):
                    return value
        return None

    def text(*keywords):
        for k in keywords:
            v = get(k)
            if isinstance(v, str) and v.strip():
                return v.strip()
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return str(v)
        return None

    def number(*keywords):
        for k in keywords:
            v = get(k)
            try:
                n = float(v.strip()) if isinstance(v, str) else (float(v) if not isinstance(v, bool) else None)
            except (TypeError, ValueError):
                continue
            if n is not None and math.isfinite(n):
                return n
        return None

    def angle(keywords, hours):
        for k in keywords:
            v = get(k)
            if isinstance(v, str) and v.strip():
                s = v.strip()
                try:
                    several = len(s.replace(":", " ").split()) > 1
                    a = Angle(s, unit=u.hourangle if hours and several else u.deg)
                    return float(a.degree)
                except Exception:
                    continue
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                return float(v)
        return None

    def date_obs():
        v = get("DATE-OBS")
        if isinstance(v, str):
            s = v.strip().rstrip("Z")
            try:
                if "/" in s:
                    d, m, y = (int(p) for p in s.split("/"))
                    s = f"{1900 + y:04d}-{m:02d}-{d:02d}"
                if "T" not in s:
                    t = get("TIME-OBS") or get("UT")
                    s = f"{s}T{t.strip()}" if isinstance(t, str) and t.strip() else f"{s}T00:00:00"
                return Time(s, format="isot", scale="utc").isot
            except Exception:
                pass
        mjd = get("MJD-OBS")
        if isinstance(mjd, (int, float)) and not isinstance(mjd, bool):
            return Time(mjd, format="mjd", scale="utc").isot
        return None

    frame = text("IMAGETYP", "OBSTYPE")
    frame_type = None
    if frame is not None:
        frame_type = next((t for t, words in FRAME_TYPES.items() if frame.lower() in words), "other")
    image = None
    for i, hdu in enumerate(hdul):
        if is_2d_image(hdu):
            h = hdu.header
            image = {"hdu": i, "width": h["NAXIS1"], "height": h["NAXIS2"], "bitpix": h["BITPIX"]}
            break
    return {
        "date_obs": date_obs(),
        "object": text("OBJECT"),
        "ra_deg": angle(["RA", "OBJCTRA"], hours=True),
        "dec_deg": angle(["DEC", "OBJCTDEC"], hours=False),
        "exposure_s": number("EXPTIME", "EXPOSURE"),
        "filter": text("FILTER", "FILTER1", "FILTNAM"),
        "instrument": text("INSTRUME"),
        "telescope": text("TELESCOP"),
        "frame_type": frame_type,
        "image": image,
    }


def zscale(path):
    """Limits of the first 2-D image's physical values, with BLANK pixels left out (astropy keeps them when it
    reads BZERO-offset unsigned integers as such)."""
    with fits.open(path) as hdul, fits.open(path, do_not_scale_image_data=True) as raw:
        for hdu, stored in zip(hdul, raw):
            if is_2d_image(hdu):
                data = hdu.data.astype(float)
                blank = hdu.header.get("BLANK")
                if hdu.header["BITPIX"] > 0 and isinstance(blank, int) and kind(hdu) != "compressed_image":
                    data[stored.data == blank] = float("nan")
                low, high = ZScaleInterval().get_limits(data)
                return [float(low), float(high)]
    return None


def describe(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(path) as hdul:
                hdul.readall()
                entry = {
                    "hdus": [{"kind": kind(h), "name": h.name, "cards": cards(h.header)} for h in hdul],
                    "summary": summary(hdul),
                }
                if path.name in ZSCALE_FILES:
                    entry["zscale"] = zscale(path)
                return entry
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    files = sorted(
        p for p in DATA.iterdir() if p.is_file() and p.suffix not in (".json", ".md", ".rst", ".py")
    )
    out = {"astropy": astropy.__version__, "files": {p.name: describe(p) for p in files}}
    (DATA / "expected.json").write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"{len(files)} files described with astropy {astropy.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
