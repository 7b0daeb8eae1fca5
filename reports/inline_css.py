"""A small CSS inliner for the email rendition.

Mail clients (Outlook, Gmail) ignore or strip most stylesheets, so every element of the email
carries its styles in a `style` attribute. This inlines the rules of a restricted stylesheet —
selectors that are a tag, a class, or a tag with classes — in order of specificity, and
returns the rules it cannot inline (`@media` blocks: dark mode) to be kept in a <style>
element for the clients that read one. Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_SIMPLE = re.compile(r"^(?P<tag>[a-z][a-z0-9]*)?(?P<classes>(?:\.[A-Za-z0-9_-]+)*)$")
_START_TAG = re.compile(
    r"<(?P<tag>[a-zA-Z][a-zA-Z0-9]*)(?P<attrs>(?:\s+[^\s>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(?P<end>/?)>"
)
_CLASS_ATTR = re.compile(r"""\sclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_STYLE_ATTR = re.compile(r"""\sstyle\s*=\s*(?:"([^"]*)"|'([^']*)')""")


@dataclass(frozen=True, slots=True)
class _Rule:
    tag: str | None
    classes: frozenset[str]
    declarations: str
    specificity: tuple[int, int]
    order: int


@dataclass(frozen=True, slots=True)
class Stylesheet:
    rules: tuple[_Rule, ...]
    kept: str  # what cannot be inlined: for a <style> element

    def matching(self, tag: str, classes: frozenset[str]) -> str:
        found = [
            r
            for r in self.rules
            if (r.tag is None or r.tag == tag) and r.classes <= classes and (r.tag or r.classes)
        ]
        found.sort(key=lambda r: (r.specificity, r.order))
        return ";".join(r.declarations for r in found)


def _split_at_rules(css: str) -> tuple[str, str]:
    """(plain rules, @-blocks) — @-blocks found by balancing braces."""
    plain, kept = [], []
    i = 0
    while i < len(css):
        at = css.find("@", i)
        if at == -1:
            plain.append(css[i:])
            break
        plain.append(css[i:at])
        depth, j = 0, at
        while j < len(css):
            if css[j] == "{":
                depth += 1
            elif css[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        kept.append(css[at : j + 1])
        i = j + 1
    return "".join(plain), "\n".join(kept)


@lru_cache(maxsize=8)
def parse(css: str) -> Stylesheet:
    css = _COMMENT.sub("", css)
    plain, kept = _split_at_rules(css)
    rules = []
    order = 0
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", plain):
        declarations = ";".join(d.strip() for d in body.split(";") if d.strip())
        for selector in selectors.split(","):
            match = _SIMPLE.match(selector.strip())
            if not match or not selector.strip():
                continue  # not inlinable (descendant, pseudo-class…): left out on purpose
            classes = frozenset(c for c in match["classes"].split(".") if c)
            tag = match["tag"]
            rules.append(_Rule(tag, classes, declarations, (len(classes), 1 if tag else 0), order))
            order += 1
    return Stylesheet(tuple(rules), kept)


def inline(html: str, css: str) -> str:
    """Every start tag gets the declarations of the rules it matches, before its own style."""
    sheet = parse(css)

    def replace(match: re.Match[str]) -> str:
        tag = match["tag"].lower()
        attrs = match["attrs"] or ""
        class_match = _CLASS_ATTR.search(attrs)
        classes = frozenset((class_match[1] or class_match[2] or "").split() if class_match else ())
        declarations = sheet.matching(tag, classes)
        if not declarations:
            return match[0]
        style_match = _STYLE_ATTR.search(attrs)
        if style_match:
            own = style_match[1] or style_match[2] or ""
            attrs = attrs.replace(style_match[0], "")
            declarations = f"{declarations};{own}"
        declarations = declarations.replace('"', "'")  # it goes inside a double-quoted attribute
        return f'<{match["tag"]}{attrs} style="{declarations}"{match["end"]}>'

    return _START_TAG.sub(replace, html)
