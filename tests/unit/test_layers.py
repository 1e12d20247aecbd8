"""Dependencies point one way: `bot` → `handlers` → `services` → `core`, `blocks`, `storage`.

Every module of the bot is parsed (not imported) and each of its imports, at the top or inside a
function, is checked against what its package may use. `fakeslack` is the Slack emulator: it
imports nothing of the bot, so it can stand in for Slack and nothing else.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What each package may import of ours (itself included).
ALLOWED: Mapping[str, frozenset[str]] = {
    "bot": frozenset({"bot", "handlers", "services", "core", "blocks", "storage", "fakeslack"}),
    "handlers": frozenset({"handlers", "services", "core", "blocks"}),
    "services": frozenset({"services", "core", "blocks", "storage"}),
    "blocks": frozenset({"blocks", "core"}),
    "storage": frozenset({"storage", "core"}),
    "core": frozenset({"core"}),
    "fakeslack": frozenset({"fakeslack"}),
}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}"


def module_name(path: Path) -> str:
    """`handlers/actions.py` is `handlers.actions`; a package's `__init__.py` is the package."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(
    source: str, module: str, *, is_package: bool = False
) -> Iterator[tuple[int, str]]:
    """Yield (line, module) for every import in the source, wherever it sits; relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target


def violations(imports: Mapping[str, list[tuple[int, str]]]) -> list[Violation]:
    """Return each import of a package the importing module's layer may not use."""
    found = []
    for module, lines in sorted(imports.items()):
        allowed = ALLOWED[module.split(".")[0]]
        for line, imported in lines:
            top = imported.split(".")[0]
            if top in ALLOWED and top not in allowed:
                found.append(Violation(module, line, imported))
    return found


def project_imports() -> dict[str, list[tuple[int, str]]]:
    found = {}
    for package in ALLOWED:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = module_name(path)
            source = path.read_text(encoding="utf-8")
            found[name] = list(
                imported_modules(source, name, is_package=path.name == "__init__.py")
            )
    return found


def test_every_import_points_down_the_layers() -> None:
    """No module imports a package above its own layer, not even inside a function."""
    found = violations(project_imports())
    assert not found, (
        "imports against the layers (bot → handlers → services → core, blocks, storage):\n"
        + "\n".join(f"  {v}" for v in found)
    )


def test_every_package_is_checked() -> None:
    """Each layer has modules, and the import reader sees the imports they are known to have."""
    imports = project_imports()
    assert {name.split(".")[0] for name in imports} == set(ALLOWED)
    assert "services.deps" in {name for _, name in imports["handlers.actions"]}


def test_the_checker_catches_imports_up_the_layers() -> None:
    """A service reaching into the bot, a handler into storage, core into services: all reported."""
    source = (
        "from core.model import Experiment\n"
        "import storage.db\n"
        "def later():\n"
        "    from bot.config import Config\n"
        "    from . import deps\n"
    )
    imports = {
        "services.fake": list(imported_modules(source, "services.fake")),
        "handlers.fake": [(3, "storage.profiles"), (4, "services.capture")],
        "core.fake": [(1, "services.deps"), (2, "core.model"), (3, "json")],
        "fakeslack.fake": [(7, "core.model")],
        "blocks.fake": [(1, "core.text")],
        "bot.fake": [(1, "fakeslack.server"), (2, "handlers")],
    }
    assert [str(v) for v in violations(imports)] == [
        "core.fake:1 imports services.deps",
        "fakeslack.fake:7 imports core.model",
        "handlers.fake:3 imports storage.profiles",
        "services.fake:4 imports bot.config",
    ]
    assert imports["services.fake"][-1] == (5, "services")  # `from . import deps`, resolved
