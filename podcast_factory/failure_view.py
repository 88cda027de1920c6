"""How ``report`` shows failures: one table of causes with counts and what to do, then
one block per episode with its evidence, so a producer reads the why before the logs."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table
from rich.text import Text

from podcast_factory.failures import by_cause
from podcast_factory.state import EpisodeState

CAUSE_NAMES = {
    "source": "a source could not be read",
    "provider_key": "a provider refused the key",
    "provider_quota": "a provider's quota or credit ran out",
    "provider_outage": "a provider was failing",
    "throttling": "a provider throttled (429)",
    "model_stopped": "the model refused or the prompt was too long",
    "budget": "the batch budget ran out",
    "episode_cap": "the episode cap was reached",
    "quality_check": "a quality check failed",
    "crash": "an agent crashed on every try",
    "disk": "the disk was full",
    "interrupted": "the run was stopped",
    "other": "another error",
}


def failure_table(states: Iterable[EpisodeState]) -> Table | None:
    """Failures grouped by cause, most frequent first; None when nothing failed."""
    listed = list(states)
    groups = by_cause(listed)
    if not groups:
        return None
    first = {s.episode_id: s for s in listed}
    table = Table(title="Why episodes did not complete")
    for name in ("cause", "count", "episodes", "what to do"):
        table.add_column(name, justify="right" if name == "count" else "left")
    for cause, ids in groups.items():
        analysis = first[ids[0]].analysis
        action = analysis.action if analysis is not None else ""
        table.add_row(
            Text(CAUSE_NAMES.get(cause, cause)),
            str(len(ids)),
            Text(", ".join(ids)),
            Text(action),
        )
    return table


def failure_details(states: Iterable[EpisodeState]) -> list[Text]:
    """One block per analysed episode: summary, evidence, the change and the command."""
    blocks = []
    for s in states:
        a = s.analysis
        if a is None:
            continue
        lines = [f"{s.episode_id} [{a.cause}] {a.summary}"]
        lines += [f"  evidence: {e}" for e in a.evidence]
        lines.append(f"  do: {a.action}")
        if a.batch_change:
            lines.append(f"  batch file: {a.batch_change}")
        if a.command:
            lines.append(f"  run: {a.command}")
        if a.written_by != "rules":
            lines.append(f"  (written by {a.written_by} from the evidence)")
        blocks.append(Text("\n".join(lines)))
    return blocks
