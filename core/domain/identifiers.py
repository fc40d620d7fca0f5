"""Human identifiers: slugs, project keys and task refs (``TY-42``), and how to parse them."""

from __future__ import annotations

import re
import unicodedata

from core.errors import ValidationError

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
REF_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,12})\s*$")
MAX_SLUG = 80


def slugify(text: str) -> str:
    """``"MVP: Local ingestion UI"`` -> ``"mvp-local-ingestion-ui"`` (ASCII, lowercase)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")


def normalize_slug(slug: str, *, field: str = "slug") -> str:
    """A user-typed slug in canonical (lowercase) form.

    Raises:
        ValidationError: it is not made of letters, digits and single dashes.
    """
    canonical = slug.strip().lower()
    if not SLUG_RE.match(canonical) or len(canonical) > MAX_SLUG:
        raise ValidationError(
            f"{field} {slug!r} is not a valid slug.",
            field=field,
            hint=f"Use lowercase letters, digits and dashes, up to {MAX_SLUG} characters "
            f"(for example {slugify(slug) or 'my-project'!r}).",
        )
    return canonical


def derive_key(name: str) -> str:
    """A ref prefix from a project name: initials of several words, else the first letters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", ascii_name) if w]
    words = [w for w in words if w[0].isalpha()] or ["P"]
    key = "".join(w[0] for w in words[:4]) if len(words) > 1 else words[0][:3]
    return key.upper()


def normalize_key(key: str) -> str:
    """A user-typed project key in canonical (uppercase) form.

    Raises:
        ValidationError: not 1-10 letters and digits starting with a letter.
    """
    canonical = key.strip().upper()
    if not KEY_RE.match(canonical):
        raise ValidationError(
            f"Project key {key!r} is not valid.",
            field="key",
            hint="Use 1-10 letters and digits starting with a letter, like TY or WEB2.",
        )
    return canonical


def parse_ref(text: str) -> tuple[str, int] | None:
    """``"ty-42"`` -> ``("TY", 42)``; ``None`` when the text is not shaped like a ref."""
    match = REF_RE.match(text)
    if match is None:
        return None
    return match.group(1).upper(), int(match.group(2))


def format_ref(key: str, number: int) -> str:
    """``("TY", 42)`` -> ``"TY-42"``."""
    return f"{key}-{number}"
