"""The tool catalogue: products, the models they run, and the names people type for both.

Rules:
- A *product* is what a digest groups by ("ChatGPT", "Claude", "GitHub Copilot"); a *model* is
  the version behind it when one is named ("GPT-5", "Claude 3.7 Sonnet"). They are kept apart
  so that a model update never splits a product, and so the digest can compare before and after.
- Matching ignores case, spaces and punctuation ("GPT-4o", "gpt 4o" and "gpt4o" are one); in
  free text the earliest mention wins, and the longest at the same place ("Claude Code" before
  "Claude", "Claude 3.7 Sonnet" before "Claude"). A mention is a whole word: "cursory" does not
  name Cursor.
- A known model is matched by its name, with or without its product's name in front ("Opus 4"
  is "Claude Opus 4"). A *family* (a regular expression per product) catches versions the
  catalogue does not list yet ("GPT-6", "Claude 4.7 Haiku"); they are displayed with the casing
  of the catalogue's own names ("gpt-4o" is "GPT-4o", "claude 3.7 sonnet" is "Claude 3.7 Sonnet"),
  with spaces for a product whose listed models have no hyphens ("claude-4-7-haiku" is "Claude
  4.7 Haiku") and, for a product whose models all carry its name, with that name in front.
- A product with no models or families of its own (GitHub Copilot, Cursor) runs other vendors'
  models: it takes a model named right after it ("Copilot with GPT-4.1"). A product with its
  own models takes only those.
- An unknown name is kept as typed (trimmed, whitespace collapsed, at most 80 characters), so new
  tools appear in digests as soon as people use them.
- Operators extend the catalogue with a text file (TOOL_CATALOGUE_FILE), one entry a line, `#`
  starting a comment:
      Product: alias, alias               names the product may be typed as
      Product [models]: Model, Model      models of the product, written as they should show
      Product [family]: regex             a regular expression for versions not listed yet
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.model import MAX_TOOL_CHARS

# How far after a product's mention a model it runs may be named ("Copilot, with GPT-4.1").
HOST_DISTANCE = 40
# Words allowed between a product and its model in a tool's name: "ChatGPT (GPT-5)",
# "Copilot with GPT-4.1", "GPT-5 in Cursor".
_FILLER = frozenset({"with", "using", "via", "on", "in", "running", "model", "and"})
_WORD_BEFORE = r"(?<![\w-])"
# A version such as "v0.2" or "GPT-5.1" does not end at its dot.
_WORD_AFTER = r"(?![\w-]|\.\w)"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


@dataclass(frozen=True)
class ToolRef:
    """A product and, when one was named, the model behind it."""

    product: str
    model: str | None = None

    @property
    def label(self) -> str:
        """How the pair reads in a message: "ChatGPT (GPT-5)", or just "Cursor"."""
        return f"{self.product} ({self.model})" if self.model else self.product


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    product: str
    model: str | None


@dataclass(frozen=True)
class ToolCatalogue:
    tools: Mapping[str, tuple[str, ...]]  # product -> aliases
    models: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # product -> models
    families: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # product -> regexes
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False)
    _model_by_key: dict[str, tuple[str, str]] = field(init=False, repr=False, compare=False)
    # (pattern, product, model or None, or "" for a family; a word the text must contain first)
    _patterns: tuple[tuple[re.Pattern[str], str, str | None, str], ...] = field(
        init=False, repr=False, compare=False
    )
    _casing: dict[str, str] = field(init=False, repr=False, compare=False)
    _prefixed: frozenset[str] = field(init=False, repr=False, compare=False)
    _spaced: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, str] = {}
        model_by_key: dict[str, tuple[str, str]] = {}
        casing: dict[str, str] = {}
        patterns: list[tuple[re.Pattern[str], str, str | None, str]] = []
        phrases: list[tuple[str, str, str | None]] = []  # (typed form, product, model)
        for product, aliases in self.tools.items():
            for name in (product, *aliases):
                by_key.setdefault(_key(name), product)
                phrases.append((name, product, None))
            _learn_casing(casing, product)
        prefixed: set[str] = set()
        spaced: set[str] = set()
        for product, names in self.models.items():
            product_key = _key(product)
            if names and all(_key(n).startswith(product_key) for n in names):
                prefixed.add(product)
            if names and not any("-" in n or "_" in n for n in names):
                spaced.add(product)
            for name in names:
                _learn_casing(casing, name)
                model_by_key.setdefault(_key(name), (product, name))
                phrases.append((name, product, name))
                short = _without_product(name, product)
                if short is not None:
                    model_by_key.setdefault(_key(short), (product, name))
                    phrases.append((short, product, name))
        phrases.sort(key=lambda p: -len(p[0]))
        for name, product, model in phrases:
            if len(_key(name)) >= 2:
                regex = _WORD_BEFORE + _loose(name) + _WORD_AFTER
                needle = re.split(r"[^a-z0-9]+", name.lower().strip(" -_."))[0]
                patterns.append((re.compile(regex, re.IGNORECASE), product, model, needle))
        for product, regexes in self.families.items():
            for regex in regexes:
                compiled = re.compile(_WORD_BEFORE + "(?:" + regex + ")" + _WORD_AFTER, re.I)
                patterns.append((compiled, product, "", ""))  # "": a model named by the match
        object.__setattr__(self, "_by_key", by_key)
        object.__setattr__(self, "_model_by_key", model_by_key)
        object.__setattr__(self, "_patterns", tuple(patterns))
        object.__setattr__(self, "_casing", casing)
        object.__setattr__(self, "_prefixed", frozenset(prefixed))
        object.__setattr__(self, "_spaced", frozenset(spaced))

    # ---- the product only (kept for callers that need no model) --------------------------

    def normalise(self, raw: str) -> str:
        """Return the product's name, or the raw name tidied when unknown."""
        return self.resolve(raw).product

    def known(self, raw: str) -> bool:
        """Tell whether the name is a product or a model in the catalogue."""
        tidy = _tidy(raw)
        return _key(tidy) in self._by_key or self._whole_model(tidy) is not None

    def find_in_text(self, text: str) -> str | None:
        """Return the first known product mentioned in free text (a model names its product)."""
        ref = self.find_ref_in_text(text)
        return ref.product if ref else None

    # ---- product and model ---------------------------------------------------------------

    def resolve(self, raw: str) -> ToolRef:
        """Read a tool's name ("GPT-5", "ChatGPT (GPT-5)", "Cursor") into product and model."""
        tidy = _tidy(raw)
        key = _key(tidy)
        if key in self._by_key:
            return ToolRef(self._by_key[key])
        whole = self._whole_model(tidy)
        if whole is not None:
            return whole
        combined = self._product_with_model(tidy)
        return combined if combined is not None else ToolRef(tidy)

    def find_ref_in_text(self, text: str) -> ToolRef | None:
        """Return the first product mentioned in free text, with its model when one is named."""
        mentions = self._mentions(text)
        if not mentions:
            return None
        first = mentions[0]
        if first.model is not None:
            return ToolRef(first.product, first.model)
        return ToolRef(first.product, self._model_after(mentions, first.product))

    def model_in_text(self, product: str, text: str) -> str | None:
        """Return the model of `product` named in free text, if any (see the module's rules)."""
        return self._model_after(self._mentions(text), product)

    def model_name(self, product: str | None, raw: str) -> str | None:
        """Normalise a model typed on its own (the form's field) for display; None when empty."""
        tidy = _tidy(raw)
        if not _key(tidy):
            return None
        known = self._model_by_key.get(_key(tidy))
        if known is not None and (product is None or self._takes(product, known[0])):
            return known[1]
        return self._display(product or "", tidy)

    def refine(
        self, tool: str | None, model: str | None, texts: Iterable[str] = ()
    ) -> ToolRef | None:
        """Settle an entry's product and model from its tool field, its model field and its text.

        The tool field is read first ("GPT-5" is ChatGPT with GPT-5); a model field wins over a
        model inside the tool's name; when neither names a model, the first of `texts` that
        names one of the product's models gives it. With no tool, the text names both.
        """
        ref = self.resolve(tool) if tool and tool.strip() else None
        if model and model.strip():
            if ref is None:
                alone = self.resolve(model)
                if alone.model is not None:
                    return alone
                return None
            return ToolRef(ref.product, self.model_name(ref.product, model))
        if ref is not None and ref.model is not None:
            return ref
        for text in texts:
            if ref is None:
                found = self.find_ref_in_text(text) if text else None
                if found is not None and found.model is not None:
                    return found
            elif text:
                named = self.model_in_text(ref.product, text)
                if named is not None:
                    return ToolRef(ref.product, named)
        return ref

    def model_key(self, product: str, model: str) -> str:
        """What tells two spellings of one model apart from another model ("Opus 4" and
        "Claude Opus 4" are one)."""
        short = _without_product(model, product)
        return _key(short if short is not None else model)

    # ---- matching --------------------------------------------------------------------------

    def _mentions(self, text: str) -> list[_Mention]:
        found: list[_Mention] = []
        lowered = text.lower()
        for pattern, product, model, needle in self._patterns:
            if needle not in lowered:  # a plain substring test skips most patterns cheaply
                continue
            for match in pattern.finditer(text):
                name = model
                if model == "":
                    name = self._display(product, match.group(0))
                found.append(_Mention(match.start(), match.end(), product, name))
        found.sort(key=lambda m: (m.start, -(m.end - m.start), m.model is None))
        return found

    def _hosts(self, product: str) -> bool:
        return not self.models.get(product) and not self.families.get(product)

    def _takes(self, product: str, model_product: str) -> bool:
        return product == model_product or self._hosts(product)

    def _model_after(self, mentions: Sequence[_Mention], product: str) -> str | None:
        if not self._hosts(product):
            return next(
                (m.model for m in mentions if m.model is not None and m.product == product), None
            )
        for mention in mentions:
            if mention.product != product or mention.model is not None:
                continue
            for other in mentions:
                if (
                    other.model is not None
                    and other.start >= mention.end
                    and other.start - mention.end <= HOST_DISTANCE
                ):
                    return other.model
        return None

    def _whole_model(self, tidy: str) -> ToolRef | None:
        known = self._model_by_key.get(_key(tidy))
        if known is not None:
            return ToolRef(*known)
        for pattern, product, model, _needle in self._patterns:
            if model is not None and pattern.fullmatch(tidy):
                return ToolRef(product, model or self._display(product, tidy))
        return None

    def _product_with_model(self, tidy: str) -> ToolRef | None:
        """Read "ChatGPT (GPT-5)" or "Copilot with GPT-4.1": a product, a model, nothing else."""
        mentions = self._mentions(tidy)
        model = next((m for m in mentions if m.model is not None), None)
        if model is None:
            return None
        outside = [m for m in mentions if m.end <= model.start or m.start >= model.end]
        product = next((m for m in outside if m.model is None), None)
        spans = [(model.start, model.end)]
        if product is not None:
            spans.append((product.start, product.end))
        rest = _cut(tidy, spans)
        words = [w for w in re.split(r"[^a-z0-9]+", rest.lower()) if w]
        if any(word not in _FILLER for word in words):
            return None
        if product is None:
            return ToolRef(model.product, model.model)
        if self._takes(product.product, model.product):
            return ToolRef(product.product, model.model)
        return ToolRef(product.product)

    def _display(self, product: str, text: str) -> str:
        """A model's name as shown: the catalogue's spelling when known, else its casing."""
        tidy = _tidy(text)
        known = self._model_by_key.get(_key(tidy))
        if known is not None:
            return known[1]
        if product in self._spaced:  # "claude-4-7-haiku" as "Claude 4.7 Haiku"
            tidy = re.sub(r"(?<=\d)[-_](?=\d+(?:[^\dbmk]|$))", ".", tidy, flags=re.I)
            tidy = re.sub(r"[-_]+", " ", tidy)
        shown = re.sub(r"[A-Za-z0-9]+", lambda m: self._case(m.group(0)), tidy)
        if product in self._prefixed and not _key(shown).startswith(_key(product)):
            shown = f"{product} {shown}"
        return shown[:MAX_TOOL_CHARS]

    def _case(self, chunk: str) -> str:
        lower = chunk.lower()
        if lower in self._casing:
            return self._casing[lower]
        if chunk.isalpha():
            return chunk[:1].upper() + chunk[1:].lower()
        if re.fullmatch(r"\d+(?:x\d+)?[bmk]", lower):  # a parameter count: "70B", "8x7B"
            return lower[:-1] + lower[-1].upper()
        return lower


def _tidy(raw: str) -> str:
    return " ".join(raw.split())[:MAX_TOOL_CHARS]


def _learn_casing(casing: dict[str, str], name: str) -> None:
    for chunk in re.findall(r"[A-Za-z0-9]+", name):
        casing.setdefault(chunk.lower(), chunk)


def _without_product(model: str, product: str) -> str | None:
    """The model's name without its product's in front ("Claude Opus 4" -> "Opus 4")."""
    pattern = re.compile(r"^" + _loose(product) + r"[\s\-_.]+(?=\S)", re.IGNORECASE)
    match = pattern.match(model)
    if match is None:
        return None
    short = model[match.end() :]
    # "Claude 3" alone would make "3" a model name, and "Mistral Large" would make "a large
    # table" one: a short name needs a word and a version number ("Opus 4", "Sonnet 4.5").
    return short if re.search(r"[A-Za-z]{2,}", short) and re.search(r"\d", short) else None


def _cut(text: str, spans: Sequence[tuple[int, int]]) -> str:
    kept, last = [], 0
    for start, end in sorted(spans):
        kept.append(text[last:start])
        last = max(last, end)
    kept.append(text[last:])
    return " ".join(kept)


def _loose(name: str) -> str:
    """A regex matching the name with any spacing or punctuation between its parts."""
    parts = [re.escape(p) for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return r"[\s\-_.]*".join(parts)


def from_config(
    entries: Mapping[str, Sequence[str]],
    models: Mapping[str, Sequence[str]] | None = None,
    families: Mapping[str, Sequence[str]] | None = None,
) -> ToolCatalogue:
    """Build a catalogue from products and their aliases, models and families."""

    def clean(values: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))

    products = {name.strip(): clean(aliases) for name, aliases in entries.items()}
    for name in (*(models or {}), *(families or {})):
        products.setdefault(name.strip(), ())
    return ToolCatalogue(
        products,
        {name.strip(): clean(names) for name, names in (models or {}).items()},
        {name.strip(): clean(regexes) for name, regexes in (families or {}).items()},
    )


_LINE = re.compile(r"^(?P<product>[^:\[]+?)\s*(?:\[(?P<kind>models|family)\])?\s*:(?P<rest>.*)$")


class CatalogueError(ValueError):
    """A line of the catalogue file cannot be read."""


def load_catalogue(text: str, *, base: ToolCatalogue | None = None) -> ToolCatalogue:
    """Read catalogue lines (see the module's rules) on top of `base`."""
    start = base or DEFAULT_CATALOGUE
    aliases: dict[str, list[str]] = {name: list(a) for name, a in start.tools.items()}
    models: dict[str, list[str]] = {name: list(m) for name, m in start.models.items()}
    families: dict[str, list[str]] = {name: list(f) for name, f in start.families.items()}
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if match is None:
            # Kept as before: a line without a colon names a product with no aliases.
            aliases.setdefault(line, [])
            continue
        product, kind, rest = match["product"].strip(), match["kind"], match["rest"].strip()
        aliases.setdefault(product, [])
        if kind == "models":
            models.setdefault(product, []).extend(rest.split(","))
        elif kind == "family":
            try:
                re.compile(rest)
            except re.error as exc:
                raise CatalogueError(f"line {number}: not a regular expression: {exc}") from None
            if rest:
                families.setdefault(product, []).append(rest)
        else:
            aliases[product].extend(rest.split(","))
    return from_config(aliases, models, families)


DEFAULT_CATALOGUE = from_config(
    {
        "ChatGPT": ["chatgpt", "chat gpt", "openai", "ChatGPT Enterprise"],
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
        "DeepSeek": ["deepseek"],
    },
    models={
        "ChatGPT": [
            "GPT-4",
            "GPT-4o",
            "GPT-4o mini",
            "GPT-4.1",
            "GPT-4.1 mini",
            "GPT-4.5",
            "GPT-5",
            "GPT-5 mini",
            "o1",
            "o3",
            "o3-mini",
            "o4-mini",
        ],
        "Claude": [
            "Claude 3 Opus",
            "Claude 3.5 Sonnet",
            "Claude 3.5 Haiku",
            "Claude 3.7 Sonnet",
            "Claude Sonnet 4",
            "Claude Opus 4",
            "Claude Opus 4.1",
            "Claude Sonnet 4.5",
            "Claude Haiku 4.5",
            "Claude Opus 4.5",
        ],
        "Gemini": [
            "Gemini 1.5 Pro",
            "Gemini 2.0 Flash",
            "Gemini 2.5 Pro",
            "Gemini 2.5 Flash",
            "Gemini 3 Pro",
        ],
        "Llama": [
            "Llama 3.1 8B",
            "Llama 3.1 70B",
            "Llama 3.1 405B",
            "Llama 3.3 70B",
            "Llama 4 Scout",
            "Llama 4 Maverick",
        ],
        "Grok": ["Grok 3", "Grok 4"],
        "Mistral": ["Mistral Large", "Mistral Medium", "Mistral Small"],
        "DeepSeek": ["DeepSeek R1", "DeepSeek V3"],
    },
    families={
        "ChatGPT": [
            r"gpt[- ]?\d+(?:\.\d+)?o?(?:[- ](?:mini|nano|turbo|pro))?",
            r"o(?:1|[3-9])(?:[- ](?:mini|pro))?",  # no "o2": a word of its own
        ],
        "Claude": [
            r"claude[- ]?\d+(?:[.-]\d+)?[- ](?:opus|sonnet|haiku)",
            r"(?:claude[- ])?(?:opus|sonnet|haiku)[- ]?\d+(?:[.-]\d+)?",
        ],
        "Gemini": [r"gemini[- ]?\d+(?:[.-]\d+)?(?:[- ](?:pro|flash(?:[- ]lite)?|ultra|nano))?"],
        "Llama": [r"llama[- ]?\d+(?:[.-]\d+)?(?:[- ](?:scout|maverick|behemoth))?(?:[- ]\d+b)?"],
        "Grok": [r"grok[- ]?\d+(?:[.-]\d+)?(?:[- ](?:mini|heavy|fast))?"],
        "Mistral": [r"mistral[- ](?:large|medium|small)(?:[- ]\d+(?:\.\d+)?)?"],
        "DeepSeek": [r"deepseek[- ]?[rv]\d+(?:\.\d+)?"],
    },
)
