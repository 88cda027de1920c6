"""The run page's two charts, as inline SVG: the batch's timeline and where the money went.

Drawn on the server side so the page needs no script library and no network. Every
label is user text (episode ids, stage names from a workflow file) and is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from podcast_factory.models import EpisodeState, usd
from podcast_factory.state import StageSpan

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
    "#edc948", "#e15759", "#9c755f", "#bab0ac", "#ff9da7",
)  # fmt: skip
"""Colours for stages, in workflow order (colour-blind friendly Tableau 10)."""
ROW_H, LABEL_W, WIDTH = 26, 150, 900


def stage_colours(stages: Sequence[str]) -> dict[str, str]:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(stages)}


def _legend(colours: dict[str, str], y: int) -> str:
    parts, x = [], LABEL_W
    for stage, colour in colours.items():
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 11}">{escape(stage)}</text>'
        )
        x += 24 + 8 * len(stage)
    parts.append(
        f'<rect x="{x}" y="{y}" width="12" height="12" class="failed-try"/>'
        f'<text x="{x + 16}" y="{y + 11}">failed try</text>'
    )
    return "".join(parts)


def _spans(state: EpisodeState, stage: str, since: float) -> list[StageSpan]:
    """The tries of a stage in this batch (a rerun's earlier tries are history)."""
    record = state.stages[stage]
    spans = [s for s in record.spans if s.ended_at >= since]
    if not spans and record.started_at and record.ended_at and record.ended_at >= since:
        ok = record.status == "completed"
        spans = [
            StageSpan(
                started_at=record.started_at,
                ended_at=record.ended_at,
                attempt=record.attempts,
                ok=ok,
            )
        ]
    return spans


def timeline_svg(states: Sequence[EpisodeState], stages: Sequence[str], since: float) -> str:
    """One row per episode, a bar per try of each stage; failed tries hatched, a
    stage run more than once (a retry, a revision) shows each run."""
    colours = stage_colours(stages)
    rows: list[tuple[EpisodeState, list[tuple[str, StageSpan]]]] = []
    end = since
    for state in states:
        bars = [(n, s) for n in state.stages for s in _spans(state, n, since)]
        rows.append((state, bars))
        end = max([end, *(s.ended_at for _, s in bars)])
    total = max(end - since, 1e-3)
    scale = (WIDTH - LABEL_W - 10) / total
    height = ROW_H * len(rows) + 60
    out = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="timeline of the batch">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#e15759"/></pattern>'
        "</defs>",
    ]
    for i, (state, bars) in enumerate(rows):
        y = 10 + i * ROW_H
        out.append(
            f'<text x="0" y="{y + 15}" class="row-label">{escape(state.episode_id)}'
            f"<title>{escape(state.topic)} ({escape(state.status)})</title></text>"
        )
        for stage, span in bars:
            x = LABEL_W + (span.started_at - since) * scale
            w = max(2.0, (span.ended_at - span.started_at) * scale)
            fill = colours.get(stage, "#888")
            cls = "bar" if span.ok else "bar failed-try"
            took = span.ended_at - span.started_at
            tip = f"{stage} try {span.attempt}: {took:.1f} s{'' if span.ok else ', failed'}"
            out.append(
                f'<rect class="{cls}" data-stage="{escape(stage)}" x="{x:.1f}" y="{y + 3}" '
                f'width="{w:.1f}" height="{ROW_H - 8}" fill="{fill}">'
                f"<title>{escape(state.episode_id)}: {escape(tip)}</title></rect>"
            )
    axis_y = 10 + len(rows) * ROW_H
    out.append(f'<line x1="{LABEL_W}" y1="{axis_y}" x2="{WIDTH - 10}" y2="{axis_y}" class="axis"/>')
    for k in range(6):
        x = LABEL_W + k * (WIDTH - LABEL_W - 10) / 5
        anchor = "end" if k == 5 else "start"
        out.append(
            f'<text x="{x:.0f}" y="{axis_y + 14}" class="tick" text-anchor="{anchor}">'
            f"{total * k / 5:.1f} s</text>"
        )
    out.append(_legend(colours, axis_y + 26))
    out.append("</svg>")
    return "".join(out)


def cost_svg(states: Sequence[EpisodeState], stages: Sequence[str]) -> str:
    """Each episode's cost as a bar split by stage, and the total per stage below."""
    colours = stage_colours(stages)
    per_stage = {
        s: sum(st.stages[s].cost_micro_usd for st in states if s in st.stages) for s in stages
    }
    biggest = max([1, *(sum(r.cost_micro_usd for r in s.stages.values()) for s in states)])
    scale = (WIDTH - LABEL_W - 120) / biggest
    rows = len(states) + 1 + len(per_stage)
    height = ROW_H * rows + 50
    out = [
        f'<svg class="costs" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-label="cost by episode and stage">'
    ]
    y = 10
    for state in states:
        x = float(LABEL_W)
        out.append(f'<text x="0" y="{y + 15}" class="row-label">{escape(state.episode_id)}</text>')
        for stage, record in state.stages.items():
            if record.cost_micro_usd <= 0:
                continue
            w = record.cost_micro_usd * scale
            tip = f"{state.episode_id} {stage}: ${usd(record.cost_micro_usd)}"
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 8}" '
                f'fill="{colours.get(stage, "#888")}"><title>{escape(tip)}</title></rect>'
            )
            x += w
        total = sum(r.cost_micro_usd for r in state.stages.values())
        out.append(f'<text x="{x + 6:.1f}" y="{y + 15}" class="amount">${usd(total)}</text>')
        y += ROW_H
    y += ROW_H // 2
    stage_scale = (WIDTH - LABEL_W - 120) / max([1, *per_stage.values()])
    for stage, cost in per_stage.items():
        w = cost * stage_scale
        out.append(
            f'<text x="0" y="{y + 15}" class="row-label">{escape(stage)} (all)</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW_H - 8}" '
            f'fill="{colours[stage]}"/>'
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 15}" class="amount">${usd(cost)}</text>'
        )
        y += ROW_H
    if not any(per_stage.values()):
        out.append(
            f'<text x="{LABEL_W}" y="{y + 4}" class="tick">no money spent '
            "(offline providers)</text>"
        )
    out.append(_legend(colours, y + 8))
    out.append("</svg>")
    return "".join(out)
