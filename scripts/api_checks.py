"""Extra schemathesis check: every rule the server can state in its OpenAPI document is stated.

A request generated from the schema (positive mode) must never be refused as unparseable
(400) nor with a field error whose code names a rule of shape: a range, a choice, a date
format, a length, a required field or an unknown field. Those rules belong in the schema,
so a generated client never builds a request the server refuses.
"""

import json

import schemathesis

SHAPE_CODES = {
    "err-range",
    "err-sort",
    "err-choice",
    "err-classification",
    "err-calendar-day",
    "err-control-chars",
    "err-unknown-field",
    "err-json-object",
    "err-required",
    "err-too-long",
    "err-number",
    "err-json-type",
    "err-area-code-digits",
    "err-area-code-length",
    "err-cell-int",
    "err-cell-bool",
    "err-cell-number",
    "err-need-urgency",
    "err-role-unknown",
    "err-throttle-kind",
}


@schemathesis.check
def schema_states_every_shape_rule(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code == 400:
        raise AssertionError(
            f"A schema-valid request could not be parsed: {response.text[:300]}"
        )
    if response.status_code != 422:
        return None
    try:
        body = json.loads(response.text)
    except ValueError:
        return None
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return None  # an import report: the file's content, not its shape
    shape = [
        f"{f.get('field')}: {f.get('code')}"
        for f in err.get("fields") or []
        if f.get("code") in SHAPE_CODES
    ]
    if shape:
        raise AssertionError(
            "A schema-valid request was refused for a rule the schema could state: "
            + ", ".join(shape)
        )
    return None
