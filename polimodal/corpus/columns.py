"""Near-misses of a sheet's known columns: a header column that is a known column spelt another way.

Every column of a sheet that is not one its kind reads (a videos sheet's ``video_id`` and
``source``, a posts sheet's ``post_id``, ``text``, ``image``, ``image_N`` and text columns, a
channels sheet's ``channel``) is a label. A misspelt known column (``Text``, ``imgae``,
``video_ID``, ``Channel``) would therefore be read as a label without a word, and the run would
go on without the texts, images or sources it holds. So a header column that **resembles** a
known column without being it stops the sheet's reading (:class:`SampleSheetError` naming the
file, line 1, the column and the known column). A column resembles a known one when

- they are the same once case, spaces, ``_``, ``-`` and ``.`` are set aside (``Text``, ``Video ID``,
  ``postid``), or
- the known column has 4 characters or more (case and separators set aside) and the column is
  one slip away from it: one character added or left out, or two neighbours swapped (``texts``,
  ``txt``, ``imgae``, ``sorce``, ``vidoe_id``, ``chanel``, ``channels``). A character replaced by
  another does not count: that turns names into other words (``test`` and ``next`` for ``text``,
  ``posted`` for ``post_id``).

Names like ``ideology``, ``party``, ``label``, ``stance``, ``country``, ``year``, ``hateful``,
``outlet`` or ``score`` are far from every known column and stay labels. A label column that
really is named like a known one (``texts`` in a posts sheet) is renamed (``texts_label``): the
message says so. There is no switch to turn the check off, on purpose: a sheet that reads one way
here reads the same way in every job. The user's page: ``docs/sheets.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from polimodal.errors import SampleSheetError

#: Known columns shorter than this (set aside case and separators) are matched by case only.
MIN_FUZZY = 4


def normalize(name: str) -> str:
    """``name`` in lower case without spaces, ``_``, ``-`` and ``.``."""
    return re.sub(r"[\s_.-]+", "", name.lower())


def one_slip(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with one character added or left out, or two neighbours swapped."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    if len(long) - len(short) != 1:
        return False
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return short[i:] == long[i + 1 :]


def resembles(column: str, known: str) -> bool:
    """Whether ``column`` is ``known`` spelt another way (the rule of the module docstring)."""
    if column == known:
        return False
    a, b = normalize(column), normalize(known)
    return a == b or (len(b) >= MIN_FUZZY and one_slip(a, b))


def near_misses(columns: Iterable[str], known: Sequence[str]) -> list[tuple[str, str]]:
    """``(column, known column)`` for each column that is not a known one but resembles one."""
    out = []
    for column in columns:
        if column in known:
            continue
        like = next((k for k in known if resembles(column, k)), None)
        if like is not None:
            out.append((column, like))
    return out


def check_near_misses(misses: Sequence[tuple[str, str]], what: str) -> None:
    """SampleSheetError naming each ``(column, known column)`` of ``misses`` (from :func:`near_misses`)
    in the header of ``what`` (``sample sheet PATH``)."""
    if not misses:
        return
    pairs = ", ".join(f"column {c!r} looks like the known column {k!r}" for c, k in misses)
    column, like = misses[0]
    raise SampleSheetError(
        f"{what}: line 1 (header): {pairs} but is spelt otherwise, so it would be read as a label: "
        f"rename it to the column it looks like ({column!r} -> {like!r}); if it really is a label "
        f"column, give it a name further from {like!r} (e.g. {column + '_label'!r}) and name that in "
        "the tasks"
    )
