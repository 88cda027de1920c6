"""The run page: ``RUN_DIR/index.html``, one self-contained file to look at a batch.

A person checking forty episodes reads one page instead of forty manifests: per
episode a player (its audio referenced beside the page), chapters that seek it, the
transcript, show notes, posts, the verdicts and drafts, and the cost of each stage;
for the batch a timeline (each try of each stage a bar) and a cost chart.

Styles and the script are inline and the page loads nothing from the network (its
Content-Security-Policy says so to the browser). Every piece of user text (topics,
scripts, notes, posts, ids) goes through ``html.escape``.

The page's own words (headings, verdicts, costs) are English, so ``<html lang="en">``;
what the episode publishes (its title, topic, chapters, transcript, notes and posts) is
in the show's language and is marked so (``lang="de"``), for screen readers, hyphenation
and translation tools (WCAG 2.2, 3.1.1 and 3.1.2).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import datetime, timezone
from html import escape
from pathlib import Path
from urllib.parse import quote

from podcast_factory.layout import INDEX_NAME
from podcast_factory.models import STAGES, EpisodeState, usd
from podcast_factory.published import EpisodeView, read_episode, show_of
from podcast_factory.rundir import RunDir
from podcast_factory.runpage_assets import CSS, JS
from podcast_factory.runpage_charts import cost_svg, timeline_svg
from podcast_factory.verify import Verified, verify_run_dir

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "media-src 'self'; img-src 'self' data:"
)
"""Nothing but the page itself and the audio beside it."""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def clock(seconds: float) -> str:
    """M:SS, or H:MM:SS past an hour."""
    whole = max(0, int(seconds))
    h, m, s = whole // 3600, whole // 60 % 60, whole % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _when(ts: object) -> str:
    if not isinstance(ts, (int, float)):
        return "-"
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _player_id(eid: str) -> str:
    """A DOM id for the episode's player: readable, and distinct even for ids that
    differ only in punctuation."""
    return (
        "player-"
        + "".join(c if c.isalnum() else "_" for c in eid)
        + f"-{zlib.crc32(eid.encode()):08x}"
    )


def _seek(player: str, at: float, label: str) -> str:
    return (
        f'<button class="seek" type="button" data-player="{_e(player)}" data-seek="{at:.3f}">'
        f'<span class="time">{clock(at)}</span>{_e(label)}</button>'
    )


def _chapters(view: EpisodeView, player: str) -> str:
    if not view.chapters:
        return '<p class="muted">No chapters.</p>'
    items = "".join(
        f'<li data-player="{_e(player)}" data-start="{m.start_s:.3f}">'
        f"{_seek(player, m.start_s, m.title)}</li>"
        for m in view.chapters
    )
    return f'<ol class="chapters">{items}</ol>'


def _transcript(view: EpisodeView, player: str) -> str:
    if not view.cues:
        return '<p class="muted">No transcript.</p>'
    lines = []
    for cue in view.cues:
        when = _seek(player, cue.start_s, "") if cue.start_s >= 0 else ""
        lines.append(f'<p>{when}<span class="speaker">{_e(cue.speaker)}:</span>{_e(cue.text)}</p>')
    return f'<div class="transcript">{"".join(lines)}</div>'


def _notes(view: EpisodeView) -> str:
    parts = [f"<p>{_e(view.summary)}</p>" if view.summary else '<p class="muted">No notes.</p>']
    if view.sources:
        items = []
        for src in view.sources:
            name = _e(src.title or src.source)
            link = src.source.lower().startswith(("http://", "https://"))
            items.append(
                f'<li><a href="{_e(src.source)}" rel="noreferrer">{name}</a></li>'
                if link
                else f"<li>{name} <span class=muted>{_e(src.source)}</span></li>"
            )
        parts.append(f"<ul>{''.join(items)}</ul>")
    return "".join(parts)


def _posts(view: EpisodeView) -> str:
    if view.posts is None or not view.posts.posts:
        return '<p class="muted">No posts.</p>'
    return "".join(
        f'<div class="post"><b>{_e(p.platform)}</b> '
        f'<span class="muted">{len(p.text)} characters</span>\n{_e(p.text)}</div>'
        for p in view.posts.posts
    )


def _verdicts(view: EpisodeView) -> str:
    rows = []
    if view.quality is not None:
        mark = (
            '<span class="pass">pass</span>'
            if view.quality.passed
            else ('<span class="fail">fail</span>')
        )
        rows.append(
            f"<p>Quality: {mark}</p><table><tr><th>check</th><th>value</th>"
            "<th>bound</th><th>result</th></tr>"
        )
        for c in view.quality.checks:
            ok = '<span class="pass">pass</span>' if c.passed else '<span class="fail">fail</span>'
            rows.append(
                f'<tr><td>{_e(c.name)}</td><td class="num">{c.value:g}</td>'
                f"<td>{_e(c.threshold)}</td><td>{ok}</td></tr>"
            )
        rows.append("</table>")
    drafts = view.state.drafts
    if drafts:
        rows.append(
            '<h3>Drafts</h3><table><tr><th class="num">#</th><th>gate</th><th>verdict</th>'
            '<th class="num">score</th><th>failed checks</th><th>suggestions</th>'
            '<th class="num">cost USD</th></tr>'
        )
        for d in drafts:
            verdict = (
                '<span class="pass">pass</span>'
                if d.passed
                else '<span class="fail">sent back</span>'
            )
            failed = ", ".join(f"{k} {v:g}" for k, v in d.failed_checks.items())
            rows.append(
                f'<tr><td class="num">{d.number}</td><td>{_e(d.gate)}</td><td>{verdict}</td>'
                f'<td class="num">{d.overall:.2f}</td><td>{_e(failed)}</td>'
                f"<td>{_e('; '.join(d.suggestions))}</td>"
                f'<td class="num">{usd(d.cost_micro_usd)}</td></tr>'
            )
        rows.append("</table>")
    return "".join(rows) or '<p class="muted">No verdict.</p>'


def _costs(view: EpisodeView) -> str:
    rows = [
        '<table><tr><th>stage</th><th>status</th><th class="num">tries</th>'
        '<th class="num">time s</th><th class="num">cost USD</th></tr>'
    ]
    for name, r in view.state.stages.items():
        rows.append(
            f"<tr><td>{_e(name)}</td><td>{_e(r.status)}</td><td class=num>{r.attempts}</td>"
            f'<td class="num">{r.duration_s:.1f}</td>'
            f'<td class="num">{usd(r.cost_micro_usd)}</td></tr>'
        )
    rows.append(
        f"<tr><th>total</th><td></td><td></td><td></td>"
        f'<th class="num">{usd(view.state.total_cost_micro_usd)}</th></tr></table>'
    )
    return "".join(rows)


def _episode(view: EpisodeView, damaged: bool, lang: str = "en") -> str:
    state = view.state
    status = "damaged" if damaged else state.status
    player = _player_id(view.episode_id)
    said = f' lang="{_e(lang)}"' if lang != "en" else ""  # the page's own is "en"
    head = (
        f'<section class="card episode" id="ep-{_e(view.episode_id)}">'
        f"<h2><span{said}>{_e(view.title)}</span>"
        f'<span class="status {_e(status)}">{_e(status)}</span></h2>'
        f'<p class="muted">{_e(view.episode_id)} · <span{said}>{_e(state.topic)}</span></p>'
    )
    if state.failure:
        head += f'<p class="failure">{_e(state.failure)}</p>'
    if state.analysis is not None:
        change = state.analysis.batch_change
        head += (
            f'<p class="analysis"><b>{_e(state.analysis.summary)}</b> '
            f"{_e(state.analysis.action)}"
            + (f" <code>{_e(change)}</code>" if change else "")
            + "</p>"
        )
    if view.audio:
        src = f"{quote(view.episode_id)}/{quote(view.audio)}"
        duration = view.duration_s or 0.0
        head += (
            f'<audio id="{_e(player)}" controls preload="metadata" src="{_e(src)}" '
            f'data-duration="{duration:.3f}"></audio>'
            f'<p class="muted">{clock(duration)} by the manifest · player: '
            f'<span data-length-of="{_e(player)}">loading</span></p>'
        )
    body = (
        f'<div class="cols"><div><h3>Chapters</h3><div{said}>{_chapters(view, player)}</div></div>'
        f"<div><h3>Show notes</h3><div{said}>{_notes(view)}</div></div></div>"
        f"<h3>Transcript</h3><div{said}>{_transcript(view, player)}</div>"
        f'<div class="cols"><div><h3>Verdicts</h3>{_verdicts(view)}</div>'
        f"<div><h3>Cost per stage</h3>{_costs(view)}"
        f"<h3>Posts</h3><div{said}>{_posts(view)}</div></div></div>"
    )
    return head + body + "</section>"


def _in_batch_order(found: Verified) -> list[EpisodeState]:
    """The episodes as the batch file lists them (others after, by id)."""
    spec = found.batch.get("spec")
    listed = spec.get("episodes") if isinstance(spec, dict) else None
    order = {e.get("episode_id"): i for i, e in enumerate(listed or []) if isinstance(e, dict)}
    return sorted(found.states, key=lambda s: (order.get(s.episode_id, len(order)), s.episode_id))


def _stage_order(found: Verified) -> list[str]:
    seen = {n for s in found.states for n in s.stages}
    return [*(s for s in STAGES if s in seen), *sorted(seen - set(STAGES))]


def _totals(found: Verified) -> str:
    counts: dict[str, int] = {}
    for s in found.states:
        counts[s.status] = counts.get(s.status, 0) + 1
    cost = sum(s.total_cost_micro_usd for s in found.states)
    wall = found.batch.get("wall_s")
    cells = [("episodes", str(len(found.states)))]
    cells += [(k, str(v)) for k, v in sorted(counts.items())]
    cells += [("cost USD", str(usd(cost))), ("wall time", f"{wall:.1f} s" if wall else "-")]
    return (
        '<div class="totals">'
        + "".join(f"<div><span class=muted>{_e(k)}</span><b>{_e(v)}</b></div>" for k, v in cells)
        + "</div>"
    )


def render_run_page(found: Verified) -> str:
    """The page's HTML for a verified run directory."""
    show = show_of(found.batch)
    title = show.name if show else found.root.name
    lang = show.language if show else "en"
    rundir = RunDir(found.root)
    damaged = found.damaged_episodes()
    views = [read_episode(rundir, s) for s in _in_batch_order(found)]
    stages = _stage_order(found)
    starts = [s.started_at for s in found.states if s.started_at]
    since = found.batch.get("started_at")
    since = since if isinstance(since, (int, float)) else min(starts, default=0.0)
    damage = "".join(f"<li>{_e(d)}</li>" for d in found.damage)
    parts: Iterable[str] = (
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}: run {_e(found.root.name)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="muted">Run directory {_e(found.root)} · started {_when(since)} · '
        f"ended {_when(found.batch.get('ended_at'))}</p>",
        _totals(found),
        f'<ul class="failure">{damage}</ul>' if damage else "",
        '<section class="card"><h2>Timeline</h2>',
        '<p class="muted">One row per episode; each try of each stage is a bar (hover for '
        "details). A stage shown twice was retried or revised.</p>",
        timeline_svg([v.state for v in views], stages, float(since)),
        "</section>",
        '<section class="card"><h2>Cost</h2>',
        cost_svg([v.state for v in views], stages),
        "</section>",
        *(_episode(v, v.episode_id in damaged, lang) for v in views),
        f"<script>{JS}</script></body></html>",
    )
    return "\n".join(parts) + "\n"


def write_run_page(root: str | Path, found: Verified | None = None) -> Path:
    """Write ``root``'s ``index.html`` (whole or not at all) from ``found`` (``root``
    verified now when not given); return its path."""
    found = found or verify_run_dir(root)
    html = render_run_page(found)
    RunDir(found.root).write_file((), INDEX_NAME, html.encode("utf-8"))
    return found.root / INDEX_NAME
