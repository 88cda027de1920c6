"""The price table and the cost of a call, checked against sums worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from anthropic.types import CacheCreation, ServerToolUsage, Usage

from podcast_factory.errors import UserInputError
from podcast_factory.providers.pricing import DEFAULT_PRICES, ClaudeUsage, PriceTable


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return PriceTable.load()


def write_prices(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
as_of: "2026-11-01"
anthropic:
  batch_discount: "0.50"
  web_search_per_1000: "10.00"
  models:
    claude-test: {input: "1.00", output: "5.00"}
  cache: {write_5m: "1.25", write_1h: "2.00", read: "0.10"}
elevenlabs:
  models:
    tts-test: {per_1000_chars: "0.0003", max_chars: 100}
"""


def test_packaged_table_is_dated_and_lists_the_models(prices):
    """The packaged table carries its date and every model the providers' pages list."""
    assert prices.as_of == "2026-11-01"
    assert Path(prices.path) == DEFAULT_PRICES
    assert "claude-haiku-4-5" in prices.claude_models()
    assert "claude-opus-4-8" in prices.claude_models()
    assert "claude-sonnet-5-5" in prices.claude_models()
    assert prices.tts_models() == [
        "eleven_multilingual_v2",
        "eleven_v3",
        "eleven_flash_v2_5",
        "eleven_turbo_v2_5",
    ]


def test_input_and_output_tokens(prices):
    """1,234 input + 567 output tokens on Haiku 4.5 cost 1234*1 + 567*5 = 4069 micro-USD."""
    usage = ClaudeUsage(input_tokens=1234, output_tokens=567)
    assert prices.claude_cost("claude-haiku-4-5", usage) == 4069


def test_opus_and_sonnet_prices(prices):
    """Opus 4.8 is $5/$25 and Sonnet 5.5 $2/$10 per million tokens."""
    usage = ClaudeUsage(input_tokens=1000, output_tokens=100)
    assert prices.claude_cost("claude-opus-4-8", usage) == 5000 + 2500
    assert prices.claude_cost("claude-sonnet-5-5", usage) == 2000 + 1000


def test_cache_writes_and_reads(prices):
    """Cache writes cost 1.25x (5 min) or 2x (1 h) the input price; reads 0.1x."""
    sonnet = "claude-sonnet-4-5"
    assert prices.claude_cost(sonnet, ClaudeUsage(cache_write_5m_tokens=1000)) == 3750
    assert prices.claude_cost(sonnet, ClaudeUsage(cache_write_1h_tokens=1000)) == 6000
    assert prices.claude_cost(sonnet, ClaudeUsage(cache_read_tokens=1000)) == 300
    assert prices.claude_cost("claude-haiku-4-5", ClaudeUsage(cache_read_tokens=10_000)) == 1000


def test_web_searches_cost_a_cent_each(prices):
    """$10 per 1,000 searches is 10,000 micro-USD a search, on top of the tokens."""
    usage = ClaudeUsage(input_tokens=100, output_tokens=10, web_search_requests=3)
    assert prices.claude_cost("claude-haiku-4-5", usage) == 100 + 50 + 30_000


def test_batch_halves_tokens_but_not_searches(prices):
    """The Batches API discount applies to tokens; web searches cost the same."""
    usage = ClaudeUsage(input_tokens=1000, output_tokens=1000, web_search_requests=1)
    assert prices.claude_cost("claude-haiku-4-5", usage) == 6000 + 10_000
    assert prices.claude_cost("claude-haiku-4-5", usage, batch=True) == 3000 + 10_000


def test_fractions_round_up_once_per_call(prices):
    """Haiku 5.5 input is 0.1 micro-USD a token: 10 tokens cost 1, 11 tokens cost 2."""
    cost = prices.claude_cost
    assert cost("claude-haiku-5-5", ClaudeUsage(input_tokens=10)) == 1
    assert cost("claude-haiku-5-5", ClaudeUsage(input_tokens=11)) == 2
    assert cost("claude-haiku-5-5", ClaudeUsage(input_tokens=1)) == 1
    assert cost("claude-haiku-5-5", ClaudeUsage()) == 0
    # 7 * 0.1 + 3 * 0.5 = 2.2 -> 3: the sum is rounded, not each part
    assert cost("claude-haiku-5-5", ClaudeUsage(input_tokens=7, output_tokens=3)) == 3


def test_tts_cost_and_limits(prices):
    """1,000 characters of multilingual v2 cost $0.10; flash v2.5 half that."""
    assert prices.tts_cost("eleven_multilingual_v2", 1000) == 100_000
    assert prices.tts_cost("eleven_flash_v2_5", 1000) == 50_000
    assert prices.tts_cost("eleven_v3", 1) == 100
    assert prices.tts_cost("eleven_v3", 0) == 0
    assert prices.tts_max_chars("eleven_v3") == 5000
    assert prices.tts_max_chars("eleven_multilingual_v2") == 10_000
    assert prices.tts_max_chars("eleven_turbo_v2_5") == 40_000


def test_tts_fractions_round_up(tmp_path):
    """At 0.3 micro-USD a character, 10 characters cost 3 and 11 cost 4 (3.3 rounded up)."""
    table = PriceTable.load(write_prices(tmp_path, MINIMAL))
    assert table.tts_cost("tts-test", 10) == 3
    assert table.tts_cost("tts-test", 11) == 4
    assert table.tts_cost("tts-test", 1) == 1


def test_dated_model_ids_use_the_undated_price(prices):
    """``claude-haiku-4-5-20251001`` is priced as ``claude-haiku-4-5``."""
    usage = ClaudeUsage(input_tokens=1234, output_tokens=567)
    assert prices.claude_cost("claude-haiku-4-5-20251001", usage) == 4069
    assert prices.claude_cost("claude-sonnet-4-5-20250929", usage) == 1234 * 3 + 567 * 15
    with pytest.raises(UserInputError):
        prices.claude_cost("claude-haiku-4-5-2025", usage)


def test_unknown_models_are_user_errors(prices):
    """An unpriced model is refused, naming the field and the priced models."""
    with pytest.raises(UserInputError) as err:
        prices.claude_cost("claude-nonexistent", ClaudeUsage(input_tokens=1))
    assert err.value.field == "model"
    assert "'claude-nonexistent'" in err.value.problem
    assert "claude-haiku-4-5" in err.value.problem
    with pytest.raises(UserInputError, match="eleven_v3"):
        prices.tts_cost("eleven_v9", 10)
    with pytest.raises(UserInputError):
        prices.tts_max_chars("claude-haiku-4-5")


def test_usage_from_the_sdk():
    """The SDK's Usage maps to billing units; a missing cache breakdown means 5-minute writes."""
    plain = Usage(
        input_tokens=10, output_tokens=5, cache_creation_input_tokens=100, cache_read_input_tokens=7
    )
    assert ClaudeUsage.from_sdk(plain) == ClaudeUsage(10, 5, 100, 0, 7, 0)
    detailed = Usage(
        input_tokens=10,
        output_tokens=5,
        cache_creation_input_tokens=300,
        cache_creation=CacheCreation(ephemeral_5m_input_tokens=100, ephemeral_1h_input_tokens=200),
        server_tool_use=ServerToolUsage(web_search_requests=2, web_fetch_requests=0),
    )
    assert ClaudeUsage.from_sdk(detailed) == ClaudeUsage(10, 5, 100, 200, 0, 2)
    assert ClaudeUsage.from_sdk(Usage(input_tokens=3, output_tokens=4)) == ClaudeUsage(3, 4)


def test_units_for_the_ledger():
    """``as_units`` names every billed quantity."""
    assert ClaudeUsage(1, 2, 3, 4, 5, 6).as_units() == {
        "input_tokens": 1,
        "output_tokens": 2,
        "cache_write_5m_tokens": 3,
        "cache_write_1h_tokens": 4,
        "cache_read_tokens": 5,
        "web_search_requests": 6,
    }
    with pytest.raises(ValueError):
        ClaudeUsage(input_tokens=-1)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('input: "1.00"', "input: 1.00", "anthropic.models.claude-test.input"),
        ('input: "1.00"', 'input: "cheap"', "anthropic.models.claude-test.input"),
        ('input: "1.00", ', "", "anthropic.models.claude-test.input"),
        ("max_chars: 100", "max_chars: 0", "elevenlabs.models.tts-test.max_chars"),
        ('read: "0.10"', 'read: "-0.10"', "anthropic.cache.read"),
        ('as_of: "2026-11-01"', "as_of: soon", "as_of"),
        ("elevenlabs:", "voices:", "elevenlabs"),
    ],
)
def test_bad_price_files_name_file_and_field(tmp_path, old, new, field):
    """A price file with a wrong, missing or inexact (float) value names the file and field."""
    path = write_prices(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(UserInputError) as err:
        PriceTable.load(path)
    assert err.value.field == f"{path}: {field}"


def test_unreadable_price_files(tmp_path):
    """A missing file or broken YAML is a user error naming the file."""
    missing = tmp_path / "nope.yaml"
    with pytest.raises(UserInputError, match="cannot read") as err:
        PriceTable.load(missing)
    assert err.value.field == str(missing)
    with pytest.raises(UserInputError, match="not valid YAML"):
        PriceTable.load(write_prices(tmp_path, "as_of: [unclosed"))
    with pytest.raises(UserInputError, match="non-empty mapping"):
        PriceTable.load(write_prices(tmp_path, "- a list\n"))
