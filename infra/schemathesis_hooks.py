"""Schemathesis hooks for infra/schemathesis.sh: where Meridian's documented rules and Schemathesis's defaults
differ, said once here, narrowly, instead of turning checks off.

Written against the Schemathesis version pinned in infra/schemathesis.sh; the private functions wrapped here are
looked up by name and the module fails to load (the run stops) if they are gone, so an upgrade cannot silently
drop a rule.
"""

import json
import re

from schemathesis.specs.openapi import checks as _checks

# --- ignored_auth: 404 is how Meridian refuses an object the caller may not see ---------------------------------
#
# Without credentials, an object the anonymous caller may not see (an unpublished night log, a target of a public
# workspace, a file not yet released, anything of a private workspace) answers 404, exactly like an object that
# does not exist (docs/architecture.md, "Authorization": ids of private objects cannot be probed). Schemathesis
# counts only 401/403 as refusals. A 404 problem with code `not_found` is a refusal too; a 2xx without
# credentials still fails the check.

_enforces_auth = _checks._enforces_auth


def _problem_code(response):
    try:
        return json.loads(response.content).get("code")
    except (ValueError, AttributeError):
        return None


def _enforces_auth_or_hides(response, authenticated):
    if response.status_code == 404 and _problem_code(response) == "not_found":
        return True
    return _enforces_auth(response, authenticated)


_checks._enforces_auth = _enforces_auth_or_hides


# --- positive_data_acceptance: rules a JSON Schema cannot state ---------------------------------------------------
#
# The document carries every rule a schema can say (lengths, patterns, ranges, closed sets of names, formats). A few
# rules depend on stored data, on other fields or on the clock, or parse a small language; a schema-valid request
# may break them and is then refused with 422 `validation_failed`, the field named in `errors`. Such a 422 is
# accepted here when every field error matches one of these (field, message) rules. Any other 422 to a
# schema-valid request still fails the check: the document should have said so.

_RULES = [
    # Another object named by id must exist in this workspace (and be of the right kind or telescope).
    (r".*_ids?|telescope|author|dataset", r"(no \w[\w ]* with this id|(\S+ )?is not an? (id|\w+) of this workspace|is on another telescope).*"),
    (r"cursor", r"is not a cursor (this server issued|from this server)"),
    # Coordinates as text (sexagesimal) and their ranges, per field (RA in hours or degrees, below 360).
    (r"ra|dec|latitude|longitude|fields\[\d+\]\.(ra|dec)", r"must be .*"),
    # An IANA time zone name.
    (r"time_zone", r".*"),
    # Dates and times: real calendar dates, times inside the night, ends after starts, expiry in the future.
    (r"night|night_from|night_to|from|to|date_to|end|ends_at|start|starts_at|occurred_at|start_at|expires_at|release_at",
     r"(must|is not|is outside|is before|is after|lies).*"),
    # Fields that go together: both or neither, one of two, a cone needs all three.
    (r"field_width_arcmin|field_height_arcmin|time_lost_minutes|time_lost_category|radius|ra|dec|target_id|field|cool_after_days|cold_after_days|exposure_s",
     r"(give|is required with|is required|a cone search needs|a rule needs|must not be before).*"),
    # Duplicates within a list, counted after trimming and ignoring case; a limit on distinct tags.
    (r"filters|tags", r"(\".*\" is listed twice|must be at most \d+ different tags)"),
    # Lengths counted in UTF-8 bytes (`maxLength` counts characters).
    (r"description|name|email", r"must be (at most 20000 characters|1 to 255 characters|at most 254 characters)"),
    # `.` and `..` are not file names (a pattern would need a look-ahead).
    (r"name", r"must be a plain file name.*"),
    # Reserved workspace slugs (`admin`, `api`, `demo`, ...).
    (r"slug", r"is reserved"),
    # The current password is checked against the stored one.
    (r"current_password", r"is not your current password"),
    # Small languages: header conditions of the file search, URLs, ORCID iDs (with a check digit), SPDX
    # licence ids, DOIs.
    (r"header|links|authors\[\d+\]\.orcid|licence|doi", r".*"),
    # Part numbers of a resumable upload depend on its size and part size; the bytes sent must have the declared
    # length and checksum.
    (r"parts|part", r".*"),
    (r"sha256|content-length", r"(the bytes received do not have the declared SHA-256|part \d+ has \d+ bytes.*)"),
    # At least one of several fields.
    (r"file_ids", r"name files, a dataset or a search to add"),
    # Creating and editing share one body type: what only creating needs.
    (r"body|start_at|exposure_s", r"is required"),
    # A rectangle's half-diagonal, and the length of a window, are bounded together.
    (r"fields\[\d+\]\.\w+|end", r"(the rectangle's half-diagonal|the window) must be at most .*"),
]
_RULES = [(re.compile(f"^(?:{f})$"), re.compile(f"^(?:{m})$", re.S)) for f, m in _RULES]


def _semantic_refusal(response):
    # The workspace's plan bounds sizes (a file, the storage in use): data the document cannot know.
    if response.status_code == 413 and _problem_code(response) == "quota_exceeded":
        return True
    if response.status_code != 422:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    errors = problem.get("errors") or []
    if problem.get("code") != "validation_failed" or not errors:
        return False
    return all(
        any(f.match(e.get("field", "")) and m.match(e.get("message", "")) for f, m in _RULES) for e in errors
    )


_positive = _checks._openapi_positive_data_acceptance


def _positive_unless_semantic(ctx, response, case):
    if _semantic_refusal(response):
        return None
    return _positive(ctx, response, case)


_checks._openapi_positive_data_acceptance = _positive_unless_semantic
