"""Quality evaluator: objective checks that catch an episode that sounds wrong.

Each check has a bound from ``QualityThresholds``; a failed check comes with a concrete
suggestion. The agent serves two gates of the workflow. The script gate (stage
``review``) reads, before any speech is bought: the length predicted from the word count
and the show's measured pace, facts of the research actually said, repeated sentences,
markup a speech engine would read aloud, the phrases the show's style avoids, and with a
key Claude's rubric. The audio gate
(stage ``quality``) listens: measured duration, silence, clipping, loudness of the WAV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from podcast_factory.actors.base import Agent
from podcast_factory.actors.quality_checks import Advice as Advice
from podcast_factory.actors.quality_checks import audio_checks as audio_checks
from podcast_factory.actors.quality_checks import fact_coverage as fact_coverage
from podcast_factory.actors.quality_checks import listener_checks as listener_checks
from podcast_factory.actors.quality_checks import text_checks as text_checks
from podcast_factory.actors.quality_checks import verdict as verdict
from podcast_factory.config import QualityThresholds
from podcast_factory.metering import StageContext
from podcast_factory.models import Check, EpisodeSpec, QualityReport, ResearchDoc, Script, Show
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.wav import AudioStats, analyze_pcm, decode_wav
from podcast_factory.stage_call import StageCall, StageResult

if TYPE_CHECKING:  # the anthropic SDK takes seconds to import; offline never needs it
    from podcast_factory.providers.claude_writer import RubricOut


def review_script(
    doc: ResearchDoc,
    script: Script,
    seconds_per_word: float,
    target_s: float,
    q: QualityThresholds,
    show: Show | None = None,
) -> QualityReport:
    """The script gate's checks and verdict; pure, so it is tested without Ray.
    ``show``: its intro and outro may be said in every episode."""
    lang = show.language if show is not None else "en"
    predicted = script.words * seconds_per_word
    checks, advice = text_checks(doc, script, predicted, target_s, q, lang=lang)
    more, more_advice = listener_checks(doc, script, show)
    return verdict(checks + more, {**advice, **more_advice})


def evaluate(
    doc: ResearchDoc,
    script: Script,
    stats: AudioStats,
    target_s: float,
    q: QualityThresholds,
    *,
    text: bool = True,
    show: Show | None = None,
) -> QualityReport:
    """The audio gate's checks and verdict (with ``text``, the script's checks as well,
    for a workflow that has no script gate); pure, so it is tested without audio or Ray."""
    checks, advice = audio_checks(stats, target_s, q)
    if text:
        lang = show.language if show is not None else "en"
        more, more_advice = text_checks(doc, script, stats.duration_s, target_s, q, lang=lang)
        checks += [c for c in more if c.name != "duration"]  # measured beats predicted
        listener, listener_advice = listener_checks(doc, script, show)
        checks += listener
        advice = {**more_advice, **listener_advice, **advice}
    return verdict(checks, advice)


def with_rubric(report: QualityReport, rubric: RubricOut, q: QualityThresholds) -> QualityReport:
    """The objective report plus Claude's rubric scores as checks of their own, and the
    claims Claude found no fact supports (``judge_unsupported``: any fails the draft, and
    each claim goes back to the writer in the suggestions)."""
    claims = [c for c in rubric.unsupported_claims if c.strip()]
    extra = (
        *(
            Check(
                name=f"rubric_{name}",
                value=float(score),
                threshold=f">= {q.min_rubric_score}",
                passed=score >= q.min_rubric_score,
            )
            for name, score in (
                ("faithfulness", rubric.faithfulness),
                ("engagement", rubric.engagement),
                ("clarity", rubric.clarity),
            )
        ),
        Check(name="judge_unsupported", value=len(claims), threshold="<= 0", passed=not claims),
    )
    checks = report.checks + extra
    scores = {c.name: 1.0 if c.passed else 0.0 for c in checks}
    scores["overall"] = round(sum(scores.values()) / len(checks), 3)
    failed_scores = any(not c.passed for c in extra[:3])
    unsupported = (
        (f"Claude found claims no fact supports: {'; '.join(claims)} Say only what the facts say.",)
        if claims
        else ()
    )
    return QualityReport(
        passed=all(c.passed for c in checks),
        scores=scores,
        checks=checks,
        suggestions=report.suggestions
        + (tuple(rubric.suggestions[:3]) if failed_scores else ())
        + unsupported,
    )


class QualityEvaluator(Agent):
    name = "quality"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._claude = claude_writer(self.settings, self.creds, self.governor)

    async def review(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        seconds_per_word: float,
        ctx: StageContext,
    ) -> QualityReport:
        """The script gate: read the script (and, with Claude, judge it) before any
        speech is bought. ``seconds_per_word``: the show's measured pace."""
        return await self.served(self._review(spec, doc, script, seconds_per_word, ctx))

    async def run_stage(self, call: StageCall) -> StageResult:
        """Either gate: ``review`` reads the script at the show's pace, ``quality``
        listens to the WAV (and reads the script too when ``judge_text``)."""
        doc, script = call.input("research", ResearchDoc), call.input("script", Script)
        ex = call.extras
        if call.ctx.stage == "review" and ex.seconds_per_word is not None:
            report = await self.review(call.episode, doc, script, ex.seconds_per_word, call.ctx)
        elif call.ctx.stage == "quality" and ex.wav:
            report = await self.evaluate(call.episode, doc, script, ex.wav, call.ctx, ex.judge_text)
        else:
            raise ValueError(f"the quality agent has no stage {call.ctx.stage!r} (or no extras)")
        return StageResult(output=report, files={})

    async def _review(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        seconds_per_word: float,
        ctx: StageContext,
    ) -> QualityReport:
        q = self.settings.quality
        report = review_script(doc, script, seconds_per_word, spec.minutes * 60, q, spec.show)
        if self._claude is None:
            return report
        rubric = await self._claude.judge(self.meter(ctx), spec, doc, script)
        return with_rubric(report, rubric, q)

    async def evaluate(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        wav: bytes,
        ctx: StageContext,
        text: bool = True,
    ) -> QualityReport:
        """The audio gate: listen to the WAV. With ``text`` (a workflow without a script
        gate) also read the script and, with Claude, judge it."""
        return await self.served(self._evaluate(spec, doc, script, wav, ctx, text))

    async def _evaluate(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        wav: bytes,
        ctx: StageContext,
        text: bool,
    ) -> QualityReport:
        pcm, rate = decode_wav(wav)
        q = self.settings.quality
        stats = analyze_pcm(pcm, rate)
        report = evaluate(doc, script, stats, spec.minutes * 60, q, text=text, show=spec.show)
        if self._claude is None or not text:
            return report
        rubric = await self._claude.judge(self.meter(ctx), spec, doc, script)
        return with_rubric(report, rubric, q)
