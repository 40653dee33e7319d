"""pydantic's date and time parser (the Rust ``speedate`` crate, 0.17), ported to Python.

pydantic parses dates, times, datetimes and durations with speedate, whose rules differ from
``datetime.fromisoformat`` (it takes ``"2024-01-02 03:04"``, ``_`` as a separator, unix
timestamps as numbers and numeric strings; it refuses ``"2024-1-2"``, week dates, ...) and
whose error texts ("input is too short", "invalid character in year") are part of pydantic's
validation errors. To give the same answers and the same errors, this module follows the
crate's code step by step, on the UTF-8 bytes of the input as the crate does (lengths and
positions are byte counts), including its integer arithmetic (``u32`` overflow checks,
truncating division, saturating float casts, round-half-away-from-zero).

The validators in ``_leaf_validators`` try a precompiled regular expression for the common,
well-formed text first and come here for everything else; every function here raises
:class:`SpeedateError` carrying speedate's message.

Standard library only (this package runs inside own-GIL sub-interpreters).
"""

from __future__ import annotations

import datetime as _dt
import math
import re

__all__ = [
    "SpeedateError",
    "parse_date",
    "parse_time",
    "parse_datetime",
    "parse_duration",
    "datetime_from_timestamp",
    "datetime_from_float",
    "time_from_int",
    "time_from_float",
    "duration_from_int",
    "duration_from_float",
    "to_py_date",
    "to_py_time",
    "to_py_datetime",
    "to_py_timedelta",
    "format_datetime",
    "format_time",
    "format_duration",
    "MESSAGES",
]


class SpeedateError(ValueError):
    """A speedate ``ParseError``; ``str()`` is its documentation text, which pydantic shows."""


# speedate's ParseError documentation strings, by variant (those pydantic can show).
MESSAGES = {
    "TooShort": "input is too short",
    "ExtraCharacters": "unexpected extra characters at the end of the input",
    "InvalidCharDateTimeSep": "invalid datetime separator, expected `T`, `t`, `_` or space",
    "InvalidCharDateSep": "invalid date separator, expected `-`",
    "DateNotExact": "Timestamp is not an exact date",
    "InvalidCharYear": "invalid character in year",
    "InvalidCharMonth": "invalid character in month",
    "InvalidCharDay": "invalid character in day",
    "InvalidCharTimeSep": "invalid time separator, expected `:`",
    "InvalidCharHour": "invalid character in hour",
    "InvalidCharMinute": "invalid character in minute",
    "InvalidCharSecond": "invalid character in second",
    "InvalidCharSecondFraction": "invalid character in second fraction",
    "InvalidCharTzSign": "invalid timezone sign",
    "InvalidCharTzHour": "invalid timezone hour",
    "InvalidCharTzMinute": "invalid timezone minute",
    "OutOfRangeTzMinute": "timezone minute value is outside expected range of 0-59",
    "OutOfRangeTz": "timezone offset must be less than 24 hours",
    "OutOfRangeMonth": "month value is outside expected range of 1-12",
    "OutOfRangeDay": "day value is outside expected range",
    "OutOfRangeHour": "hour value is outside expected range of 0-23",
    "OutOfRangeMinute": "minute value is outside expected range of 0-59",
    "OutOfRangeSecond": "second value is outside expected range of 0-59",
    "SecondFractionTooLong": "second fraction value is more than 6 digits long",
    "SecondFractionMissing": "second fraction digits missing after `.`",
    "MillisecondFractionTooLong": "millisecond fraction value is more than 3 digits long",
    "DurationInvalidNumber": "invalid digit in duration",
    "DurationTRepeated": "`t` character repeated in duration",
    "DurationInvalidFraction": "quantity fraction invalid in duration",
    "DurationInvalidTimeUnit": "quantity invalid in time part of duration",
    "DurationInvalidDateUnit": "quantity invalid in date part of duration",
    "DurationInvalidDays": '"day" identifier in duration not correctly formatted',
    "DurationValueTooLarge": "a numeric value in the duration is too large",
    "DurationHourValueTooLarge": "durations may not exceed 999,999,999 hours",
    "DurationDaysTooLarge": "durations may not exceed 999,999,999 days",
    "DateTooSmall": "dates before 0000 are not supported as unix timestamps",
    "DateTooLarge": "dates after 9999 are not supported as unix timestamps",
    "TimeTooLarge": "numeric times may not exceed 86,399 seconds",
}


def _fail(variant: str):
    raise SpeedateError(MESSAGES[variant])


# --- Rust arithmetic ---------------------------------------------------------------------

_U32_MAX = 0xFFFFFFFF
_I64_MAX = (1 << 63) - 1
_I64_MIN = -(1 << 63)


def _u32(value: int) -> int:
    """``checked!``: a u32 result, or speedate's DurationValueTooLarge on overflow."""
    if value > _U32_MAX:
        _fail("DurationValueTooLarge")
    return value


def f64_as_int(value: float, lo: int, hi: int) -> int:
    """Rust's saturating ``f64 as iN/uN`` cast (NaN -> 0, truncation toward zero)."""
    if value != value:
        return 0
    if value >= hi:
        return hi
    if value <= lo:
        return lo
    return int(value)


def floor_i64(value: float) -> int:
    """``value.floor() as i64``."""
    if value != value or math.isinf(value):
        return f64_as_int(value, _I64_MIN, _I64_MAX)
    return f64_as_int(math.floor(value), _I64_MIN, _I64_MAX)


def fract(value: float) -> float:
    """``f64::fract`` (NaN for infinities)."""
    return math.fmod(value, 1.0) if not math.isinf(value) else math.nan


def rust_round(value: float) -> float:
    """``f64::round``: half away from zero (Python's ``round`` rounds half to even)."""
    if value != value or math.isinf(value):
        return value
    if value >= 0:
        floor = math.floor(value)
        return float(floor + 1 if value - floor >= 0.5 else floor)
    return -rust_round(-value)


def _trunc_div(a: int, b: int) -> int:
    """Rust's integer ``/`` (rounds toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


# --- numbers in text ---------------------------------------------------------------------

def int_parse(b: bytes) -> int | None:
    """``int_parse_bytes``: an optional sign and ASCII digits fitting i64, else ``None``."""
    return _int_parse_internal(b)[0]


def _int_parse_internal(b: bytes) -> tuple[int | None, int | None]:
    """``(value, None)`` or ``(None, offending_byte | None)`` as the crate's internal parser."""
    n = len(b)
    if n == 0:
        return None, None
    neg = False
    start = 0
    if n >= 2 and b[0] == 0x2D:  # '-'
        neg, start = True, 1
    elif n >= 2 and b[0] == 0x2B:  # '+'
        start = 1
    first = b[start]
    if not 0x30 <= first <= 0x39:
        return None, first
    value = first - 0x30
    for c in b[start + 1:]:
        if not 0x30 <= c <= 0x39:
            return None, c
        value = value * 10 + (c - 0x30)
        if value > _I64_MAX + neg:  # i64::MIN has no positive counterpart
            return None, c
    return (-value if neg else value), None


def _float_parse(b: bytes) -> int | float | None:
    """``float_parse_bytes``: an int, a float (only when the int parse stopped at a ``.``), or ``None``."""
    value, stop = _int_parse_internal(b)
    if value is not None:
        return value
    if stop != 0x2E:  # '.'
        return None
    try:
        text = b.decode("ascii")
    except UnicodeDecodeError:
        return None
    if not _FLOAT_SYNTAX(text):
        return None
    return float(text)


# lexical's standard float format: Rust float literal syntax (no inf/nan words, no "_")
_FLOAT_SYNTAX = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII).fullmatch


# --- dates -------------------------------------------------------------------------------

_MS_WATERSHED = 20_000_000_000
_UNIX_9999 = 253_402_300_799
_UNIX_0000 = -62_167_219_200
_EPOCH_ORDINAL = 719_163  # date(1970, 1, 1).toordinal()
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 400 == 0 if year % 100 == 0 else year % 4 == 0


def _digit(b: bytes, i: int, variant: str) -> int:
    if i < len(b):
        c = b[i]
        if 0x30 <= c <= 0x39:
            return c - 0x30
    _fail(variant)


def _date_partial(b: bytes) -> tuple[int, int, int]:
    """``Date::parse_bytes_partial``: ``YYYY-MM-DD`` at the start of ``b``."""
    if len(b) < 10:
        _fail("TooShort")
    year = (_digit(b, 0, "InvalidCharYear") * 1000 + _digit(b, 1, "InvalidCharYear") * 100
            + _digit(b, 2, "InvalidCharYear") * 10 + _digit(b, 3, "InvalidCharYear"))
    if b[4] != 0x2D:
        _fail("InvalidCharDateSep")
    month = _digit(b, 5, "InvalidCharMonth") * 10 + _digit(b, 6, "InvalidCharMonth")
    if b[7] != 0x2D:
        _fail("InvalidCharDateSep")
    day = _digit(b, 8, "InvalidCharDay") * 10 + _digit(b, 9, "InvalidCharDay")
    if not 1 <= month <= 12:
        _fail("OutOfRangeMonth")
    max_days = 29 if month == 2 and _is_leap(year) else _DAYS_IN_MONTH[month]
    if day < 1 or day > max_days:
        _fail("OutOfRangeDay")
    return year, month, day


def _watershed(timestamp: int) -> tuple[int, int]:
    """``timestamp_watershed``: seconds, or milliseconds past +-2e10, as (seconds, micros)."""
    if timestamp == _I64_MIN:
        _fail("DateTooSmall")
    if abs(timestamp) <= _MS_WATERSHED:
        return timestamp, 0
    seconds = _trunc_div(timestamp, 1000)
    micros = (timestamp - seconds * 1000) * 1000
    if micros < 0:
        seconds -= 1
        micros += 1_000_000
    return seconds, micros


def _date_from_seconds(seconds: int) -> tuple[tuple[int, int, int], int]:
    """``Date::from_timestamp_calc``: the (year, month, day) and the seconds into that day."""
    if seconds < _UNIX_0000:
        _fail("DateTooSmall")
    if seconds > _UNIX_9999:
        _fail("DateTooLarge")
    days, rest = divmod(seconds, 86_400)
    ordinal = _EPOCH_ORDINAL + days
    if ordinal >= 1:
        d = _dt.date.fromordinal(ordinal)
        return (d.year, d.month, d.day), rest
    # year 0 (proleptic 0000-01-01 .. 0000-12-31, a leap year): Python cannot hold it, but
    # speedate can, and pydantic only refuses it when building the Python object
    day_of_year = ordinal + 366  # 1-based
    month = 1
    for m in range(1, 13):
        length = 29 if m == 2 else _DAYS_IN_MONTH[m]
        if day_of_year <= length:
            month = m
            break
        day_of_year -= length
    return (0, month, day_of_year), rest


def parse_date(b: bytes) -> tuple[int, int, int]:
    """``Date::parse_bytes_with_config`` (timestamps inferred as seconds or milliseconds)."""
    try:
        ymd = _date_partial(b)
        if len(b) > 10:
            _fail("ExtraCharacters")
        return ymd
    except SpeedateError:
        timestamp = int_parse(b)
        if timestamp is None:
            raise
    seconds, micros = _watershed(timestamp)
    ymd, rest = _date_from_seconds(seconds)
    if rest or micros:
        _fail("DateNotExact")
    return ymd


# --- times -------------------------------------------------------------------------------

# A parsed time: (hour, minute, second, microsecond, tz_offset_seconds | None)


def _pure_time(b: bytes, offset: int) -> tuple[int, int, int, int, int]:
    """``PureTime::parse`` (fraction digits past 6 truncated): (h, m, s, us, end position)."""
    if len(b) - offset < 5:
        _fail("TooShort")
    hour = _digit(b, offset, "InvalidCharHour") * 10 + _digit(b, offset + 1, "InvalidCharHour")
    if b[offset + 2] != 0x3A:
        _fail("InvalidCharTimeSep")
    minute = _digit(b, offset + 3, "InvalidCharMinute") * 10 + _digit(b, offset + 4, "InvalidCharMinute")
    if hour > 23:
        _fail("OutOfRangeHour")
    if minute > 59:
        _fail("OutOfRangeMinute")
    length = 5
    second = micro = 0
    n = len(b)
    if offset + 5 < n and b[offset + 5] == 0x3A:
        second = _digit(b, offset + 6, "InvalidCharSecond") * 10 + _digit(b, offset + 7, "InvalidCharSecond")
        if second > 59:
            _fail("OutOfRangeSecond")
        length = 8
        if offset + 8 < n and b[offset + 8] in (0x2E, 0x2C):  # '.' or ','
            length = 9
            i = 0
            while offset + length + i < n and 0x30 <= b[offset + length + i] <= 0x39:
                if i < 6:
                    micro = micro * 10 + (b[offset + length + i] - 0x30)
                i += 1
            if i == 0:
                _fail("SecondFractionMissing")
            if i < 6:
                micro *= 10 ** (6 - i)
            length += i
    return hour, minute, second, micro, offset + length


def _time_at(b: bytes, offset: int) -> tuple[int, int, int, int, int | None]:
    """``Time::parse_bytes_offset``: a time with an optional ``Z``/``+HH:MM`` at ``offset``."""
    hour, minute, second, micro, position = _pure_time(b, offset)
    tz = None
    n = len(b)
    if position < n:
        c = b[position]
        position += 1
        if c in (0x5A, 0x7A):  # Z z
            tz = 0
        else:
            if c == 0x2B:
                sign = 1
            elif c == 0x2D:
                sign = -1
            elif c == 226:  # U+2212 MINUS SIGN, allowed by ISO 8601
                if position >= n or b[position] != 136 or position + 1 >= n or b[position + 1] != 146:
                    _fail("InvalidCharTzSign")
                position += 2
                sign = -1
            else:
                _fail("InvalidCharTzSign")
            h1 = _digit(b, position, "InvalidCharTzHour")
            h2 = _digit(b, position + 1, "InvalidCharTzHour")
            nxt = b[position + 2] if position + 2 < n else None
            if nxt == 0x3A:
                position += 3
                m1 = _digit(b, position, "InvalidCharTzMinute")
            elif nxt is not None and 0x30 <= nxt <= 0x39:
                position += 2
                m1 = nxt - 0x30
            else:
                _fail("InvalidCharTzMinute")
            m2 = _digit(b, position + 1, "InvalidCharTzMinute")
            minute_seconds = m1 * 600 + m2 * 60
            if minute_seconds >= 3600:
                _fail("OutOfRangeTzMinute")
            tz = sign * (h1 * 36000 + h2 * 3600 + minute_seconds)
            if abs(tz) >= 86_400:
                _fail("OutOfRangeTz")
            position += 2
    if n > position:
        _fail("ExtraCharacters")
    return hour, minute, second, micro, tz


def parse_time(b: bytes) -> tuple[int, int, int, int, int | None]:
    """``Time::parse_bytes_with_config``: text only (numbers are handled by the validators)."""
    return _time_at(b, 0)


def time_from_seconds(seconds: int, micro: int) -> tuple[int, int, int, int, int]:
    """``Time::from_timestamp_with_config`` (UTC: pydantic sets a zero offset)."""
    if micro >= 1_000_000:
        seconds += micro // 1_000_000
        micro %= 1_000_000
    if seconds >= 86_400:
        _fail("TimeTooLarge")
    return seconds // 3600, (seconds % 3600) // 60, seconds % 60, micro, 0


def time_from_int(timestamp: int, micro: int = 0) -> tuple[int, int, int, int, int]:
    """pydantic's ``int_as_time``."""
    if timestamp < 0:
        raise SpeedateError("time in seconds should be positive")
    return time_from_seconds(min(timestamp, _U32_MAX), micro)


def time_from_float(timestamp: float) -> tuple[int, int, int, int, int]:
    """pydantic's ``float_as_time``."""
    if timestamp != timestamp:
        raise SpeedateError("NaN values not permitted")
    micro = abs(fract(timestamp)) * 1_000_000.0
    return time_from_int(floor_i64(timestamp), f64_as_int(rust_round(micro), 0, _U32_MAX))


# --- datetimes ---------------------------------------------------------------------------

# A parsed datetime: ((year, month, day), (hour, minute, second, microsecond, tz | None))


def _datetime_rfc3339(b: bytes):
    ymd = _date_partial(b)
    if len(b) <= 10 or b[10] not in (0x54, 0x74, 0x20, 0x5F):  # T t space _
        _fail("InvalidCharDateTimeSep")
    return ymd, _time_at(b, 11)


def datetime_from_timestamp(timestamp: int, micro: int = 0, unit_inferred: bool = True):
    """``DateTime::from_timestamp_with_config``: seconds (or milliseconds past +-2e10 when the
    unit is inferred) since the epoch, plus ``micro`` microseconds, in UTC."""
    second, extra = _watershed(timestamp) if unit_inferred else (timestamp, 0)
    # the date range is checked first: a saturated timestamp is "after 9999", not an overflow
    if second < _UNIX_0000:
        _fail("DateTooSmall")
    if second > _UNIX_9999:
        _fail("DateTooLarge")
    total = micro + extra
    if total > _U32_MAX:
        _fail("TimeTooLarge")
    if total >= 1_000_000:
        second += total // 1_000_000
        total %= 1_000_000
    ymd, rest = _date_from_seconds(second)
    return ymd, time_from_seconds(rest, total)


def datetime_from_float(timestamp: float):
    """pydantic's ``float_as_datetime``: seconds, or milliseconds past +-2e10, as a float.

    The installed pydantic-core (2.50) splits the number on the number line, unlike speedate
    0.17's ``from_float_with_config`` (-1.25 is 1969-12-31T23:59:58.75; 20000000000.5 is in
    milliseconds); this follows what it does, observed value by value."""
    if timestamp != timestamp:
        raise SpeedateError("NaN values not permitted")
    whole = floor_i64(timestamp)
    if abs(timestamp) > _MS_WATERSHED:
        fraction_micro = f64_as_int(rust_round((timestamp - whole) * 1_000.0), 0, _U32_MAX)
        seconds, millis = divmod(whole, 1000)
        return datetime_from_timestamp(seconds, millis * 1000 + fraction_micro, unit_inferred=False)
    micro = f64_as_int(rust_round((timestamp - whole) * 1_000_000.0), 0, _U32_MAX)
    return datetime_from_timestamp(whole, micro, unit_inferred=False)


def parse_datetime(b: bytes):
    """``DateTime::parse_bytes_with_config``: RFC 3339-ish text, else a numeric timestamp."""
    try:
        return _datetime_rfc3339(b)
    except SpeedateError:
        number = _float_parse(b)
        if number is None:
            raise
    if type(number) is int:
        return datetime_from_timestamp(number)
    return datetime_from_float(number)


# --- durations ---------------------------------------------------------------------------

# A parsed duration: (positive, days, seconds, microseconds), normalised


def _normalize(positive: bool, day: int, second: int, micro: int) -> tuple[bool, int, int, int]:
    if micro >= 1_000_000:
        second = _u32(second + micro // 1_000_000)
        micro %= 1_000_000
    if second >= 86_400:
        day = _u32(day + second // 86_400)
        second %= 86_400
    if day > 999_999_999:
        _fail("DurationDaysTooLarge")
    return positive, day, second, micro


def _number(b: bytes, position: int) -> tuple[int, int]:
    """``parse_number`` from ``position``: a u32 and the position after its digits."""
    n = len(b)
    if position >= n or not 0x30 <= b[position] <= 0x39:
        _fail("DurationInvalidNumber")
    value = b[position] - 0x30
    position += 1
    while position < n and 0x30 <= b[position] <= 0x39:
        value = _u32(_u32(value * 10) + (b[position] - 0x30))
        position += 1
    return value, position


def _number_fraction(b: bytes, position: int) -> tuple[int, float | None, int]:
    value, position = _number(b, position)
    if position < len(b) and b[position] in (0x2E, 0x2C):
        decimal = 0.0
        denominator = 1.0
        while True:
            position += 1
            if position < len(b) and 0x30 <= b[position] <= 0x39:
                decimal = decimal * 10.0 + (b[position] - 0x30)
                denominator *= 10.0
            else:
                return value, decimal / denominator, position
    return value, None, position


def _iso_duration(b: bytes) -> tuple[int, int, int]:
    got_t = False
    last_had_fraction = False
    position = 0
    day = second = micro = 0
    n = len(b)
    while position < n:
        c = b[position]
        if c == 0x54:  # T
            if got_t:
                _fail("DurationTRepeated")
            got_t = True
        else:
            value, fraction, position = _number_fraction(b, position)
            if last_had_fraction:
                _fail("DurationInvalidFraction")
            if fraction is not None:
                last_had_fraction = True
            unit = b[position] if position < n else None
            if got_t:
                mult = {0x48: 3600, 0x4D: 60, 0x53: 1}.get(unit)
                if mult is None:
                    _fail("DurationInvalidTimeUnit")
                second = _u32(second + _u32(mult * value))
                if fraction is not None:
                    extra = fraction * mult
                    full = math.trunc(extra)
                    second = _u32(second + f64_as_int(float(full), 0, _U32_MAX))
                    micro = _u32(micro + f64_as_int(rust_round((extra - full) * 1_000_000.0), 0, _U32_MAX))
            else:
                mult = {0x59: 365, 0x4D: 30, 0x57: 7, 0x44: 1}.get(unit)
                if mult is None:
                    _fail("DurationInvalidDateUnit")
                day = _u32(day + _u32(value * mult))
                if fraction is not None:
                    extra_days = fraction * mult
                    full_days = math.trunc(extra_days)
                    day = _u32(day + f64_as_int(float(full_days), 0, _U32_MAX))
                    extra_seconds = (extra_days - full_days) * 86_400.0
                    full_seconds = math.trunc(extra_seconds)
                    second = _u32(second + f64_as_int(float(full_seconds), 0, _U32_MAX))
                    micro = (micro + f64_as_int(rust_round((extra_seconds - full_seconds) * 1_000_000.0), 0, _U32_MAX)) & _U32_MAX
        position += 1
    if position < 2:
        _fail("TooShort")
    return day, second, micro


def _clock_duration(b: bytes) -> tuple[int, int, int]:
    """``parse_time``: ``[H...]H:MM[:SS[.ffffff]]``, hours unbounded up to 24e8."""
    if len(b) < 5:
        _fail("TooShort")
    colon = b.find(b":")
    if colon < 0:
        _fail("InvalidCharHour")
    hour_part, remaining = b[:colon], b[colon + 1:]
    if len(hour_part) > 10:
        _fail("DurationHourValueTooLarge")
    hour = 0
    for c in hour_part:
        h = (c - 0x30) & 0xFF
        if h > 9:
            _fail("InvalidCharHour")
        hour = hour * 10 + h
    if hour > 24 * 10**8:
        _fail("DurationHourValueTooLarge")
    if 3 + len(remaining) > 15:
        remaining = remaining[:12]  # microseconds past 6 digits truncated, as the time's
    text = b"00:" + remaining
    h, m, s, micro, position = _pure_time(text, 0)
    if len(text) > position:
        _fail("ExtraCharacters")
    day = hour // 24
    hour %= 24
    return day, h * 3600 + m * 60 + s + hour * 3600, micro


def _days_and_clock(b: bytes) -> tuple[int, int, int]:
    """``parse_days_time``: ``N d[ay[s]][,][ ]HH:MM[:SS]``."""
    day, position = _number(b, 0)
    rest = b[position:]
    if rest[:2] in (b" d", b" D"):
        rest = rest[2:]
    elif rest[:1] in (b"d", b"D"):
        rest = rest[1:]
    else:
        _fail("DurationInvalidDays")
    for word in (b"ays", b"ay", b"AYS", b"AY"):
        if rest.startswith(word):
            rest = rest[len(word):]
            break
    else:
        if rest[:1] in (b"a", b"A"):
            _fail("DurationInvalidDays")
    if rest.startswith(b", "):
        rest = rest[2:]
    elif rest[:1] in (b",", b" "):
        rest = rest[1:]
    if not rest:
        return day, 0, 0
    t_day, second, micro = _clock_duration(rest)
    if t_day > 0:
        _fail("DurationHourValueTooLarge")
    return day, second, micro


def parse_duration(b: bytes) -> tuple[bool, int, int, int]:
    """``Duration::parse_bytes_with_config``: ISO 8601 (``P1DT2H``), ``1 day, 01:02:03`` or ``01:02:03``."""
    positive = True
    if b[:1] == b"-":
        positive, b = False, b[1:]
    elif b[:1] == b"+":
        b = b[1:]
    if not b:
        _fail("TooShort")
    if b[0] == 0x50:  # P
        day, second, micro = _iso_duration(b[1:])
    elif b"d" in b or b"D" in b or len(b) < 5:
        day, second, micro = _days_and_clock(b)
    else:
        day, second, micro = _clock_duration(b)
    return _normalize(positive, day, second, micro)


def duration_from_int(total_seconds: int) -> tuple[bool, int, int, int]:
    """pydantic's ``int_as_duration`` (an i64 of seconds)."""
    positive = total_seconds >= 0
    total = abs(total_seconds)
    days = total // 86_400
    if days > 999_999_999:
        _fail("DurationDaysTooLarge")
    return _normalize(positive, days, total % 86_400, 0)


def duration_from_float(total_seconds: float) -> tuple[bool, int, int, int]:
    """pydantic's ``float_as_duration``."""
    if total_seconds != total_seconds:
        raise SpeedateError("NaN values not permitted")
    positive = total_seconds >= 0
    total = abs(total_seconds)
    micro = fract(total) * 1_000_000.0
    days = f64_as_int(total / 86_400.0, 0, _U32_MAX)
    seconds = f64_as_int(total, 0, (1 << 64) - 1) % 86_400
    return _normalize(positive, days, seconds, f64_as_int(rust_round(micro), 0, _U32_MAX))


# --- Python objects ----------------------------------------------------------------------

_UTC = _dt.timezone.utc
_ZONES: dict[int, _dt.timezone] = {}


def tzinfo_for(offset: int | None) -> _dt.tzinfo | None:
    """A fixed-offset tzinfo for ``offset`` seconds east of UTC (``None``: naive)."""
    if offset is None:
        return None
    if offset == 0:
        return _UTC
    zone = _ZONES.get(offset)
    if zone is None:
        zone = _dt.timezone(_dt.timedelta(seconds=offset))
        if len(_ZONES) < 256:
            _ZONES[offset] = zone
    return zone


def to_py_date(ymd: tuple[int, int, int]) -> _dt.date:
    """The ``date``; year 0 raises SpeedateError("year 0 is out of range") as pydantic does."""
    if ymd[0] == 0:
        raise SpeedateError("year 0 is out of range")
    return _dt.date(*ymd)


def to_py_time(t: tuple) -> _dt.time:
    return _dt.time(t[0], t[1], t[2], t[3], tzinfo_for(t[4]))


def to_py_datetime(value: tuple) -> _dt.datetime:
    (year, month, day), (hour, minute, second, micro, tz) = value
    if year == 0:
        raise SpeedateError("year 0 is out of range")
    return _dt.datetime(year, month, day, hour, minute, second, micro, tzinfo_for(tz))


def to_py_timedelta(value: tuple[bool, int, int, int]) -> _dt.timedelta:
    positive, day, second, micro = value
    if positive:
        return _dt.timedelta(days=day, seconds=second, microseconds=micro)
    return _dt.timedelta(days=-day, seconds=-second, microseconds=-micro)


# --- formatting (speedate's Display, which pydantic's JSON uses) -------------------------

def tz_offset_of(value: _dt.datetime | _dt.time) -> int | None:
    """The offset in whole seconds, as pydantic reads it (``utcoffset().total_seconds()`` rounded)."""
    tzinfo = value.tzinfo
    if tzinfo is None:
        return None
    delta = tzinfo.utcoffset(value if isinstance(value, _dt.datetime) else None)
    if delta is None:
        return None
    return int(rust_round(delta.total_seconds()))


def _format_clock(hour: int, minute: int, second: int, micro: int, tz: int | None) -> str:
    text = f"{hour:02d}:{minute:02d}:{second:02d}.{micro:06d}" if micro else f"{hour:02d}:{minute:02d}:{second:02d}"
    if tz is None:
        return text
    if tz == 0:
        return text + "Z"
    minutes = abs(tz) // 60  # Rust's `/` truncates toward zero, hence on the absolute value
    return f"{text}{'-' if tz < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"


def format_time(value: _dt.time) -> str:
    return _format_clock(value.hour, value.minute, value.second, value.microsecond, tz_offset_of(value))


def format_datetime(value: _dt.datetime) -> str:
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
            + _format_clock(value.hour, value.minute, value.second, value.microsecond, tz_offset_of(value)))


def duration_of(value: _dt.timedelta) -> tuple[bool, int, int, int]:
    """``pytimedelta_exact_as_duration``: Python's (days, seconds >= 0, us >= 0) to sign and magnitudes."""
    days, seconds, micro = value.days, value.seconds, value.microseconds
    positive = days >= 0
    if not positive:
        if micro:
            seconds += 1
            micro = 1_000_000 - micro
        if seconds:
            days += 1
            seconds = 86_400 - seconds
        days = -days
    return positive, days, seconds, micro


def format_duration(value: _dt.timedelta) -> str:
    """speedate's ISO 8601 duration (``P1Y2DT3H4M5.5S``, ``-PT1S``, ``PT0S``)."""
    positive, day, second, micro = duration_of(value)
    out = ["" if positive else "-", "P"]
    if day:
        years, days = divmod(day, 365)
        if years:
            out.append(f"{years}Y")
        if days:
            out.append(f"{days}D")
    if second or micro:
        out.append("T")
        hours, rest = divmod(second, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            out.append(f"{hours}H")
        if minutes:
            out.append(f"{minutes}M")
        if secs or micro:
            out.append(str(secs))
            if micro:
                out.append("." + f"{micro:06d}".rstrip("0"))
            out.append("S")
    if not (second or micro or day):
        out.append("T0S")
    return "".join(out)
