"""Social agent: a post per platform (X, LinkedIn, Mastodon) within its length limit.

Claude may write the posts; the limits and hashtags are enforced here either way, so a
post that would not fit is cut at a word boundary rather than rejected by the platform.
"""

from __future__ import annotations

from podcast_factory.actors.base import Agent
from podcast_factory.metering import StageContext
from podcast_factory.models import (
    PLATFORM_LIMITS,
    EpisodeSpec,
    Post,
    ResearchDoc,
    Script,
    SocialPosts,
)
from podcast_factory.providers.factory import claude_writer
from podcast_factory.providers.offline_notes import fit, hashtags, social_posts
from podcast_factory.stage_call import StageCall, StageResult


class SocialAgent(Agent):
    name = "social"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._claude = claude_writer(self.settings, self.creds, self.governor)

    async def posts(
        self, spec: EpisodeSpec, doc: ResearchDoc, script: Script, ctx: StageContext
    ) -> SocialPosts:
        """Posts announcing a finished episode."""
        return await self.served(self._posts(spec, doc, script, ctx))

    async def run_stage(self, call: StageCall) -> StageResult:
        """The social stage: one post per platform."""
        doc, script = call.input("research", ResearchDoc), call.input("script", Script)
        return StageResult(output=await self.posts(call.episode, doc, script, call.ctx), files={})

    async def _posts(
        self, spec: EpisodeSpec, doc: ResearchDoc, script: Script, ctx: StageContext
    ) -> SocialPosts:
        offline = social_posts(spec, doc, script)
        if self._claude is None:
            return offline
        written = await self._claude.social(self.meter(ctx), spec, script)
        tags = tuple(f"#{t.strip().lstrip('#')}" for t in written.hashtags if t.strip())[:3]
        tags = tags or hashtags(spec.topic)
        texts = {p.platform.strip().lower(): p.text.strip() for p in written.posts}
        posts = []
        for post in offline.posts:
            tail = " " + " ".join(tags)
            body = texts.get(post.platform) or post.text
            limit = PLATFORM_LIMITS[post.platform] - len(tail)
            posts.append(Post(platform=post.platform, text=fit(body, limit) + tail, hashtags=tags))
        return SocialPosts(posts=tuple(posts))
