"""Typed backend errors. Each message is one human line naming the service.

CLI exit codes: ValidationError & co = 2, ServiceError = 3, NetworkError = 4.
"""

from __future__ import annotations

from editor.core.errors import EditorError


class BackendError(EditorError):
    exit_code = 3


class ServiceError(BackendError):
    """The service refused or failed the job. ``name`` is the service's error name."""

    exit_code = 3

    def __init__(
        self,
        service: str,
        name: str,
        message: str,
        *,
        job_id: str | None = None,
        status_code: int | None = None,
        hint: str = "",
    ) -> None:
        self.service = service
        self.name = name
        self.detail = message
        self.job_id = job_id
        self.status_code = status_code
        text = f"{service} {name}: {message}".strip()
        if hint:
            text = f"{text.rstrip('.')}. {hint}"
        super().__init__(text)


class AuthenticationError(ServiceError):
    """401: the key is missing or wrong."""


class OutOfCreditsError(ServiceError):
    """429 OutOfCredits: stop and tell the user to top up."""


class RateLimitError(ServiceError):
    """429 RateLimitExceeded / ConcurrencyLimitExceeded after local waiting gave up."""


class JobFailedError(ServiceError):
    """The job was accepted and then failed (status 'failed' / 'canceled')."""


class JobExpiredError(ServiceError):
    """404 on status: the service no longer tracks this job."""


class NetworkError(BackendError):
    """The service could not be reached or the connection broke."""

    exit_code = 4


class SubmissionUncertainError(NetworkError):
    """The submission may have reached the server; it is never resent automatically."""


class JobTimeoutError(NetworkError):
    """Gave up waiting for a job; it stays in the journal so `resume` can collect it."""
