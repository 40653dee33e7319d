"""A ``.env`` file reader, parsing as python-dotenv's ``dotenv_values`` does.

pydantic-settings reads ``env_file`` through python-dotenv; this is the same grammar in the
standard library only (the settings are built inside own-GIL sub-interpreters too):

- ``KEY=value`` lines, an optional ``export`` in front, blank lines and ``# comments``;
- unquoted values end at `` #`` (an inline comment) and are stripped;
- ``'single quoted'`` values keep backslashes (only ``\\'`` and ``\\\\`` are unescaped);
- ``"double quoted"`` values unescape ``\\n``, ``\\t``, ``\\"``... and may span lines;
- ``${NAME}`` and ``${NAME:-default}`` expand from the keys above in the file first, then
  from the environment (in every kind of value, as python-dotenv 1.x does);
- a line with a key but no ``=`` gives the value ``None``; a line that cannot be parsed is
  skipped, as python-dotenv does (it only warns).
"""

from __future__ import annotations

import codecs
import os
import re
from pathlib import Path

_EXPORT = re.compile(r"(?:export[ \t]+)?")
_KEY = re.compile(r"'([^']+)'|([^=#\s]+)")
_EQUALS = re.compile(r"[ \t]*=[ \t]*")
_SINGLE_QUOTED = re.compile(r"'((?:\\'|[^'])*)'")
_DOUBLE_QUOTED = re.compile(r'"((?:\\"|[^"])*)"')
_UNQUOTED = re.compile(r"([^\r\n]*)")
_REST_OF_LINE = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r|$)")
_BLANK_OR_COMMENT = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\n|\r)|[ \t]*#[^\r\n]*$|[ \t]+$")
_SKIP_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r|$)")
_VARIABLE = re.compile(r"\$\{(?P<name>[^}:]*)(?::-(?P<default>[^}]*))?\}")
_SINGLE_ESCAPES = re.compile(r"\\[\\']")
_DOUBLE_ESCAPES = re.compile(r"\\[\\'\"abfnrtv]")


def read_dotenv(path: str | os.PathLike, encoding: str | None = None) -> dict[str, str | None]:
    """The variables a ``.env`` file sets, in file order (later lines win)."""
    text = Path(path).read_text(encoding=encoding or "utf-8")
    return _expand(parse_dotenv(text))


def parse_dotenv(text: str) -> list[tuple[str, str | None]]:
    """``(key, value)`` for every binding in ``text``, variables not yet expanded."""
    bindings: list[tuple[str, str | None]] = []
    position = 0
    while position < len(text):
        blank = _BLANK_OR_COMMENT.match(text, position)
        if blank and blank.end() > position:
            position = blank.end()
            continue
        binding, end = _binding(text, position)
        if binding is not None:
            bindings.append(binding)
            position = end
        else:
            position = _SKIP_LINE.match(text, position).end()
    return bindings


def _binding(text: str, position: int) -> tuple[tuple[str, str | None] | None, int]:
    position = _skip_spaces(text, position)
    position = _EXPORT.match(text, position).end()
    key = _KEY.match(text, position)
    if key is None:
        return None, position
    name = key.group(1) if key.group(1) is not None else key.group(2)
    position = key.end()
    equals = _EQUALS.match(text, position)
    if equals is None:
        # "KEY" alone: python-dotenv binds it to None.
        rest = _REST_OF_LINE.match(text, _skip_spaces(text, position))
        return ((name, None), rest.end()) if rest else (None, position)
    position = equals.end()
    value, position = _value(text, position)
    rest = _REST_OF_LINE.match(text, position)
    if rest is None:
        return None, position
    return (name, value), rest.end()


def _value(text: str, position: int) -> tuple[str, int]:
    if text.startswith("'", position) and (quoted := _SINGLE_QUOTED.match(text, position)):
        return _SINGLE_ESCAPES.sub(lambda m: m.group(0)[1], quoted.group(1)), quoted.end()
    if text.startswith('"', position) and (quoted := _DOUBLE_QUOTED.match(text, position)):
        return _DOUBLE_ESCAPES.sub(lambda m: codecs.decode(m.group(0), "unicode-escape"), quoted.group(1)), quoted.end()
    raw = _UNQUOTED.match(text, position)
    # An inline comment needs whitespace before its "#": "a#b" is the value "a#b".
    value = re.sub(r"\s+#.*", "", raw.group(1)).rstrip()
    return value, raw.end()


def _skip_spaces(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t":
        position += 1
    return position


def _expand(bindings: list[tuple[str, str | None]]) -> dict[str, str | None]:
    """Resolve ``${NAME}`` against the file's earlier keys, then the environment (python-dotenv's
    ``override=True``, which ``dotenv_values`` uses)."""
    values: dict[str, str | None] = {}
    for name, value in bindings:
        if value is not None:
            scope = {**os.environ, **values}

            def lookup(match: re.Match, scope: dict = scope) -> str:
                found = scope.get(match.group("name"), match.group("default") or "")
                return found if found is not None else ""

            value = _VARIABLE.sub(lookup, value)
        values[name] = value
    return values
