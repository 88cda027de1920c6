"""Social agent: a post per platform (X, LinkedIn, Mastodon) within its length limit.

Claude may write the posts; either way they are fitted here by the same rules
(``providers.posts``): whole sentences within the platform's count, the episode's link,
hashtags that are key terms, a different post per platform, and the audio's true length
when the audio is given (without it no length is claimed).
"""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import AudioAsset, EpisodeSpec, ResearchDoc, Script, SocialPosts
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.posts import finish_posts, social_posts
from podcast_factory.stage_call import StageCall, StageResult


class SocialAgent(Agent):
    name = "social"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._claude = claude_writer(self.settings, self.creds, self.governor)

    async def posts(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        ctx: StageContext,
        audio: AudioAsset | None = None,
    ) -> SocialPosts:
        """Posts announcing a finished episode; ``audio`` gives them its true length."""
        return await self.served(self._posts(spec, doc, script, ctx, audio))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The social stage: one post per platform, with the episode's true length."""
        doc, script = call.input("research", ResearchDoc), call.input("script", Script)
        audio = call.input("audio", AudioAsset)
        posts = await self.posts(call.episode, doc, script, call.ctx, audio)
        return StageResult(output=posts, files={})

    async def _posts(
        self,
        spec: EpisodeSpec,
        doc: ResearchDoc,
        script: Script,
        ctx: StageContext,
        audio: AudioAsset | None,
    ) -> SocialPosts:
        seconds = audio.duration_s if audio is not None else None
        if self._claude is None:
            return social_posts(spec, doc, script, seconds)
        written = await self._claude.social(self.meter(ctx), spec, script, seconds)
        texts = {p.platform.strip().lower(): p.text for p in written.posts}
        return finish_posts(spec, doc, script, texts, written.hashtags, seconds)
