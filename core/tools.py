"""The tool catalogue: canonical names of AI tools and the aliases people type.

Rules: matching ignores case, spaces and punctuation ("GPT-4o", "gpt 4o" and "gpt4o" are one);
the longest matching alias wins ("Claude Code" before "Claude"). An unknown name is kept as
typed (trimmed, whitespace collapsed, at most 80 characters), so new tools appear in digests as
soon as people use them. Operators extend the catalogue with a text file of lines
`Canonical name: alias, alias` (TOOL_CATALOGUE_FILE).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from core.model import MAX_TOOL_CHARS


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@dataclass(frozen=True)
class ToolCatalogue:
    tools: Mapping[str, tuple[str, ...]]  # canonical name -> aliases
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False)
    _patterns: tuple[tuple[re.Pattern[str], str], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_key: dict[str, str] = {}
        phrases: list[tuple[str, str]] = []
        for canonical, aliases in self.tools.items():
            for name in (canonical, *aliases):
                by_key.setdefault(_key(name), canonical)
                phrases.append((name, canonical))
        phrases.sort(key=lambda p: -len(p[0]))
        patterns = tuple(
            (re.compile(r"(?<![\w-])" + _loose(name) + r"(?![\w-])", re.IGNORECASE), canonical)
            for name, canonical in phrases
            if len(_key(name)) >= 2
        )
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_patterns", patterns)

    def normalise(self, raw: str) -> str:
        """Return the canonical name, or the raw name tidied when unknown."""
        tidy = " ".join(raw.split())[:MAX_TOOL_CHARS]
        return self._by_key.get(_key(tidy), tidy)

    def known(self, raw: str) -> bool:
        """Tell whether the name is in the catalogue."""
        return _key(raw) in self._by_key

    def find_in_text(self, text: str) -> str | None:
        """Return the first known tool mentioned in free text (longest alias first)."""
        best: tuple[int, str] | None = None
        for pattern, canonical in self._patterns:
            match = pattern.search(text)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), canonical)
        return best[1] if best else None


def _loose(name: str) -> str:
    """A regex matching the name with any spacing or punctuation between its parts."""
    parts = [re.escape(p) for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return r"[\s\-_.]*".join(parts)


def from_config(entries: Mapping[str, Sequence[str]]) -> ToolCatalogue:
    """Build a catalogue from canonical names and their aliases."""
    return ToolCatalogue(
        {
            name.strip(): tuple(a.strip() for a in aliases if a.strip())
            for name, aliases in entries.items()
        }
    )


def load_catalogue(text: str, *, base: ToolCatalogue | None = None) -> ToolCatalogue:
    """Read `Canonical: alias, alias` lines (# starts a comment) on top of `base`."""
    entries: dict[str, list[str]] = {
        name: list(aliases) for name, aliases in (base or DEFAULT_CATALOGUE).tools.items()
    }
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, aliases = line.partition(":")
        entries.setdefault(name.strip(), []).extend(a for a in aliases.split(","))
    return from_config(entries)


DEFAULT_CATALOGUE = from_config(
    {
        "ChatGPT": [
            "chatgpt",
            "chat gpt",
            "gpt-4",
            "gpt-4o",
            "gpt4o",
            "gpt-5",
            "openai",
            "ChatGPT Enterprise",
        ],
        "GitHub Copilot": ["copilot", "gh copilot", "github copilot", "copilot chat"],
        "Microsoft 365 Copilot": [
            "m365 copilot",
            "microsoft copilot",
            "office copilot",
            "copilot for m365",
        ],
        "Claude": ["claude", "claude.ai", "anthropic", "claude sonnet", "claude opus"],
        "Claude Code": ["claude code"],
        "Gemini": ["gemini", "bard", "google gemini"],
        "Cursor": ["cursor"],
        "Windsurf": ["windsurf", "codeium"],
        "Perplexity": ["perplexity"],
        "NotebookLM": ["notebooklm", "notebook lm"],
        "Midjourney": ["midjourney"],
        "Glean": ["glean"],
        "v0": ["v0", "v0.dev"],
        "Devin": ["devin"],
        "Codex": ["codex", "openai codex"],
        "Notion AI": ["notion ai"],
        "Slack AI": ["slack ai"],
        "Grok": ["grok"],
        "Llama": ["llama", "meta ai"],
        "Mistral": ["mistral", "le chat"],
    }
)
