"""Prompt templates: plain text files under version control, named `<name>.v<N>.txt`.

Baton uses the highest version of a prompt it finds, in ./prompts, else the checkout's
prompts/, else the copy shipped in the wheel. The version recorded in the audit trail is the
file's name and version plus a short hash of its text, so an edit made without bumping the
version still shows up as a different prompt.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

_HERE = Path(__file__).resolve().parent
PACKAGED = _HERE / "prompts"
_SECTION = re.compile(r"^=== (system|user) ===\s*$", re.MULTILINE)


class PromptError(Exception):
    """A prompt file is missing or not in the expected shape."""


@dataclass(frozen=True)
class Prompt:
    name: str
    number: int
    system: str
    user: str
    digest: str

    @property
    def version(self) -> str:
        return f"{self.name}.v{self.number}@{self.digest}"

    def render(self, **values: object) -> list[dict[str, str]]:
        """The chat messages, placeholders filled (a missing placeholder is an error)."""
        text = {k: str(v) for k, v in values.items()}
        try:
            return [
                {"role": "system", "content": Template(self.system).substitute(text)},
                {"role": "user", "content": Template(self.user).substitute(text)},
            ]
        except (KeyError, ValueError) as exc:
            raise PromptError(f"{self.name}.v{self.number}: bad placeholder {exc}") from None


def prompt_dirs() -> list[Path]:
    checkout = _HERE.parents[1]
    dirs = [Path("prompts")]
    if (checkout / "pyproject.toml").is_file():
        dirs.append(checkout / "prompts")
    return [*dirs, PACKAGED]


def load_prompt(name: str, *, dirs: list[Path] | None = None) -> Prompt:
    """The highest version of `name` in the first directory that has one."""
    for folder in dirs if dirs is not None else prompt_dirs():
        versions = _versions(folder, name)
        if versions:
            number = max(versions)
            return parse_prompt(name, number, versions[number].read_text(encoding="utf-8"))
    raise PromptError(f"no {name}.v<N>.txt prompt found (looked in ./prompts and the installed copy)")


def _versions(folder: Path, name: str) -> dict[int, Path]:
    pattern = re.compile(rf"^{re.escape(name)}\.v(\d+)\.txt$")
    if not folder.is_dir():
        return {}
    return {int(m.group(1)): p for p in folder.iterdir() if (m := pattern.match(p.name))}


def parse_prompt(name: str, number: int, text: str) -> Prompt:
    """Comments (# lines) dropped; the text split at `=== system ===` and `=== user ===`."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if set(sections) != {"system", "user"} or not all(sections.values()):
        raise PromptError(f"{name}.v{number}: needs a non-empty '=== system ===' and '=== user ===' section")
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return Prompt(name, number, sections["system"], sections["user"], digest)
