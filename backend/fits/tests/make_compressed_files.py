"""Writes the tile-compressed test files in tests/data/ with astropy, each with a plain copy of the image as astropy
decompresses it (`*.plain.fits`), so tests can check our decoder pixel for pixel.

    /tmp/astropy-venv/bin/python backend/fits/tests/make_compressed_files.py
"""

import numpy as np
from astropy.io import fits
from pathlib import Path

DATA = Path(__file__).parent / "data"


def sky(rng, shape, level, noise):
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = level + 0.5 * x + rng.normal(0, noise, shape)
    for _ in range(6):
        cy, cx, flux = rng.uniform(0, shape[0]), rng.uniform(0, shape[1]), rng.uniform(20, 200) * noise
        image += flux * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 3.0)
    return image


def write(name, data, **compression):
    hdu = fits.CompImageHDU(data, **compression)
    hdu.header["OBJECT"] = name
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(DATA / f"{name}.fits", overwrite=True, checksum=False)
    with fits.open(DATA / f"{name}.fits") as hdul:
        plain = hdul[1].data
    fits.PrimaryHDU(plain).writeto(DATA / f"{name}.plain.fits", overwrite=True)


def main():
    rng = np.random.default_rng(42)
    write("tile_rice_i32", sky(rng, (60, 100), 5000, 40).astype(np.int32), compression_type="RICE_1",
          tile_shape=(16, 32))
    write("tile_gzip_u8", np.clip(sky(rng, (48, 64), 60, 5), 0, 255).astype(np.uint8), compression_type="GZIP_1",
          tile_shape=(48, 64))
    floats = sky(rng, (70, 90), 100, 3).astype(np.float32)
    floats[::7, ::11] = np.nan
    write("tile_gzip_f32", floats, compression_type="GZIP_1", tile_shape=(35, 30), quantize_level=16,
          quantize_method=1, dither_seed=7)
    zeros = sky(rng, (40, 50), 10, 1).astype(np.float32)
    zeros[5:9, 5:9] = 0.0
    write("tile_rice_f32", zeros, compression_type="RICE_1", tile_shape=(1, 50), quantize_level=8,
          quantize_method=2, dither_seed=1234)
    write("tile_hcompress_i16", sky(rng, (32, 32), 900, 10).astype(np.int16), compression_type="HCOMPRESS_1",
          tile_shape=(32, 32))


if __name__ == "__main__":
    main()
