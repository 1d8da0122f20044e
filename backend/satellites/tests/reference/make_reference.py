#!/usr/bin/env python3
"""Independent reference for meridian-satellites' field-of-view crossings, by brute force with skyfield + sgp4.

Run from this directory with a venv holding skyfield, sgp4 and skyfield-data (PyPI, no network needed after
install):

    python3 -m venv /work/sat-venv && /work/sat-venv/bin/pip install skyfield sgp4 skyfield-data numpy
    /work/sat-venv/bin/python make_reference.py > crossings.json     # about 2 minutes

Method, deliberately unlike the Rust search (which steps adaptively under an angular-speed bound):
1. Every object of the catalog is propagated with python-sgp4's SatrecArray on a 1-second grid (WGS72, the
   library's defaults, as skyfield does); objects with an SGP4 error anywhere in the window are listed as skipped.
2. Positions go TEME -> GCRS with skyfield's TEME frame; the site is a skyfield wgs84 position (ITRS -> GCRS with
   IERS polar motion from skyfield-data's finals2000A.all, UT1 from skyfield's built-in table). The topocentric
   vector is their difference, exactly what `(satellite - site).at(t)` computes. (Frame matrices are computed on
   the 1-second grid and interpolated between, see `Frames`; SGP4 always runs at the exact time.)
   Fields are moved to where their stars appear (skyfield's apparent place of a Star at the window's middle:
   annual aberration, up to 20.5"), as the crate does by default.
3. A 1-second interval is a candidate when, at either end, the object is closer to the field's bounding circle than
   1.5 times the angle it moves in that second plus 0.2 degrees. Candidates are resampled every 10 ms with the exact
   test (inside the circle, or inside the rectangle on the gnomonic plane, and above the horizon); each change of
   state is refined by bisection to 0.1 ms.
4. Closest approach: the minimum separation from the field centre over a 10 ms grid between entry and exit, then
   golden-section search. Angular speed by central differences (+-50 ms). Sunlit: the sun's centre (DE421) seen
   past a sphere of 6378.137 km. Sun altitude at the site from DE421.

5. Passes (rise, culmination, set) of three objects over 24 hours, from skyfield's EarthSatellite and altaz() on a
   10-second grid, refined by bisection and golden-section search (see `pass_cases`).

Output: JSON with every case's inputs and results (times as seconds from the window start).
"""

import json
import math
import os
import sys

import numpy as np
import skyfield_data
from sgp4.api import Satrec, SatrecArray
from skyfield.api import Star, load, load_file, wgs84
from skyfield.data import iers
from skyfield.functions import mxv
from skyfield.sgp4lib import TEME

HERE = os.path.dirname(os.path.abspath(__file__))
CATALOG = os.path.join(HERE, '..', 'data', 'catalog_stellarium_0.22.2.tle')
DATA = os.path.join(os.path.dirname(skyfield_data.__file__), 'data')
ERAD_KM = 6378.137
CHUNK = 600

ts = load.timescale(builtin=True)
with open(os.path.join(DATA, 'finals2000A.all'), 'rb') as f:
    iers.install_polar_motion_table(ts, iers.parse_x_y_dut1_from_finals_all(f))
eph = load_file(os.path.join(DATA, 'de421.bsp'))
SUN = eph['sun'] - eph['earth']
EARTH = eph['earth']


def read_catalog(path):
    lines = [l.rstrip() for l in open(path) if l.strip()]
    sats = []
    i = 0
    while i < len(lines):
        if lines[i].startswith('1 ') and i + 1 < len(lines) and lines[i + 1].startswith('2 '):
            name = lines[i - 1].strip() if i > 0 and not lines[i - 1].startswith('2 ') else None
            sats.append((name, Satrec.twoline2rv(lines[i], lines[i + 1])))
            i += 2
        else:
            i += 1
    # Newest element set per object, as the catalog keeps.
    newest = {}
    for name, s in sats:
        key = s.satnum
        if key not in newest or newest[key][1].jdsatepoch + newest[key][1].jdsatepochF < s.jdsatepoch + s.jdsatepochF:
            newest[key] = (name, s)
    return [newest[k] for k in sorted(newest)]


def unit(v):
    return v / np.linalg.norm(v, axis=0)


def radec_unit(ra, dec):
    ra, dec = math.radians(ra), math.radians(dec)
    return np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])


class FieldTest:
    """Exact inside test for one field, in GCRS (ICRS axes)."""

    def __init__(self, field):
        self.field = field
        self.c = radec_unit(field['ra_deg'], field['dec_deg'])
        ra, dec = math.radians(field['ra_deg']), math.radians(field['dec_deg'])
        north = np.array([-math.sin(dec) * math.cos(ra), -math.sin(dec) * math.sin(ra), math.cos(dec)])
        east = np.array([-math.sin(ra), math.cos(ra), 0.0])
        if field['shape'] == 'circle':
            self.bound = math.radians(field['radius_deg'])
        else:
            pa = math.radians(field['position_angle_deg'])
            self.h = math.cos(pa) * north + math.sin(pa) * east
            self.w = -math.sin(pa) * north + math.cos(pa) * east
            self.x = math.tan(math.radians(field['width_deg'] / 2))
            self.y = math.tan(math.radians(field['height_deg'] / 2))
            self.bound = math.atan(math.hypot(self.x, self.y))

    def separation(self, u):
        """Great-circle distance (radians) of unit vectors u (3, N) from the centre."""
        d = np.einsum('i,i...->...', self.c, u)
        cr = np.linalg.norm(np.cross(self.c, u, axis=0), axis=0)
        return np.arctan2(cr, d)

    def inside(self, u):
        if self.field['shape'] == 'circle':
            return self.separation(u) <= self.bound
        z = np.einsum('i,i...->...', self.c, u)
        with np.errstate(divide='ignore', invalid='ignore'):
            x = np.einsum('i,i...->...', self.w, u) / z
            y = np.einsum('i,i...->...', self.h, u) / z
        return (z > 0) & (np.abs(x) <= self.x) & (np.abs(y) <= self.y)


def apparent(field, t):
    """The field moved to where its catalogue (ICRS) stars appear from the Earth at `t`: skyfield's apparent place
    of a star (annual aberration, light deflection). A satellite, riding with the Earth, shows no annual aberration,
    so this is where it must be to appear at the field's catalogue position among the stars."""
    star = Star(ra_hours=field['ra_deg'] / 15.0, dec_degrees=field['dec_deg'])
    p = EARTH.at(t).observe(star).apparent().position.au.reshape(3)
    p = p / np.linalg.norm(p)
    moved = dict(field)
    moved['ra_deg'] = math.degrees(math.atan2(p[1], p[0])) % 360
    moved['dec_deg'] = math.degrees(math.asin(p[2]))
    return moved


def utc_parts(start, seconds):
    """The skyfield Time of `seconds` after `start` (UTC calendar parts)."""
    return ts.utc(start[0], start[1], start[2], start[3], start[4], start[5] + np.asarray(seconds, dtype=float))


class Frames:
    """Skyfield's rotations and the site's GCRS position on the window's 1-second grid. Between grid points they are
    interpolated linearly: over one second the Earth turns 7.3e-5 rad, so the error is below 1e-9 (millimetres at
    the site, nano-radians in direction). SGP4 is always evaluated at the exact time."""

    def __init__(self, site, start, span):
        self.site = site
        self.start = start
        self.grid = np.arange(0.0, span + 1.5, 1.0)
        t = utc_parts(start, self.grid)
        self.teme = TEME.rotation_at(t)  # GCRS -> TEME, (3, 3, N)
        self.site_gcrs = site.at(t).position.km  # (3, N)
        self.altaz = site.rotation_at(t)  # GCRS -> (north, east, up), (3, 3, N)
        t0 = utc_parts(start, [0.0])
        self.jd = float(t0.whole[0])
        self.fr0 = float(t0.tai_fraction[0] - t0._leap_seconds()[0] / 86400.0)

    def at(self, seconds):
        s = np.atleast_1d(np.asarray(seconds, dtype=float))
        i = np.clip(np.floor(s).astype(int), 0, len(self.grid) - 2)
        f = s - self.grid[i]
        lerp = lambda m: m[..., i] * (1 - f) + m[..., i + 1] * f
        return lerp(self.teme), lerp(self.site_gcrs), lerp(self.altaz)

    def sgp4(self, sats, seconds):
        s = np.atleast_1d(np.asarray(seconds, dtype=float))
        jd = np.full(s.shape, self.jd)
        fr = self.fr0 + s / 86400.0
        return SatrecArray(list(sats)).sgp4(jd, fr)


def topocentric(sats, frames, seconds):
    """Unit topocentric direction (3, S, N), range (S, N), altitude (S, N), GCRS positions and SGP4 errors."""
    e, r, v = frames.sgp4(sats, seconds)
    R, site_gcrs, A = frames.at(seconds)
    r = np.transpose(r, (2, 0, 1))  # (3, S, N)
    r_gcrs = np.einsum('jin,jsn->isn', R, r)
    d = r_gcrs - site_gcrs[:, None, :]
    rng = np.linalg.norm(d, axis=0)
    u = d / rng
    up = np.einsum('jn,jsn->sn', A[2], u)
    alt = np.arcsin(np.clip(up, -1, 1))
    return u, rng, alt, r_gcrs, e


def state(sat, frames, seconds):
    u, rng, alt, r_gcrs, e = topocentric([sat], frames, seconds)
    return u[:, 0, :], rng[0], alt[0], r_gcrs[:, 0, :], e[0]


def inside_at(sat, frames, test, seconds):
    u, _, alt, _, _ = state(sat, frames, seconds)
    return test.inside(u) & (alt > 0)


def refine(sat, frames, test, a, b, inside_a):
    while b - a > 1e-4:
        m = (a + b) / 2
        if bool(inside_at(sat, frames, test, np.array([m]))[0]) == inside_a:
            a = m
        else:
            b = m
    return (a + b) / 2


def sunlit(r_gcrs, sun_gcrs):
    to_sun = unit(sun_gcrs - r_gcrs)
    b = np.einsum('i...,i...->...', r_gcrs, to_sun)
    c = np.einsum('i...,i...->...', r_gcrs, r_gcrs) - ERAD_KM ** 2
    return ~((b < 0) & (b * b - c > 0)) & (c >= 0)


def describe(sat, frames, test, t_in, t_out):
    grid = np.arange(t_in, t_out + 1e-9, 0.01)
    if len(grid) < 2:
        grid = np.array([t_in, t_out])
    u, *_ = state(sat, frames, grid)
    sep = test.separation(u)
    k = int(np.argmin(sep))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    g = (math.sqrt(5) - 1) / 2
    f = lambda t: float(test.separation(state(sat, frames, np.array([t]))[0])[0])
    while hi - lo > 1e-4:
        c, d = hi - g * (hi - lo), lo + g * (hi - lo)
        if f(c) < f(d):
            hi = d
        else:
            lo = c
    tc = (lo + hi) / 2
    times = np.array([t_in, tc, t_out, tc - 0.05, tc + 0.05])
    u, rng, alt, r_gcrs, _ = state(sat, frames, times)
    t = utc_parts(frames.start, times)
    sun = SUN.at(t).position.km
    lit = sunlit(r_gcrs, sun)
    site_gcrs = frames.site.at(t).position.km
    A = frames.site.rotation_at(t)
    sun_up = np.einsum('jn,jn->n', A[2], unit(sun - site_gcrs))
    speed = math.degrees(math.acos(min(1.0, float(np.dot(u[:, 3], u[:, 4]))))) / 0.1
    return {
        'closest_s': float(tc),
        'closest_separation_deg': math.degrees(f(tc)),
        'angular_speed_deg_per_s': speed,
        'range_km': float(rng[1]),
        'altitude_deg': math.degrees(float(alt[1])),
        'sunlit_at_entry': bool(lit[0]),
        'sunlit_at_closest': bool(lit[1]),
        'sunlit_at_exit': bool(lit[2]),
        'sun_altitude_deg': math.degrees(math.asin(float(sun_up[1]))),
    }


def run_case(case, sats):
    site = wgs84.latlon(case['site']['lat_deg'], case['site']['lon_deg'], elevation_m=case['site']['elevation_m'])
    start = case['start_parts']
    span = case['minutes'] * 60.0
    grid = np.arange(0.0, span + 0.5, 1.0)
    frames = Frames(site, start, span)
    tests = [FieldTest(apparent(f, utc_parts(start, [span / 2]))) for f in case['fields']]
    crossings = []
    skipped = []
    for c0 in range(0, len(sats), CHUNK):
        chunk = sats[c0:c0 + CHUNK]
        u, rng, alt, _, e = topocentric([s for _, s in chunk], frames, grid)
        for s_index, (name, sat) in enumerate(chunk):
            if np.any(e[s_index] != 0):
                skipped.append(int(sat.satnum))
                continue
            us = u[:, s_index, :]
            # Angle moved per second, per interval.
            step = np.arccos(np.clip(np.einsum('in,in->n', us[:, :-1], us[:, 1:]), -1, 1))
            for fi, test in enumerate(tests):
                sep = test.separation(us)
                slack = 1.5 * step + math.radians(0.2)
                near = (sep[:-1] - test.bound < slack) | (sep[1:] - test.bound < slack)
                if not near.any():
                    continue
                inside0 = bool(test.inside(us[:, :1])[0] and alt[s_index, 0] > 0)
                events = []
                idx = np.flatnonzero(near)
                # Merge runs of candidate intervals.
                runs = []
                for i in idx:
                    if runs and runs[-1][1] == i:
                        runs[-1][1] = i + 1
                    else:
                        runs.append([i, i + 1])
                for a, b in runs:
                    fine = np.arange(grid[a], grid[b] + 1e-9, 0.01)
                    ins = inside_at(sat, frames, test, fine)
                    for j in np.flatnonzero(ins[1:] != ins[:-1]):
                        events.append(refine(sat, frames, test, fine[j], fine[j + 1], bool(ins[j])))
                events.sort()
                state_in = inside0
                entry = 0.0 if inside0 else None
                visits = []
                for ev in events:
                    if state_in:
                        visits.append((entry, ev))
                    else:
                        entry = ev
                    state_in = not state_in
                if state_in:
                    visits.append((entry, span))
                for t_in, t_out in visits:
                    d = describe(sat, frames, test, t_in, t_out)
                    crossings.append({
                        'field': fi,
                        'norad_id': int(sat.satnum),
                        'name': name,
                        'entry_s': float(t_in),
                        'exit_s': float(t_out),
                        'in_field_at_start': bool(t_in <= 0.0),
                        'in_field_at_end': bool(t_out >= span),
                        **d,
                    })
    crossings.sort(key=lambda c: (c['entry_s'], c['field'], c['norad_id']))
    return crossings, sorted(set(skipped))


def pointing(site_def, start, minutes, alt_deg, az_deg):
    """RA/Dec (ICRS) of an altitude/azimuth at the middle of the window, so fields can be placed on the sky."""
    site = wgs84.latlon(site_def['lat_deg'], site_def['lon_deg'], elevation_m=site_def['elevation_m'])
    t = utc_parts(start, [minutes * 30.0])
    A = site.rotation_at(t)[:, :, 0]
    alt, az = math.radians(alt_deg), math.radians(az_deg)
    local = np.array([math.cos(alt) * math.cos(az), math.cos(alt) * math.sin(az), math.sin(alt)])
    g = A.T.dot(local)
    ra = math.degrees(math.atan2(g[1], g[0])) % 360
    dec = math.degrees(math.asin(g[2]))
    return round(ra, 4), round(dec, 4)


def cases():
    pachon = {'lat_deg': -30.2407, 'lon_deg': -70.7366, 'elevation_m': 2715.0}
    la_palma = {'lat_deg': 28.7606, 'lon_deg': -17.8792, 'elevation_m': 2396.0}
    kitt_peak = {'lat_deg': 31.9583, 'lon_deg': -111.5967, 'elevation_m': 2096.0}
    lofoten = {'lat_deg': 68.2, 'lon_deg': 14.5, 'elevation_m': 10.0}
    out = []

    def add(name, site, start, minutes, fields):
        out.append({'name': name, 'site': site, 'start_parts': start, 'minutes': minutes, 'fields': fields})

    start = [2022, 6, 17, 3, 0, 0.0]
    ra, dec = pointing(pachon, start, 20, 88.0, 10.0)
    ra2, dec2 = pointing(pachon, start, 20, 45.0, 200.0)
    add('zenith and mid-sky, two circles and a rectangle', pachon, start, 20, [
        {'shape': 'circle', 'ra_deg': ra, 'dec_deg': dec, 'radius_deg': 2.0},
        {'shape': 'circle', 'ra_deg': ra2, 'dec_deg': dec2, 'radius_deg': 1.0},
        {'shape': 'rectangle', 'ra_deg': ra, 'dec_deg': dec, 'width_deg': 1.0, 'height_deg': 3.0,
         'position_angle_deg': 35.0},
    ])
    start = [2022, 6, 16, 22, 30, 0.0]
    ra, dec = pointing(la_palma, start, 20, 1.5, 95.0)
    ra2, dec2 = pointing(la_palma, start, 20, 8.0, 300.0)
    add('near the horizon (one field cut by it)', la_palma, start, 20, [
        {'shape': 'circle', 'ra_deg': ra, 'dec_deg': dec, 'radius_deg': 3.0},
        {'shape': 'circle', 'ra_deg': ra2, 'dec_deg': dec2, 'radius_deg': 2.5},
    ])
    # Right ascension 0/360, about 50 degrees up in the east before dawn.
    start = [2022, 6, 17, 11, 30, 0.0]
    add('fields straddling RA 0/360', kitt_peak, start, 20, [
        {'shape': 'circle', 'ra_deg': 359.6, 'dec_deg': 20.0, 'radius_deg': 3.0},
        {'shape': 'rectangle', 'ra_deg': 0.3, 'dec_deg': 35.0, 'width_deg': 6.0, 'height_deg': 4.0,
         'position_angle_deg': 300.0},
    ])
    start = [2022, 6, 16, 22, 0, 0.0]
    add('around the north celestial pole', lofoten, start, 20, [
        {'shape': 'circle', 'ra_deg': 45.0, 'dec_deg': 89.5, 'radius_deg': 1.5},
        {'shape': 'rectangle', 'ra_deg': 200.0, 'dec_deg': 88.5, 'width_deg': 4.0, 'height_deg': 3.0,
         'position_angle_deg': 10.0},
    ])
    start = [2022, 6, 17, 2, 0, 0.0]
    ra, _ = pointing(pachon, start, 30, 60.0, 0.0)
    add('geostationary belt', pachon, start, 30, [
        {'shape': 'circle', 'ra_deg': ra, 'dec_deg': 4.97, 'radius_deg': 1.0},
        {'shape': 'rectangle', 'ra_deg': (ra + 6.0) % 360, 'dec_deg': 4.97, 'width_deg': 2.0, 'height_deg': 1.0,
         'position_angle_deg': 90.0},
    ])
    # Random fields all over the sky (fixed seed), circles and rectangles of several sizes, down to 3 degrees up.
    mauna_kea = {'lat_deg': 19.8207, 'lon_deg': -155.4681, 'elevation_m': 4205.0}
    start = [2022, 6, 17, 8, 0, 0.0]
    rng = np.random.default_rng(20220617)
    fields = []
    for k in range(10):
        ra, dec = pointing(mauna_kea, start, 15, float(rng.uniform(3, 88)), float(rng.uniform(0, 360)))
        if k % 3 == 2:
            fields.append({'shape': 'rectangle', 'ra_deg': ra, 'dec_deg': dec,
                           'width_deg': round(float(rng.uniform(0.5, 4)), 3),
                           'height_deg': round(float(rng.uniform(0.5, 4)), 3),
                           'position_angle_deg': round(float(rng.uniform(0, 360)), 2)})
        else:
            fields.append({'shape': 'circle', 'ra_deg': ra, 'dec_deg': dec,
                           'radius_deg': round(float(rng.uniform(0.3, 3)), 3)})
    add('ten random fields', mauna_kea, start, 15, fields)
    return out


def pass_cases(sats):
    """Rise, culmination and set with skyfield's own EarthSatellite and altaz(): the altitude on a 10-second grid
    brackets every crossing of the minimum altitude (the objects here cannot rise and set within 10 s), bisection
    refines it to 1 ms, and golden-section search around the grid's highest point gives the culmination.
    (skyfield's `find_events` is not used: for the Molniya orbit below it misses a set and the next rise.)"""
    from skyfield.api import EarthSatellite
    lines = {}
    text = open(CATALOG).read().splitlines()
    for i, l in enumerate(text):
        if l.startswith('1 '):
            lines[int(l[2:7])] = (text[i], text[i + 1])
    out = []
    specs = [
        ('ISS from Paris', 25544, {'lat_deg': 48.8566, 'lon_deg': 2.3522, 'elevation_m': 35.0}, 10.0),
        ('a Starlink from Cerro Pachon', 47895, {'lat_deg': -30.2407, 'lon_deg': -70.7366, 'elevation_m': 2715.0}, 30.0),
        ('a Molniya orbit from Lofoten', 8195, {'lat_deg': 68.2, 'lon_deg': 14.5, 'elevation_m': 10.0}, 0.0),
    ]
    span = 86400.0
    for name, norad, site_def, min_alt in specs:
        sat = EarthSatellite(*lines[norad], ts=ts)
        site = wgs84.latlon(site_def['lat_deg'], site_def['lon_deg'], elevation_m=site_def['elevation_m'])
        alt = lambda s: (sat - site).at(ts.utc(2022, 6, 16, 0, 0, s)).altaz()[0].degrees
        grid = np.arange(0.0, span + 1.0, 10.0)
        alts = alt(grid)
        up = alts > min_alt
        changes = []
        for j in np.flatnonzero(up[1:] != up[:-1]):
            lo, hi = grid[j], grid[j + 1]
            rising = not up[j]
            while hi - lo > 1e-3:
                m = (lo + hi) / 2
                if (alt(m) > min_alt) == rising:
                    hi = m
                else:
                    lo = m
            changes.append(((lo + hi) / 2, rising))
        spans = []
        start = None  # up at the window start: no rise
        for t, rising in changes:
            if rising:
                start = t
            else:
                spans.append((start, t))
                start = None
        if up[-1]:
            spans.append((start, None))
        passes = []
        for rise, set_ in spans:
            lo_s = rise if rise is not None else 0.0
            hi_s = set_ if set_ is not None else span
            inside = (grid >= lo_s) & (grid <= hi_s)
            k = int(np.argmax(np.where(inside, alts, -1e9)))
            lo, hi = max(grid[k] - 10, lo_s), min(grid[k] + 10, hi_s)
            g = (math.sqrt(5) - 1) / 2
            while hi - lo > 1e-3:
                c, d = hi - g * (hi - lo), lo + g * (hi - lo)
                lo, hi = (lo, d) if alt(c) > alt(d) else (c, hi)
            top = (lo + hi) / 2
            passes.append({'rise_s': None if rise is None else float(rise), 'culmination_s': float(top),
                           'culmination_altitude_deg': float(alt(top)),
                           'set_s': None if set_ is None else float(set_)})
        print('%s: %d passes' % (name, len(passes)), file=sys.stderr)
        out.append({'name': name, 'norad_id': norad, 'site': site_def, 'start': '2022-06-16T00:00:00Z',
                    'hours': 24, 'min_altitude_deg': min_alt, 'passes': passes})
    return out


def main():
    sats = read_catalog(CATALOG)
    result = {'catalog': 'catalog_stellarium_0.22.2.tle', 'objects': len(sats), 'cases': [],
              'passes': pass_cases(sats)}
    for case in cases():
        crossings, skipped = run_case(case, sats)
        y, mo, d, h, mi, s = case['start_parts']
        start_iso = '%04d-%02d-%02dT%02d:%02d:%02dZ' % (y, mo, d, h, mi, int(s))
        print('%s: %d crossings, %d skipped' % (case['name'], len(crossings), len(skipped)), file=sys.stderr)
        result['cases'].append({
            'name': case['name'],
            'site': case['site'],
            'start': start_iso,
            'minutes': case['minutes'],
            'fields': case['fields'],
            'skipped': skipped,
            'crossings': crossings,
        })
    json.dump(result, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
