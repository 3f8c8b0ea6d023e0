"""Untrusted text: what Odoo records, agents and models write, before it reaches a prompt, a UI,
an email or Odoo again.

Four tools, used at every boundary:

* :func:`text_problem` says why a text may not be accepted: invisible characters (Unicode
  format characters, category Cf, which include the tag characters U+E0000-E007F that can
  smuggle a whole instruction, U+2060, U+FEFF, U+00AD and the bidi controls), control
  characters, and words mixing Latin with Cyrillic or Greek letters (look-alikes such as a
  Cyrillic ``\\u0440\\u0430ssword``). :func:`normalise` gives the NFKC form that every further check
  (markup, instruction patterns) reads, so fullwidth ``\\uff49\\uff47nore`` is read as ``ignore``.
* :func:`prompt_json` is JSON that cannot close or open a fence in a prompt: ``<``, ``>`` and
  ``&`` are written as JSON unicode escapes, so ``</facts>`` in a lead's name stays data.
* :func:`md_text` escapes a text for a Markdown renderer (Streamlit ``st.markdown``): no
  image, link, HTML or emphasis can come out of it; :func:`html_text` escapes for HTML.
"""

from __future__ import annotations

import html
import json
import math
import re
import unicodedata
from typing import Any

__all__ = [
    "clean_text",
    "clean_value",
    "finite_problem",
    "html_text",
    "md_text",
    "normalise",
    "normalise_value",
    "prompt_json",
    "skeleton",
    "text_problem",
]

#: tabs, newlines and carriage returns are ordinary text; every other C0/C1 control is not
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_WORD = re.compile(r"\w+", re.UNICODE)


def _script(ch: str) -> str | None:
    """'latin', 'cyrillic', 'greek' or None for a letter (other scripts are not look-alikes
    of Latin)."""
    if not ch.isalpha():
        return None
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    for script in ("LATIN", "CYRILLIC", "GREEK"):
        if name.startswith(script):
            return script.lower()
    return None


#: Unicode's default-ignorable code points that are not format characters (Cf): variation
#: selectors, Hangul fillers, the combining grapheme joiner... all render as nothing
_IGNORABLE = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
#: Cyrillic and Greek letters that look like Latin ones (the common confusables)
_SKELETON = str.maketrans(
    "авеіјкмнорстухѕԁԛԝһ"
    "АВЕІЈКМНОРСТХЅ"  # noqa: RUF001
    "αορνικΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "abeijkmhopctyxsdqwhABEIJKMHOPCTXSaopvikABEZHIKMNOPTYX",
)


def skeleton(text: str) -> str:
    """``text`` in NFKC with Cyrillic and Greek look-alikes replaced by their Latin twins:
    what instruction patterns are matched against (``\u0455udo`` reads as ``sudo``)."""
    return normalise(text).translate(_SKELETON)


def invisible_problem(text: str) -> str | None:
    """Why ``text`` carries characters a reader cannot see, or None."""
    for ch in text:
        code = ord(ch)
        if 0xE0000 <= code <= 0xE007F:
            return f"contains invisible tag characters, hidden control text (U+{code:05X})"
        if any(lo <= code <= hi for lo, hi in _IGNORABLE):
            return f"contains an invisible formatting or control character (U+{code:04X})"
        category = unicodedata.category(ch)
        if category == "Cf":
            return f"contains an invisible formatting or control character (U+{code:04X})"
        if category == "Cc" and ch not in _ALLOWED_CONTROLS:
            return f"contains a control character (U+{code:04X})"
        if category in ("Co", "Cn") and not ch.isprintable():
            return f"contains an unassigned or private-use character (U+{code:04X})"
    return None


def lookalike_problem(text: str) -> str | None:
    """Why ``text`` has a word mixing Latin letters with Cyrillic or Greek ones, or None."""
    for match in _WORD.finditer(text):
        scripts = {s for s in map(_script, match.group(0)) if s}
        if "latin" in scripts and len(scripts) > 1:
            word = match.group(0)[:40]
            return f"mixes {' and '.join(sorted(scripts))} letters in one word ({word!r}: look-alike characters)"
    return None


def normalise(text: str) -> str:
    """The NFKC form (fullwidth and compatibility characters folded to their plain form)."""
    return unicodedata.normalize("NFKC", text)


def text_problem(text: str) -> str | None:
    """Why ``text`` may not be accepted as untrusted text, or None.

    Checked on the text as given and on its NFKC form (a compatibility character may fold
    into a look-alike)."""
    problem = invisible_problem(text) or lookalike_problem(text)
    if problem:
        return problem
    folded = normalise(text)
    if folded != text:
        return invisible_problem(folded) or lookalike_problem(folded)
    return None


def _visible(ch: str) -> bool:
    code = ord(ch)
    if ch in _ALLOWED_CONTROLS:
        return True
    if unicodedata.category(ch) in ("Cf", "Cc"):
        return False
    return not any(lo <= code <= hi for lo, hi in _IGNORABLE)


def clean_text(text: str) -> str:
    """``text`` in NFKC form without the characters a reader cannot see (format, control,
    tag and other default-ignorable characters): what a model may read of an Odoo name.
    Data cannot be refused like a proposal can, so it is cleaned."""
    folded = normalise(text)
    if all(_visible(ch) for ch in folded):
        return folded
    return "".join(ch for ch in folded if _visible(ch))


def clean_value(value: Any) -> Any:
    """``value`` with :func:`clean_text` applied to every string (keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def normalise_value(value: Any) -> Any:
    """``value`` with every string (keys included) in NFKC form, recursively."""
    if isinstance(value, str):
        return normalise(value)
    if isinstance(value, dict):
        return {normalise_value(k): normalise_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise_value(v) for v in value]
    return value


def finite_problem(value: Any, path: str = "params") -> str | None:
    """Where ``value`` holds a number that is not finite (NaN, Infinity), or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{path} is {value!r}: only finite numbers are accepted"
    if isinstance(value, dict):
        for k, v in value.items():
            found = finite_problem(v, f"{path}/{k}")
            if found:
                return found
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = finite_problem(v, f"{path}/{i}")
            if found:
                return found
    return None


def prompt_json(value: Any, *, indent: int | None = None) -> str:
    """JSON for a prompt: ``<``, ``>`` and ``&`` as ``\\u003c``, ``\\u003e``, ``\\u0026``.

    These characters only ever occur inside JSON strings (never in the syntax), so the
    replacement keeps the JSON valid and equal once parsed, and no value can write a fence
    tag such as ``</facts>``. NaN and Infinity are refused (not JSON)."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Markdown: every ASCII punctuation character (CommonMark lets a backslash escape each one)
_MD_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")


#: what GFM's autolink extension turns into a link even when escaped: a scheme's ``://``,
#: ``www.`` and an e-mail's ``@`` (a zero-width space after the colon, between www and the
#: dot, before the at sign keeps them plain text and looks the same)
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?=@)")


def md_text(value: Any) -> str:
    """``value`` as text for a Markdown renderer: every ASCII punctuation character
    backslash-escaped, so ``![x](http://...)``, ``<img ...>``, ``[a](b)``, emphasis,
    Streamlit's ``:color[...]`` and ``$math$`` show as the characters they are and never
    become an image, a link or markup; and bare URLs, ``www.`` names and e-mail addresses
    are broken with a zero-width space, which GFM would link even when escaped (a real
    browser showed it)."""
    text = _AUTOLINK.sub("\u200b", "" if value is None else str(value))
    return _MD_SPECIAL.sub(r"\\\1", text)


def html_text(value: Any) -> str:
    """``value`` escaped for HTML (text and attribute values)."""
    return html.escape("" if value is None else str(value), quote=True)
