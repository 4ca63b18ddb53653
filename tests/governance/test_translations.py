"""The UI is Chinese by default: every message of the catalogue has a translation."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def entries():
    text = PO.read_text()
    for block in text.split("\n\n")[1:]:
        msgid = "".join(
            re.findall(r'"(.*)"', (re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.M) or [""])[0])
        )
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        yield msgid, ["".join(re.findall(r'"(.*)"', s)) for s in strs], "fuzzy" in block


def test_every_message_is_translated_and_none_is_fuzzy():
    problems = [msgid for msgid, strs, fuzzy in entries() if fuzzy or not strs or not all(strs)]
    assert problems == []


def test_compiled_catalogue_is_in_use():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Inbox") == "消息中心"


def test_every_translation_keeps_the_placeholders_of_its_source():
    text = PO.read_text()
    mismatched = []
    for block in text.split("\n\n")[1:]:
        found = re.search(r'^msgid ((?:".*"\n?)+)', block + "\n", re.M)
        if not found:
            continue
        msgid = "".join(re.findall(r'"(.*)"', found.group(1)))
        wanted = set(re.findall(r"%\(\w+\)[sd]", msgid))
        for raw in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M):
            if set(re.findall(r"%\(\w+\)[sd]", "".join(re.findall(r'"(.*)"', raw)))) != wanted:
                mismatched.append(msgid)
    assert mismatched == []


# makemessages finds only the names xgettext knows (_, gettext, gettext_lazy, ngettext, pgettext,
# ...): a message marked through an alias of our own (``gettext_lazy as _lazy``) is never
# extracted, and the page shows it in English whatever the catalogue holds.
_KNOWN = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
_ALIAS = re.compile(r"from django\.utils\.translation import .*\b(?:n|p)?gettext(?:_lazy)? as (\w+)")


def test_messages_are_marked_only_by_names_makemessages_extracts():
    root = Path(settings.BASE_DIR)
    aliases = []
    for path in root.rglob("*.py"):
        if {".venv", "var", "node_modules"} & set(path.relative_to(root).parts):
            continue
        for name in _ALIAS.findall(path.read_text()):
            if name not in _KNOWN:
                aliases.append(f"{path.relative_to(root)}: {name}")
    assert aliases == []
