#!/usr/bin/env python3
"""The brute force the issue measures against: python-sgp4's SatrecArray on a 1-second grid over the whole catalog,
with the same topocentric geometry as make_reference.py, for the inputs of `examples/bench_fov.rs` (Cerro Pachon,
2022-06-16T03:00Z, one hour, one 0.5-degree circle at RA 240, Dec -30). Prints wall time, SGP4 propagations per
second (single core: numpy and sgp4 run in one thread here), and the objects that come within the field.

    /work/sat-venv/bin/python bench_bruteforce.py
"""

import time

import numpy as np
from skyfield.api import wgs84

from make_reference import CATALOG, CHUNK, FieldTest, Frames, read_catalog, topocentric

sats = read_catalog(CATALOG)
site = wgs84.latlon(-30.2407, -70.7366, elevation_m=2715.0)
start = [2022, 6, 16, 3, 0, 0.0]
span = 3600.0
test = FieldTest({'shape': 'circle', 'ra_deg': 240.0, 'dec_deg': -30.0, 'radius_deg': 0.5})

# Pure SGP4 rate first.
frames = Frames(site, start, span)
grid = np.arange(0.0, span + 0.5, 1.0)
began = time.process_time()
for c0 in range(0, len(sats), CHUNK):
    frames.sgp4([s for _, s in sats[c0:c0 + CHUNK]], grid)
sgp4_cpu = time.process_time() - began
count = len(sats) * len(grid)
print('SGP4 alone: %d propagations in %.2f CPU s: %.2f M/s' % (count, sgp4_cpu, count / sgp4_cpu / 1e6))

began = time.perf_counter()
frames = Frames(site, start, span)
hits = set()
for c0 in range(0, len(sats), CHUNK):
    chunk = sats[c0:c0 + CHUNK]
    u, rng, alt, _, e = topocentric([s for _, s in chunk], frames, grid)
    inside = test.inside(u.reshape(3, -1)).reshape(alt.shape) & (alt > 0) & (e == 0)
    for k in np.flatnonzero(inside.any(axis=1)):
        hits.add(int(chunk[k][1].satnum))
wall = time.perf_counter() - began
print('brute force, 1-s grid, one field, 1 h: %.2f s wall; objects seen in the field: %s' % (wall, sorted(hits)))
