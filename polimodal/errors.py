"""One exception type per failure family; messages name the file, row, key and value."""

from __future__ import annotations


class PolimodalError(Exception):
    """Base class of every error raised on purpose by polimodal."""


class SampleSheetError(PolimodalError):
    """The sample sheet is malformed (bad id, duplicate id, missing source, ...)."""


class ConfigError(PolimodalError):
    """The configuration is inconsistent beyond what the JSON schema can check."""


class SchemaError(PolimodalError):
    """A table does not match the declared Parquet schema of its artifact."""


class MediaUnavailable(PolimodalError):
    """A video cannot be obtained or used; recorded with its reason, never fatal.

    ``kind`` is a short machine-readable category (``private``, ``removed``,
    ``not_found``, ``unsupported``, ``corrupt``, ``empty``, ``too_long``,
    ``geo_blocked``, ``download_error``, ...); the message is the human reason.
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


class ModelLoadError(PolimodalError):
    """A model named in config could not be loaded (bad id, missing local path, no hub)."""


class LabelError(PolimodalError):
    """Task labels are inconsistent with the config (unknown value, too few examples)."""


class CaptionError(PolimodalError):
    """A caption file cannot be read at all (not WebVTT); recorded on its track, never fatal."""
