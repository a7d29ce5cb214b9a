"""One Chinese term per concept, and Chinese typography, over both catalogs and
the glossary (the translator's review, issue 18 §4).

Each rule names what it refuses and why; a rule applies to every Chinese
string a learner can read: lesson prose, code comments and printed labels,
chart and parameter labels, UI strings, glossary terms and definitions.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "locales" / "zh_CN" / "LC_MESSAGES"
CJK = "\u3400-\u4dbf\u4e00-\u9fff"
FULL_WIDTH = "，。、；：！？）》”’"
#: Not `*` itself, or a `*` of a `**`: what may stand between two `**`.
_NOT_BOLD_MARK = r"(?:[^*]|(?<!\*)\*(?!\*))"
#: A bold span whose last character is sentence punctuation. The `**` are
#: paired from the start of the string (`^`, then whole spans), as CommonMark
#: pairs them, so that in **甲**。**乙** the 。 between two spans is not taken
#: for the inside of one.
BOLD_ENDING_IN_PUNCTUATION = (rf"^(?:{_NOT_BOLD_MARK}*\*\*{_NOT_BOLD_MARK}*\*\*)*"
                              rf"{_NOT_BOLD_MARK}*\*\*{_NOT_BOLD_MARK}*[。，、；：！？]\*\*")

#: (what is refused, why): each pattern must not match any Chinese string.
REFUSED = [
    (r"课", "a lesson is 节 (第 8.3 节, 本节, 上/下一节), in the UI as in the prose; 课程 reads as “course”"),
    (r"震荡", "oscillation is 振荡 (glossary)"),
    (r"对数刻度", "log scale is 对数坐标"),
    (r"原始分数", "logits stay “logits”, glossed as 未归一化分数 (glossary)"),
    (r"偏置修正", "bias correction is 偏差修正; 偏置 is the bias term"),
    (r"随机失活(?!（dropout）)", "dropout is glossed: 随机失活（dropout）"),
    (r"(?:小|缩小)\s*(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s*倍",
     "“小 N 倍” is ambiguous: a fraction (三分之一, 五千分之一) or “它的 1/3”"),
    (r"放之四海皆准", "the idiom is 放之四海而皆准"),
    (r"[「」『』]", "quotes are “” (「」 is Taiwan/Hong Kong style)"),
    (r"(?<!…)…(?!…)", "an ellipsis is …… (two), never one …"),
    (r" ……", "no space before ……"),
    (r"(?<!—)—(?!—)", "a dash is —— (two), as in the lesson titles"),
    (rf"[{CJK}{FULL_WIDTH}]\*\* ", "no ASCII space after a closing ** that ends in Chinese or its punctuation"),
    (BOLD_ENDING_IN_PUNCTUATION,
     "punctuation goes after the bold, **初稿这里有误**。: CommonMark leaves **初稿这里有误。**初稿 unbolded, "
     "asterisks on screen (tests/test_markdown_markers.py)"),
]


def catalog_strings(domain: str):
    """(where, msgstr, homework) for every translated entry of `domain`."""
    with open(LOCALE_DIR / f"{domain}.po", "rb") as fp:
        for message in read_po(fp):
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            where = f"{domain}: {(message.id if isinstance(message.id, str) else message.id[0])[:50]!r}"
            # Entries of the homework pages only: branch `labs` rewrites those pages.
            homework = bool(message.auto_comments) and all(c.startswith("8.hw") for c in message.auto_comments)
            for string in strings:
                yield where, string, homework


def glossary_strings():
    for entry in yaml.safe_load((ROOT / "lessons" / "course" / "glossary.yaml").read_text(encoding="utf-8")):
        yield f"glossary: {entry['term']}", entry["zh"], False


def chinese_strings(homework: bool) -> list[tuple[str, str]]:
    found = [*catalog_strings("lessons"), *catalog_strings("tui"), *glossary_strings()]
    return [(where, string) for where, string, is_homework in found if is_homework == homework]


def violations(strings) -> list[str]:
    return [f"{where}: {why}: …{string[max(0, m.start() - 12):m.end() + 12]}…"
            for pattern, why in REFUSED for where, string in strings
            for m in [re.search(pattern, string)] if m]


def test_one_term_per_concept_and_chinese_typography():
    found = violations(chinese_strings(homework=False))
    assert not found, "\n".join(found)


def test_the_homework_pages_follow_the_same_rules():
    assert not violations(chinese_strings(homework=True))


def test_logits_are_glossed_where_they_are_introduced():
    glossary = {term: zh for term, zh in ((w.split(": ", 1)[1], s) for w, s, _ in glossary_strings())}
    assert glossary["logits"] == "logits（未归一化分数）"
    assert glossary["oscillation"] == "振荡"
    introduced = [s for where, s, _ in catalog_strings("lessons") if re.search(r"`?logits`?（未归一化分数）", s)]
    assert introduced, "8.1 introduces logits with the gloss 未归一化分数"


@pytest.mark.parametrize("bad", [
    "第 8.3 课", "来回震荡", "{axis}（对数刻度）", "要传原始分数", "或随机失活：", "比它小 3 倍", "缩小十倍",
    "放之四海皆准", "第 8 章「梯度与优化器」", "搜索命令…", "{path} ……", "作业 1 — 手算损失",
    "**MSE（8.1）。** 初稿", "**初稿这里有误。**初稿", "**MSE（8.1）**。**为什么是 1e-4？**这是",
    "- **梯度 = 斜率；负梯度 = 修正的方向。**梯度指向上坡",
])
def test_each_rule_refuses_what_the_review_found(bad):
    assert violations([("sample", bad)])


@pytest.mark.parametrize("good", [
    "第 8.3 节", "来回振荡", "{axis}（对数坐标）", "要传 logits", "随机失活（dropout）", "它的 1/3 和 3 倍",
    "只有它的五千分之一", "如果……会怎样？", "第 8 章“梯度与优化器”", "作业 1——手算损失",
    "**MSE（8.1）**。初稿", "**Adam** 的二阶矩", "每步只放大 19 倍", "**初稿这里有误**。**要点**：",
    "**“SGD 慢，Adam 快”**（8.4）：", "第一句。**第二句**：",
])
def test_the_rules_let_good_chinese_through(good):
    assert not violations([("sample", good)])
