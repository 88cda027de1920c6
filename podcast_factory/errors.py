"""The one exception tree of podcast-factory.

::

    PodcastFactoryError
    ├── UserInputError            the caller's mistake: exit code 2, nothing run or written
    │   └── SourceError           a source cannot be used (missing, unreadable, not text)
    └── RunError                  something failed while a batch ran
        ├── BudgetExceeded        the ledger refused a reservation (episode ends over_budget)
        ├── LedgerError           the ledger was asked something impossible (unknown call id)
        ├── ProviderError         a provider failed a call; ``retryable`` says if trying again helps
        │   ├── TransientProviderError   always retryable (timeouts, 429, 5xx, injected faults)
        │   └── ModelStopped             the model stopped for good (refusal, context window)
        ├── StageFailed           a stage gave up for good; keeps the cause's type and message
        └── ClusterError          a Ray cluster could not be reached or refused a job

Ray re-raises an actor's exception in the caller's process, so every class here must
survive pickling with its fields intact. Each one keeps its constructor keywords and
``__reduce__`` rebuilds from them; ``tests/test_errors.py`` round-trips every class.
"""

from __future__ import annotations

from typing import Any


class PodcastFactoryError(Exception):
    """Base of every error the project raises on purpose."""

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self._fields = fields
        for key, value in fields.items():
            setattr(self, key, value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self._fields))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[PodcastFactoryError], message: str, fields: dict[str, Any]) -> Any:
    """Unpickle helper: call the base constructor so subclasses need no special init."""
    err = cls.__new__(cls)
    PodcastFactoryError.__init__(err, message, **fields)
    return err


class UserInputError(PodcastFactoryError):
    """Bad input from the user: a field and what is wrong with it. Exit code 2."""

    field: str
    problem: str

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}", field=field, problem=problem)


class SourceError(UserInputError):
    """A source (file or URL) that cannot be read as text."""


class RunError(PodcastFactoryError):
    """A failure while running; the batch goes on with the other episodes."""


class BudgetExceeded(RunError):
    """A reservation would take spend past a budget; nothing was spent for it."""

    episode_id: str
    scope: str
    requested_micro_usd: int
    available_micro_usd: int

    def __init__(
        self, episode_id: str, scope: str, requested_micro_usd: int, available_micro_usd: int
    ) -> None:
        super().__init__(
            f"episode {episode_id}: {scope} budget refuses a reservation of "
            f"${requested_micro_usd / 1e6:.6f}; ${available_micro_usd / 1e6:.6f} left",
            episode_id=episode_id,
            scope=scope,
            requested_micro_usd=requested_micro_usd,
            available_micro_usd=available_micro_usd,
        )


class LedgerError(RunError):
    """The ledger was asked to commit or release a call it never reserved."""


class ProviderError(RunError):
    """A provider call failed. ``retryable`` tells the supervisor whether to try again."""

    provider: str
    status: int | None
    retryable: bool

    def __init__(
        self, provider: str, detail: str, *, status: int | None = None, retryable: bool = False
    ) -> None:
        where = f"{provider} (HTTP {status})" if status is not None else provider
        super().__init__(
            f"{where}: {detail}", provider=provider, status=status, retryable=retryable
        )


class TransientProviderError(ProviderError):
    """A provider failure that is worth retrying after a pause.

    ``retry_after_s`` is the pause the provider asked for (``Retry-After``), if any."""

    retry_after_s: float | None

    def __init__(
        self,
        provider: str,
        detail: str,
        *,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        PodcastFactoryError.__init__(
            self,
            f"{provider} (HTTP {status}): {detail}"
            if status is not None
            else f"{provider}: {detail}",
            provider=provider,
            status=status,
            retryable=True,
            retry_after_s=retry_after_s,
        )


class ModelStopped(ProviderError):
    """The model answered but stopped in a way no retry can change: it refused
    (``stop_reason == "refusal"``), or the prompt does not fit its context window. Never
    retried; ``reason`` is the stop reason (or ``prompt_too_long``)."""

    reason: str

    def __init__(self, provider: str, reason: str, detail: str) -> None:
        PodcastFactoryError.__init__(
            self,
            f"{provider}: {reason}: {detail}",
            provider=provider,
            status=None,
            retryable=False,
            reason=reason,
        )


class StageFailed(RunError):
    """A stage gave up. Keeps the type name and message of what made it give up."""

    episode_id: str
    stage: str
    cause_type: str
    attempts: int

    def __init__(
        self, episode_id: str, stage: str, cause_type: str, detail: str, attempts: int
    ) -> None:
        super().__init__(
            f"episode {episode_id}: stage {stage} failed after {attempts} attempt(s): "
            f"{cause_type}: {detail}",
            episode_id=episode_id,
            stage=stage,
            cause_type=cause_type,
            attempts=attempts,
        )


def is_retryable(exc: BaseException) -> bool:
    """Whether the supervisor should retry a stage that raised ``exc``."""
    return isinstance(exc, ProviderError) and exc.retryable


class ClusterError(RunError):
    """A Ray cluster could not be reached, refused the token, or refused a job. The
    message never carries the token."""

    address: str

    def __init__(self, address: str, problem: str) -> None:
        super().__init__(f"Ray cluster at {address}: {problem}", address=address)
