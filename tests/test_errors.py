"""Every exception the project raises survives pickling with its fields (Ray needs it)."""

from __future__ import annotations

import pickle

import pytest

from podcast_factory import errors

CASES = [
    errors.PodcastFactoryError("plain"),
    errors.UserInputError("episodes[0].topic", "must be a non-empty text"),
    errors.SourceError("notes.pdf", "unsupported file type"),
    errors.RunError("something broke"),
    errors.ClusterError("http://127.0.0.1:8265", "connection refused"),
    errors.BudgetExceeded("ep1", "batch", 1_500_000, 200_000),
    errors.LedgerError("call x: commit without a reservation"),
    errors.ProviderError("espeak-ng", "unknown voice 'zz'", status=None, retryable=False),
    errors.TransientProviderError("claude", "overloaded", status=529),
    errors.ModelStopped("anthropic", "refusal", "the model declined to answer"),
    errors.StageFailed("ep1", "audio", "ProviderError", "unknown voice", 3),
]


@pytest.mark.parametrize("exc", CASES, ids=lambda e: type(e).__name__)
def test_round_trip_keeps_type_message_and_fields(exc: errors.PodcastFactoryError) -> None:
    """A pickled error comes back as the same class with the same message and fields."""
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc)
    assert str(back) == str(exc)
    assert back._fields == exc._fields
    for name, value in exc._fields.items():
        assert getattr(back, name) == value


def test_every_error_class_is_covered() -> None:
    """No exception class of the tree is left out of the pickling test."""
    tree = {
        c
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.PodcastFactoryError)
    }
    assert tree == {type(e) for e in CASES}


def test_user_input_error_names_field_and_problem() -> None:
    """The message a user sees starts with the field, then says what is wrong."""
    err = errors.UserInputError("budget_usd", "must be more than 0 dollars, got -5")
    assert str(err) == "budget_usd: must be more than 0 dollars, got -5"


def test_only_retryable_provider_errors_are_retried() -> None:
    """Transient provider faults are retried; bad requests and user mistakes are not."""
    assert errors.is_retryable(errors.TransientProviderError("x", "429", status=429))
    assert not errors.is_retryable(errors.ProviderError("x", "401", status=401))
    assert not errors.is_retryable(errors.UserInputError("f", "p"))
