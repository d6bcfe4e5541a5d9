"""Telegram's HTML parse mode, as the Bot API server applies it.

Modelled on the behaviour of tdlib's HTML parser (which the Bot API server
uses): a fixed tag whitelist, strict nesting, a handful of character
references, and errors that carry a UTF-8 byte offset. The fake needs the
same failures the real server produces so that formatting bugs surface in
tests instead of in production; it also needs the parsed plain text and
entities so message length is measured the way Telegram measures it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)

_ENTITY_TYPE_BY_TAG: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
}

_NAMED_REFERENCES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAMED_REFERENCE_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_NUMERIC_REFERENCE_RE = re.compile(r"&#(?:([0-9]{1,10})|[xX]([0-9A-Fa-f]{1,8}));")
_UNQUOTED_VALUE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(err)`` is the server's reason."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    utf16_offset: int
    char_offset: int
    byte_offset: int
    language: str | None = None


class _Parser:
    def __init__(self, text: str, *, strict_references: bool) -> None:
        self.text = text
        self.n = len(text)
        self.i = 0
        self.strict_references = strict_references
        self.out: list[str] = []
        self.utf16 = 0
        self.chars = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, pos: int) -> int:
        return len(self.text[:pos].encode("utf-8"))

    def fail(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)
        self.chars += len(chunk)

    def decode_reference(self, pos: int) -> tuple[str, int] | None:
        """Decode a character reference at ``pos``; None means a literal '&'."""
        numeric = _NUMERIC_REFERENCE_RE.match(self.text, pos)
        if numeric is not None:
            dec, hexa = numeric.groups()
            code = int(dec) if dec is not None else int(hexa, 16)
            if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
                return chr(code), numeric.end()
            return None
        named = _NAMED_REFERENCE_RE.match(self.text, pos)
        if named is None:
            return None
        replacement = _NAMED_REFERENCES.get(named.group(1))
        if replacement is not None:
            return replacement, named.end()
        if self.strict_references:
            # The real server leaves unknown references such as "&nbsp;" as
            # literal text, which users then see verbatim. Failing loudly in
            # tests is more useful than reproducing that silent glitch.
            raise self.fail(f'Unsupported HTML entity "{named.group(0)}" at byte offset {self.byte_offset(pos)}')
        return None

    def skip_spaces(self) -> None:
        while self.i < self.n and self.text[self.i].isspace():
            self.i += 1

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        while self.i < self.n:
            ch = self.text[self.i]
            if ch == "&":
                decoded = self.decode_reference(self.i)
                if decoded is not None:
                    self.emit(decoded[0])
                    self.i = decoded[1]
                    continue
            if ch != "<":
                self.emit(ch)
                self.i += 1
                continue
            if self.i + 1 < self.n and self.text[self.i + 1] == "/":
                self.parse_end_tag()
            else:
                self.parse_start_tag()
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def parse_start_tag(self) -> None:
        tag_pos = self.i
        self.i += 1
        name_start = self.i
        while self.i < self.n and not self.text[self.i].isspace() and self.text[self.i] != ">":
            self.i += 1
        if self.i >= self.n:
            raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(tag_pos)}")
        name = self.text[name_start : self.i].lower()
        if name not in ALLOWED_TAGS:
            raise self.fail(f'Unsupported start tag "{name}" at byte offset {self.byte_offset(tag_pos)}')
        attrs = self.parse_attributes(name, tag_pos)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise self.fail(f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(tag_pos)}')
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise self.fail("Invalid custom emoji identifier specified")
        self.stack.append(_OpenTag(name, attrs, self.utf16, self.chars, self.byte_offset(tag_pos)))

    def parse_attributes(self, tag: str, tag_pos: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.i >= self.n:
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(tag_pos)}')
            if self.text[self.i] == ">":
                self.i += 1
                return attrs
            attr_start = self.i
            while self.i < self.n and not self.text[self.i].isspace() and self.text[self.i] not in "=>/\"'":
                self.i += 1
            attr = self.text[attr_start : self.i].lower()
            if not attr:
                raise self.fail(f'Empty attribute name in the tag "{tag}" at byte offset {self.byte_offset(tag_pos)}')
            self.skip_spaces()
            if self.i >= self.n:
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(tag_pos)}')
            if self.text[self.i] != "=":
                attrs[attr] = ""
                continue
            self.i += 1
            self.skip_spaces()
            if self.i >= self.n:
                raise self.fail(f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(tag_pos)}')
            quote = self.text[self.i]
            if quote in "\"'":
                self.i += 1
                value: list[str] = []
                while self.i < self.n and self.text[self.i] != quote:
                    if self.text[self.i] == "&":
                        decoded = self.decode_reference(self.i)
                        if decoded is not None:
                            value.append(decoded[0])
                            self.i = decoded[1]
                            continue
                    value.append(self.text[self.i])
                    self.i += 1
                if self.i >= self.n:
                    raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(tag_pos)}")
                self.i += 1
                attrs[attr] = "".join(value)
            else:
                value_start = self.i
                while self.i < self.n and self.text[self.i] in _UNQUOTED_VALUE_CHARS:
                    self.i += 1
                if self.i >= self.n:
                    raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(tag_pos)}")
                if not self.text[self.i].isspace() and self.text[self.i] != ">":
                    raise self.fail(f"Unexpected end of name token at byte offset {self.byte_offset(self.i)}")
                attrs[attr] = self.text[value_start : self.i].lower()

    def parse_end_tag(self) -> None:
        tag_pos = self.i
        self.i += 2
        name_start = self.i
        while self.i < self.n and not self.text[self.i].isspace() and self.text[self.i] != ">":
            self.i += 1
        end_name = self.text[name_start : self.i].lower()
        self.skip_spaces()
        if self.i >= self.n or self.text[self.i] != ">":
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(tag_pos)}")
        self.i += 1
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(tag_pos)}")
        top = self.stack.pop()
        if end_name and end_name != top.name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(tag_pos)}, "
                f'expected "</{top.name}>", found "</{end_name}>"'
            )
        self.close_entity(top)

    def close_entity(self, tag: _OpenTag) -> None:
        length = self.utf16 - tag.utf16_offset
        if tag.name == "code" and self.stack and self.stack[-1].name == "pre":
            # <pre><code class="language-x"> is one "pre" entity with a language.
            css = tag.attrs.get("class", "")
            if css.startswith("language-"):
                self.stack[-1].language = css.removeprefix("language-")
                return
        if length <= 0:
            return
        entity: dict[str, Any] = {
            "type": _ENTITY_TYPE_BY_TAG[tag.name],
            "offset": tag.utf16_offset,
            "length": length,
        }
        if tag.name == "a":
            entity["url"] = tag.attrs.get("href") or "".join(self.out)[tag.char_offset :]
        elif tag.name == "pre" and tag.language:
            entity["language"] = tag.language
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = tag.attrs["emoji-id"]
        elif tag.name == "blockquote" and "expandable" in tag.attrs:
            entity["type"] = "expandable_blockquote"
        self.entities.append(entity)


def parse_html(text: str, *, strict_references: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` or raise :class:`HtmlParseError`.

    Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
    ``strict_references`` rejects named references other than &lt; &gt; &amp;
    &quot; (see :meth:`_Parser.decode_reference`).
    """
    return _Parser(text, strict_references=strict_references).parse()
