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
