"""Domain errors. They know nothing of HTTP; the web layer maps ``status`` to a response
with the one error body ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations


class DomainError(Exception):
    """A refusal a person can understand; ``message`` is shown to them as is."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as it is (the SQLite writer process sends refusals to the server):
        the default would call ``__init__`` again with the finished message."""
        return _rebuilt, (type(self), self.__dict__.copy())


def _rebuilt(kind: type[DomainError], state: dict[str, object]) -> DomainError:
    error = kind.__new__(kind)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state)
    return error


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Also used for rows of another shop, so their existence is never revealed."""

    status = 404
    code = "not_found"

    def __init__(self, what: str, *, field: str | None = None):
        super().__init__(f"{what} not found", field=field)


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedType(DomainError):
    status = 415
    code = "unsupported_type"


class Invalid(DomainError):
    status = 422
    code = "invalid"


class Locked(DomainError):
    status = 423
    code = "locked"


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"


class BadGateway(DomainError):
    """A service we depend on answered, but not with anything usable."""

    status = 502
    code = "bad_gateway"


class ServiceUnavailable(DomainError):
    """A service we depend on cannot be reached, is too slow or busy: try again later."""

    status = 503
    code = "unavailable"


class InvalidRows(Invalid):
    """A file with bad rows: ``rows`` lists each problem as ``{"row", "field",
    "message"}`` so the person can fix them all at once instead of one per attempt."""

    def __init__(self, message: str, rows: list[dict[str, object]]):
        super().__init__(message, field="file")
        self.rows = rows
