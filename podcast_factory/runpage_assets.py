"""The run page's style and script, inlined into the page so it needs no network.

The script only seeks players: a chapter or a transcript line carries ``data-seek``
(seconds) and ``data-player`` (the audio element's id); the chapter being played is
marked as the player moves. It reads no user text, so nothing here needs escaping.
"""

from __future__ import annotations

CSS = """
:root { --fg: #1d1d1f; --muted: #6e6e73; --line: #d2d2d7; --bg: #fbfbfd; --ok: #2e7d32;
  --bad: #c62828; --warn: #ef6c00; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); margin: 0; padding: 24px; max-width: 1100px; margin-inline: auto; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 20px; margin: 0; }
h3 { font-size: 15px; margin: 16px 0 6px; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); }
.muted, .tick { color: var(--muted); fill: var(--muted); font-size: 12px; }
.totals { display: flex; gap: 24px; flex-wrap: wrap; margin: 12px 0 20px; }
.totals div { background: #fff; border: 1px solid var(--line); border-radius: 8px;
  padding: 8px 14px; } .totals b { display: block; font-size: 20px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 12px;
  padding: 18px 20px; margin: 18px 0; }
.status { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  color: #fff; background: var(--muted); vertical-align: middle; margin-left: 8px; }
.status.completed { background: var(--ok); } .status.failed, .status.rejected,
.status.damaged { background: var(--bad); } .status.over_budget,
.status.interrupted { background: var(--warn); }
audio { width: 100%; margin: 10px 0 4px; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 28px; }
@media (max-width: 800px) { .cols { grid-template-columns: 1fr; } }
ol.chapters { padding-left: 0; list-style: none; margin: 0; }
ol.chapters li { margin: 2px 0; }
button.seek { font: inherit; background: none; border: 0; padding: 2px 4px; cursor: pointer;
  color: #0b57d0; text-align: left; border-radius: 4px; }
button.seek:hover, li.playing button.seek { background: #e8f0fe; }
.time { font-variant-numeric: tabular-nums; color: var(--muted); margin-right: 6px; }
.transcript { max-height: 260px; overflow: auto; border: 1px solid var(--line);
  border-radius: 8px; padding: 6px 10px; }
.transcript p { margin: 4px 0; } .speaker { font-weight: 600; margin-right: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: var(--ok); font-weight: 600; } .fail { color: var(--bad); font-weight: 600; }
.post { border-left: 3px solid var(--line); padding: 2px 10px; margin: 6px 0;
  white-space: pre-wrap; }
.failure { color: var(--bad); }
svg text { font-size: 12px; fill: var(--fg); } svg .row-label { font-weight: 600; }
svg .axis { stroke: var(--line); } svg .failed-try { fill: url(#hatch); stroke: #e15759; }
"""

JS = """
(function () {
  "use strict";
  function seek(button) {
    var player = document.getElementById(button.getAttribute("data-player"));
    if (!player) { return; }
    player.currentTime = parseFloat(button.getAttribute("data-seek"));
    if (!player.paused) { return; }
    var playing = player.play();
    if (playing && playing.catch) { playing.catch(function () {}); }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-seek]") : null;
    if (button) { seek(button); }
  });
  function mark(player) {
    var items = document.querySelectorAll('li[data-player="' + player.id + '"]');
    var current = null;
    items.forEach(function (li) {
      li.classList.remove("playing");
      if (parseFloat(li.getAttribute("data-start")) <= player.currentTime + 0.01) {
        current = li;
      }
    });
    if (current) { current.classList.add("playing"); }
  }
  document.querySelectorAll("audio").forEach(function (player) {
    player.addEventListener("timeupdate", function () { mark(player); });
    player.addEventListener("seeked", function () { mark(player); });
    player.addEventListener("loadedmetadata", function () {
      var shown = document.querySelector('[data-length-of="' + player.id + '"]');
      if (shown) { shown.textContent = player.duration.toFixed(1) + " s"; }
    });
  });
})();
"""
