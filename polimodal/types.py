"""Type aliases shared by every layer."""

from __future__ import annotations

import os

#: A filesystem path as users pass it: a string or any ``os.PathLike``.
PathLike = str | os.PathLike[str]
