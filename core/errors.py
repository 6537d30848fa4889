"""One error hierarchy for the engine: every failure a user can meet is a PhotolensError."""

from __future__ import annotations


class PhotolensError(Exception):
    """Base class of every error the engine raises on purpose; the message is for humans."""


class ModelNotFoundError(PhotolensError):
    """The model the library needs is not installed (and nothing was downloaded)."""


class ModelFormatError(PhotolensError):
    """A model folder exists but is incomplete or inconsistent."""


class DownloadError(PhotolensError):
    """A model download failed (offline, hub unreachable, checksum mismatch)."""


class ExportError(PhotolensError):
    """Exporting an open_clip model to ONNX failed or the export did not match torch."""


class LibraryLockedError(PhotolensError):
    """Another process holds the write lock of the data directory."""


class ReadOnlyError(PhotolensError):
    """A write was attempted on a library opened read-only."""


class QueryError(PhotolensError):
    """A query could not be understood or encoded."""


class DecodeError(PhotolensError):
    """A media file could not be decoded; the message says why."""


class CatalogError(PhotolensError):
    """The SQLite catalog is unusable (corrupt, newer schema, ...)."""


class StorageError(PhotolensError):
    """Writing the library failed (disk full, read-only medium); what was saved before is intact."""


class LibraryClosedError(PhotolensError):
    """The library was closed (the app is quitting); the operation did not run."""


class OcrUnavailableError(PhotolensError):
    """Text in pictures cannot be read here: rapidocr or its bundled models are missing."""


class ClusterError(PhotolensError):
    """A cluster run cannot start or failed: Ray missing, cluster unreachable, bad options."""
