"""RFC 8785 (JCS) canonical JSON, as the server computes a proof's ``payloadDigest``.

The vectors in ``fixtures/canonical-json/vectors.json`` hold the server, the TypeScript SDK, this
SDK and the Go SDK to one output. What differs from ``json.dumps(sort_keys=True)``:

- members sort by UTF-16 code units (``key.encode("utf-16-be")``), not by code points, so a key
  outside the Basic Multilingual Plane sorts before U+E000–U+FFFF;
- numbers are IEEE 754 doubles printed as ECMAScript's Number-to-String does (``1e-7``,
  ``1e+21``, ``-0`` → ``0``, ``1.0`` → ``1``, ``1e16`` → ``10000000000000000``); an integer is
  first rounded to the nearest double, as ``JSON.parse`` does;
- strings escape only ``"``, ``\\`` and the control characters below U+0020; a lone surrogate,
  ``NaN`` and the infinities have no canonical form and raise ``ValueError``.
"""

from typing import Any, List, Mapping, Sequence

_SHORT_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}


def canonical_json(value: Any) -> str:
    """The RFC 8785 canonical JSON text of ``value`` (dicts, lists/tuples, str, int, float,
    bool, None). Raises ``ValueError`` for what has no canonical form (a lone surrogate, a
    non-finite number, an integer beyond the double range) and ``TypeError`` for other types or
    a non-string key."""
    parts: List[str] = []
    _write(value, parts)
    return "".join(parts)


def _write(value: Any, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_quote(value))
    elif isinstance(value, (int, float)):
        out.append(_number(value))
    elif isinstance(value, Mapping):
        members = {}
        for key, member in value.items():
            if not isinstance(key, str):
                raise TypeError(f"An object key must be a string, not {type(key).__name__}.")
            normal = _utf16(key)
            if normal in members:
                raise ValueError(f"The key {normal!r} appears twice.")
            members[normal] = member
        out.append("{")
        for index, key in enumerate(sorted(members, key=lambda k: k.encode("utf-16-be"))):
            if index:
                out.append(",")
            out.append(_quote(key))
            out.append(":")
            _write(members[key], out)
        out.append("}")
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise TypeError(f"A {type(value).__name__} has no JSON form.")


def _utf16(text: str) -> str:
    """``text`` with surrogate pairs joined into their code point (a ``str`` built from
    ``"\\ud83d\\ude00"`` holds two code points, JSON's one); a lone surrogate raises."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    try:
        return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be")
    except UnicodeDecodeError:
        raise ValueError("A string with a lone surrogate has no JSON form.") from None


def _quote(text: str) -> str:
    text = _utf16(text)
    out = ['"']
    for char in text:
        escape = _SHORT_ESCAPES.get(char)
        if escape is not None:
            out.append(escape)
        elif char < " ":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _number(value: Any) -> str:
    """ECMAScript Number::toString of ``value`` as a double (RFC 8785 §3.2.2.3)."""
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"The integer {value} is beyond the range of a JSON number.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("A non-finite number has no JSON form.")
    if number == 0:
        return "0"  # and -0
    sign = "-" if number < 0 else ""
    # repr() gives the shortest digits that round-trip, as ECMAScript requires.
    mantissa, _, exponent = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction.rstrip("0")) if fraction != "0" else whole
    # value = 0.digits × 10^n, with the leading zeros of digits dropped.
    n = len(whole) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        e = n - 1
        text = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + text
