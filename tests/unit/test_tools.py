"""The tool catalogue: products and models kept apart, found in names and in free text."""

from __future__ import annotations

import pytest

from core.tools import DEFAULT_CATALOGUE, CatalogueError, ToolRef, load_catalogue


@pytest.mark.parametrize(
    ("typed", "product", "model"),
    [
        ("GPT-5", "ChatGPT", "GPT-5"),
        ("gpt-4o", "ChatGPT", "GPT-4o"),
        ("GPT 4o", "ChatGPT", "GPT-4o"),
        ("GPT-4.1", "ChatGPT", "GPT-4.1"),
        ("o3", "ChatGPT", "o3"),
        ("o4-mini", "ChatGPT", "o4-mini"),
        ("claude 3.7 sonnet", "Claude", "Claude 3.7 Sonnet"),
        ("claude-3-5-sonnet", "Claude", "Claude 3.5 Sonnet"),
        ("Claude Sonnet 4.5", "Claude", "Claude Sonnet 4.5"),
        ("Opus 4", "Claude", "Claude Opus 4"),
        ("Gemini 2.5 Pro", "Gemini", "Gemini 2.5 Pro"),
        ("Llama 3.1 70B", "Llama", "Llama 3.1 70B"),
        ("ChatGPT", "ChatGPT", None),
        ("chat gpt", "ChatGPT", None),
        ("copilot", "GitHub Copilot", None),
        ("Claude Code", "Claude Code", None),
    ],
)
def test_resolve_keeps_product_and_model_apart(typed: str, product: str, model: str) -> None:
    """A tool's name is read into the product and, when one is named, its model."""
    assert DEFAULT_CATALOGUE.resolve(typed) == ToolRef(product, model)


@pytest.mark.parametrize(
    ("typed", "product", "model"),
    [
        ("GPT-6", "ChatGPT", "GPT-6"),
        ("gpt-5.1", "ChatGPT", "GPT-5.1"),
        ("Claude 4.7 Haiku", "Claude", "Claude 4.7 Haiku"),
        ("opus 5", "Claude", "Claude Opus 5"),
        ("gemini 4 flash", "Gemini", "Gemini 4 Flash"),
        ("llama 5 400b", "Llama", "Llama 5 400B"),
    ],
)
def test_unlisted_versions_fall_into_their_family(typed: str, product: str, model: str) -> None:
    """A version the catalogue does not list yet still yields product and model, nicely cased."""
    assert DEFAULT_CATALOGUE.resolve(typed) == ToolRef(product, model)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ChatGPT (GPT-5)", ToolRef("ChatGPT", "GPT-5")),
        ("chatgpt gpt-4o", ToolRef("ChatGPT", "GPT-4o")),
        ("Copilot with GPT-4.1", ToolRef("GitHub Copilot", "GPT-4.1")),
        ("GPT-5 in Cursor", ToolRef("Cursor", "GPT-5")),
        # A product with models of its own does not take another vendor's.
        ("Claude (GPT-5)", ToolRef("Claude")),
        # More than a product and a model: a tool of its own, kept as typed.
        ("Copilot Studio", ToolRef("Copilot Studio")),
        ("  Some   New Tool ", ToolRef("Some New Tool")),
    ],
)
def test_resolve_reads_a_product_named_with_its_model(typed: str, expected: ToolRef) -> None:
    """ "ChatGPT (GPT-5)" is ChatGPT running GPT-5; anything more is a name of its own."""
    assert DEFAULT_CATALOGUE.resolve(typed) == expected


def test_normalise_and_find_in_text_still_answer_with_the_product() -> None:
    """The product-only API keeps its meaning: a model names its product."""
    assert DEFAULT_CATALOGUE.normalise("GPT-5") == "ChatGPT"
    assert DEFAULT_CATALOGUE.normalise("Claude 3.7 Sonnet") == "Claude"
    assert DEFAULT_CATALOGUE.normalise("Windsurf") == "Windsurf"
    assert DEFAULT_CATALOGUE.find_in_text("used claude code to refactor") == "Claude Code"
    assert DEFAULT_CATALOGUE.find_in_text("GPT-6 rewrote the memo") == "ChatGPT"
    assert DEFAULT_CATALOGUE.known("gpt-4o")
    assert not DEFAULT_CATALOGUE.known("lsit")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GPT-5: drafted the plan", ToolRef("ChatGPT", "GPT-5")),
        ("Claude 3.7 Sonnet hallucinated a table", ToolRef("Claude", "Claude 3.7 Sonnet")),
        ("asked ChatGPT, it was on GPT-4o again", ToolRef("ChatGPT", "GPT-4o")),
        (
            "Copilot with Claude Sonnet 4.5 invented a flag",
            ToolRef("GitHub Copilot", "Claude Sonnet 4.5"),
        ),
        ("tried Cursor for the dashboard", ToolRef("Cursor")),
    ],
)
def test_find_ref_in_text(text: str, expected: ToolRef) -> None:
    """The first mention gives the product; a model named with it gives the model."""
    assert DEFAULT_CATALOGUE.find_ref_in_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a cursory look at the recursor",
        "copiloting the release by hand",
        "the Geminids were bright",
        "a large table and a sonnet for the team",
        "shipped v0.2 of the parser",
        "O(1) lookups everywhere",
    ],
)
def test_words_that_merely_contain_a_name_name_no_tool(text: str) -> None:
    """A mention is a whole word, and a plain word is no model."""
    assert DEFAULT_CATALOGUE.find_ref_in_text(text) is None


def test_a_host_product_takes_only_a_model_named_right_after_it() -> None:
    """Cursor runs other vendors' models: one named far away is not assumed to be its model."""
    near = DEFAULT_CATALOGUE.model_in_text("Cursor", "Cursor (GPT-5) rebuilt the page")
    far = DEFAULT_CATALOGUE.model_in_text(
        "Cursor",
        "Cursor rebuilt the page; later that week, in a separate chat, I asked GPT-5 about it",
    )
    assert (near, far) == ("GPT-5", None)


def test_refine_takes_the_model_from_the_tool_then_the_field_then_the_text() -> None:
    """A model field wins; else the tool's name; else the first text naming one of its models."""
    catalogue = DEFAULT_CATALOGUE
    assert catalogue.refine("GPT-5", None) == ToolRef("ChatGPT", "GPT-5")
    assert catalogue.refine("ChatGPT", "gpt-4o") == ToolRef("ChatGPT", "GPT-4o")
    assert catalogue.refine("ChatGPT", None, ["GPT-5: drafted it"]) == ToolRef("ChatGPT", "GPT-5")
    assert catalogue.refine("ChatGPT", None, ["Claude 3.7 Sonnet did better"]) == ToolRef("ChatGPT")
    assert catalogue.refine(None, None, ["Opus 4 wrote the tests"]) == ToolRef(
        "Claude", "Claude Opus 4"
    )
    assert catalogue.refine(None, None, ["nothing named"]) is None


def test_operators_name_products_models_and_families_in_one_file() -> None:
    """`Product: aliases` as before; `[models]` and `[family]` lines add models and versions."""
    catalogue = load_catalogue(
        """
        # our own assistant
        Acme Assistant: acme, acmebot
        Acme Assistant [models]: Acme Falcon 2, Acme Heron
        Acme Assistant [family]: acme[- ]falcon[- ]?\\d+(?:\\.\\d+)?
        ChatGPT: chatgpt team   # an alias more for a built-in product
        """
    )
    assert catalogue.resolve("acmebot") == ToolRef("Acme Assistant")
    assert catalogue.resolve("acme falcon 2") == ToolRef("Acme Assistant", "Acme Falcon 2")
    assert catalogue.resolve("Acme-Falcon-3") == ToolRef("Acme Assistant", "Acme Falcon 3")
    assert catalogue.find_ref_in_text("acme heron wrote it") == ToolRef(
        "Acme Assistant", "Acme Heron"
    )
    assert catalogue.normalise("ChatGPT Team") == "ChatGPT"
    assert catalogue.resolve("GPT-5") == ToolRef("ChatGPT", "GPT-5")  # built-ins kept


def test_an_old_catalogue_file_reads_as_before() -> None:
    """Lines written for the alias-only format mean what they meant."""
    catalogue = load_catalogue("Tabnine: tab nine\nInternal Bot\n")
    assert catalogue.normalise("tab nine") == "Tabnine"
    assert catalogue.normalise("internal bot") == "Internal Bot"


def test_a_family_that_is_not_a_regular_expression_names_its_line() -> None:
    """A broken pattern is refused at start-up, with its line number."""
    with pytest.raises(CatalogueError, match="line 2"):
        load_catalogue("Acme: acme\nAcme [family]: acme(\n")


def test_label_shows_the_model_in_parentheses() -> None:
    assert ToolRef("ChatGPT", "GPT-5").label == "ChatGPT (GPT-5)"
    assert ToolRef("Cursor").label == "Cursor"


def test_unlisted_versions_are_spelled_like_their_listed_siblings() -> None:
    """Hyphens become spaces (and dots between numbers) where the listed models use spaces."""
    assert DEFAULT_CATALOGUE.resolve("claude-4-7-haiku").model == "Claude 4.7 Haiku"
    assert DEFAULT_CATALOGUE.resolve("llama-5-1-70b").model == "Llama 5.1 70B"
    assert DEFAULT_CATALOGUE.resolve("gpt-6-mini").model == "GPT-6-mini"
