"""pyvo and astropy against a live Meridian: the workspace's SIAv2 (capabilities checked), Simple Cone Search and
DataLink answer what a visitor may see, the VOTables read without warnings and validate against the IVOA schema
(astropy ships the XSDs), DataLink leads to the FITS bytes themselves."""

import hashlib
import io
import warnings
from pathlib import Path

import astropy.io.votable
import pytest
import pyvo
import requests
from astropy.time import Time
from lxml import etree

from conftest import DEMO_SLUG

XSD_DIR = Path(astropy.io.votable.__file__).parent / "data"


def base(live) -> str:
    return f"{live.url}/vo/{DEMO_SLUG}"


def schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD_DIR / f"VOTable.v{version}.xsd")))


def strict_parse(body: bytes):
    """Parses a VOTable with every astropy warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return astropy.io.votable.parse(io.BytesIO(body), verify="warn")


def test_sia2_service_checks_capabilities_and_finds_released_images(live):
    sia = pyvo.dal.SIA2Service(f"{base(live)}/sia")  # reads /sia/capabilities, takes the query URL from it
    assert sia.query_ep == f"{base(live)}/sia/query"
    results = sia.search(pos=(83.82, -5.39, 0.5), maxrec=100)
    table = results.to_table()
    ids = set(table["obs_id"])
    assert live.files["vo-m42.fits"]["id"] in ids
    assert live.files["vo-secret.fits"]["id"] not in ids, "embargoed"
    assert live.files["vo-hidden.fits"]["id"] not in ids, "another, private workspace"
    assert len(table) >= 3, "the demo's two M 42 frames and ours"
    ours = table[table["obs_id"] == live.files["vo-m42.fits"]["id"]][0]
    assert ours["dataproduct_type"] == "image" and ours["calib_level"] == 1
    assert ours["obs_collection"] == "VO released" and ours["target_name"] == "M 42"
    assert abs(ours["s_ra"] - 83.80) < 1e-9 and abs(ours["s_dec"] + 5.40) < 1e-9
    assert ours["s_xel1"] == 40 and ours["s_xel2"] == 30
    assert abs(ours["s_fov"] - 50 * 1.4633 / 3600) < 1e-4, "from XPIXSZ and FOCALLEN"
    assert ours["em_min"] < 5.5e-7 < ours["em_max"], "V"
    assert ours["t_max"] > ours["t_min"] > 61000
    # Constraints narrow: by time, band, target; an empty answer is an empty table, not an error.
    assert len(sia.search(pos=(83.82, -5.39, 0.5), time=(Time(61072.0, format="mjd"), Time(61073.0, format="mjd"))).to_table()) == 1
    assert len(sia.search(target_name="Nothing here").to_table()) == 0


def test_sia_overflow_is_flagged(live):
    sia = pyvo.dal.SIA2Service(f"{base(live)}/sia")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = sia.search(maxrec=1)
    assert len(results) == 1
    assert results.status[0].upper() == "OVERFLOW"


def test_cone_search(live):
    scs = pyvo.dal.SCSService(f"{base(live)}/scs?")
    results = scs.search(pos=(83.80, -5.40), radius=0.1)
    assert live.files["vo-m42.fits"]["id"] in set(results.to_table()["id"])
    assert live.files["vo-secret.fits"]["id"] not in set(results.to_table()["id"])
    record = results[0]
    assert abs(record.pos.ra.deg - 83.80) < 0.2 and abs(record.pos.dec.deg + 5.40) < 0.2
    with pytest.raises(pyvo.dal.DALQueryError):
        scs.search(pos=(83.8, -5.4), radius=45.0)


def test_datalink_leads_to_the_fits_bytes(live):
    sia = pyvo.dal.SIA2Service(f"{base(live)}/sia")
    results = sia.search(pos=(83.80, -5.40, 0.01))
    wanted = live.files["vo-m42.fits"]
    seen = 0
    for record, links in zip(results, results.iter_datalinks()):
        if record["obs_id"] != wanted["id"]:
            continue
        this = list(links.bysemantics("#this", include_narrower=False))  # the vocabulary is on ivoa.net
        assert len(this) == 1
        got = requests.get(this[0].access_url, timeout=30)  # requests asks for gzip
        assert got.headers.get("Content-Encoding", "identity") == "identity", "the bytes as stored"
        assert int(got.headers["Content-Length"]) == len(got.content), "a known length, for progress and resuming"
        assert hashlib.sha256(got.content).hexdigest() == wanted["sha256"]
        semantics = set(links.to_table()["semantics"])
        assert {"#this", "#auxiliary"} <= semantics
        seen += 1
    assert seen == 1


def test_datalink_refuses_what_a_visitor_may_not_see(live):
    secret = live.files["vo-secret.fits"]["id"]
    body = requests.get(f"{base(live)}/datalink", params={"ID": secret}, timeout=30).content
    links = pyvo.dal.adhoc.DatalinkResults.from_result_url(f"{base(live)}/datalink?ID={secret}")
    row = links.to_table()[0]
    assert "NotFoundFault" in row["error_message"] and not row["access_url"]
    assert b"/content" not in body


def test_private_workspaces_have_no_services(live):
    with pytest.raises(pyvo.dal.DALServiceError):
        pyvo.dal.SIA2Service(f"{live.url}/vo/vo-hidden/sia")
    r = requests.get(f"{live.url}/vo/vo-hidden/sia/query", params={"MAXREC": 10}, timeout=30)
    assert r.status_code == 404 and b"QUERY_STATUS" in r.content and b"vo-hidden.fits" not in r.content


@pytest.mark.parametrize("path,params,version", [
    ("sia/query", {"POS": "CIRCLE 83.8 -5.4 1"}, "1.4"),
    ("sia/query", {"MAXREC": "0"}, "1.4"),
    ("sia/query", {"MAXREC": "1"}, "1.4"),
    ("sia/query", {"POS": "CIRCLE 1 2"}, "1.4"),
    ("datalink", {"ID": "not-a-file"}, "1.4"),
    ("scs", {"RA": "83.8", "DEC": "-5.4", "SR": "1"}, "1.1"),
    ("scs", {"RA": "83.8", "DEC": "-5.4", "SR": "0"}, "1.1"),
    ("scs", {"RA": "83.8"}, "1.1"),
])
def test_votables_validate_and_read_without_warnings(live, path, params, version):
    if path == "datalink":
        params = {"ID": live.files["vo-m42.fits"]["id"]}
    r = requests.get(f"{base(live)}/{path}", params=params, timeout=30)
    doc = etree.fromstring(r.content)
    xsd = schema(version)
    assert xsd.validate(doc), f"{path} {params}: {xsd.error_log}"
    strict_parse(r.content)


def test_capabilities_and_availability(live):
    r = requests.get(f"{base(live)}/capabilities", timeout=30)
    parsed = pyvo.io.vosi.parse_capabilities(io.BytesIO(r.content))
    standards = {c.standardid for c in parsed}
    assert {"ivo://ivoa.net/std/SIA#query-2.0", "ivo://ivoa.net/std/ConeSearch",
            "ivo://ivoa.net/std/DataLink#links-1.1", "ivo://ivoa.net/std/VOSI#availability"} <= standards
    avail = pyvo.io.vosi.parse_availability(io.BytesIO(
        requests.get(f"{base(live)}/sia/availability", timeout=30).content))
    assert avail.available
