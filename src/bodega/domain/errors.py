"""The errors bodega's domain raises.

Every error has a stable ``code`` (clients and tests match on it), a message that
names the offending value and what was expected, and an optional hint. Only
``bodega.web.errors`` turns them into HTTP responses.
"""

from __future__ import annotations


class BodegaError(Exception):
    """Base of every error that bodega reports to a user."""

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InvalidInput(BodegaError):
    """A request or argument that can never succeed as given."""

    code = "invalid"


class InvalidName(InvalidInput):
    code = "invalid-name"


class InvalidFilename(InvalidInput):
    code = "invalid-filename"


class InvalidArchive(InvalidInput):
    code = "invalid-archive"


class InvalidMetadata(InvalidInput):
    code = "invalid-metadata"


class DigestMismatch(InvalidInput):
    code = "digest-mismatch"


class TooLarge(InvalidInput):
    code = "too-large"


class NotFound(BodegaError):
    code = "not-found"


class IndexNotFound(NotFound):
    code = "index-not-found"


class ProjectNotFound(NotFound):
    code = "project-not-found"


class FileNotFound(NotFound):
    code = "file-not-found"


class Conflict(BodegaError):
    """The request clashes with what is stored (a file name already taken, ...)."""

    code = "conflict"


class FileExists(Conflict):
    code = "file-exists"


class NotAllowed(BodegaError):
    """The operation is not possible on this target (e.g. upload to a proxy index)."""

    code = "not-allowed"


class Unauthenticated(BodegaError):
    code = "unauthenticated"


class Forbidden(BodegaError):
    code = "forbidden"


class UpstreamError(BodegaError):
    """An upstream index failed or answered something unusable."""

    code = "upstream-error"


class ConfigError(BodegaError):
    code = "config-error"


class BlobMissing(BodegaError):
    """A file the metadata store lists is not in the blob store (a 500: the server's
    fault, not the client's)."""

    code = "blob-missing"

    def __init__(self, sha256: str) -> None:
        super().__init__(
            f"the stored file with sha256 {sha256} is missing from the blob store",
            hint="the server's data directory lost it; see the server log",
        )
        self.sha256 = sha256
