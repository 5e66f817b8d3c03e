"""Page furniture: whole paragraphs (comment headers, share buttons, ...) dropped and reported."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ..errors import ConfigError

# Each pattern must match a WHOLE paragraph (re.fullmatch after strip, case-insensitive).
DEFAULT_FURNITURE: tuple[str, ...] = (
    r"comments?(?:\s*\(\d+\))?\s*:?",
    r"\d+\s+(?:comments?|responses?|replies)",
    r"no\s+comments(?:\s+yet)?\.?",
    r"leave\s+a\s+(?:reply|comment|response)",
    r"cancel\s+reply",
    r"you\s+must\s+be\s+logged\s+in\s+to\s+post\s+a\s+comment\.?",
    r"share\s+this(?:\s+(?:article|story|post|page))?\s*:?",
    r"share\s+on\s+(?:facebook|twitter|x|linkedin|whatsapp|reddit|telegram|pinterest|email)",
    r"click\s+to\s+(?:share|print|email)[^\n]*(?:\n\s*click\s+to\s+(?:share|print|email)[^\n]*)*",
    r"like\s+this\s*:?",
    r"like\s+loading\s*(?:\.\.\.|…)?",
    r"related(?:\s+(?:posts?|articles?|stories|content|news|reading))?\s*:?",
    r"(?:you\s+may\s+also\s+like|recommended(?:\s+for\s+you)?|more\s+stories)\s*:?",
    r"advertisement|advertising|sponsored(?:\s+content)?",
    r"read\s+more\s*(?::|»|›|\.\.\.|…)?",
    r"continue\s+reading\s*(?:»|›|\.\.\.|…)?",
    r"subscribe(?:\s+(?:now|today|to\s+our\s+newsletter))?\s*!?",
    r"sign\s+up\s+for\s+our\s+newsletter\.?",
    r"post\s+navigation|skip\s+to\s+(?:main\s+)?content",
    r"(?:previous|next)\s+(?:post|article|story)\s*:?",
    r"(?:copyright\s*)?(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?[^\n]{0,80}all\s+rights\s+reserved\.?",
    # Russian and Ukrainian: advertisement, read also / more, share, comments, subscribe
    r"реклама",
    r"(?:читайте|читать)\s+(?:также|тоже|далее|полностью|ещё|еще)\s*(?::|»|\.\.\.|…)?",
    r"(?:читайте|читати)\s+(?:також|далі|більше|повністю)\s*(?::|»|\.\.\.|…)?",
    r"(?:поделиться|поділитися)\s*:?",
    r"(?:комментарии|коментарі)(?:\s*\(\d+\))?\s*:?",
    r"(?:подписывайтесь|підписуйтесь|підписуйтеся)\s+на\s+(?:наш|нас)[^\n]{0,60}",
    # Korean: advertisement, related articles, more, share, comments, the agencies' copyright line
    r"광고",
    r"[▶▷■]?\s*관련\s*기사\s*:?",
    r"(?:기사\s*)?더\s*보기",
    r"공유(?:하기)?",
    r"댓글(?:\s*\d+)?",
    r"(?:<저작권자\s*)?(?:ⓒ|©)[^\n]{0,80}(?:무단\s*전재|재배포)[^\n]{0,60}",
)


@lru_cache(maxsize=32)
def compile_furniture(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    """Compile furniture rules (case-insensitive); ConfigError names a bad pattern."""
    compiled: list[re.Pattern[str]] = []
    for pat in patterns:
        try:
            compiled.append(re.compile(pat, re.IGNORECASE))
        except re.error as exc:
            raise ConfigError(
                f"furniture rule {pat!r} is not a valid regular expression ({exc})",
                "fix or remove that pattern (Python `re` syntax, matched against a whole paragraph)",
            ) from exc
    return tuple(compiled)


def furniture_rules(furniture: Sequence[str] | None) -> tuple[re.Pattern[str], ...]:
    """The compiled rules for a ``furniture`` argument (None -> DEFAULT_FURNITURE)."""
    if furniture is None:
        return compile_furniture(DEFAULT_FURNITURE)
    if isinstance(furniture, str | bytes):
        raise ConfigError(
            f"furniture must be a list of regular expressions, got the string {furniture!r}",
            'wrap it in a list, e.g. ["Comments"]',
        )
    patterns = tuple(furniture)
    for pat in patterns:
        if not isinstance(pat, str):
            raise ConfigError(
                f"furniture rule {pat!r} is not a string", "give each rule as a regular expression string"
            )
    return compile_furniture(patterns)


def match_furniture(paragraph: str, rules: Sequence[re.Pattern[str]]) -> re.Pattern[str] | None:
    """The first rule matching the whole (stripped) paragraph, if any."""
    stripped = paragraph.strip()
    for rule in rules:
        if rule.fullmatch(stripped):
            return rule
    return None
