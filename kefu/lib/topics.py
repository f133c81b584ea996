"""Rising topics in shoppers' messages: what shoppers write about much more this week than
before (a sudden run of messages about one product's zipper among the usual logistics,
size and price questions), with the words that make each topic and a few messages to read.

How: the messages of both windows are segmented into words (jieba) without filler words.
Topics are grouped by frequent words (frequent-term clustering, Beil, Ester & Xu 2002):
the word found in the most messages not yet in a topic starts a topic and takes those
messages, again and again, while a word still covers ``min_support`` messages. Messages
are short (three to ten words), so k-means on their TF-IDF vectors, tried first, put most
of them into one catch-all cluster and split the zipper complaints across three (拉链坏 /
拉链卡住 / 拉链头掉 share only 拉链); a topic named by a word a person can read keeps them
together. TF-IDF still weighs what a topic is about: its shown words are the heaviest of
its messages' mean TF-IDF vector, and its examples the recent messages nearest to that.

Grouping both windows together makes a topic's size now and before comparable. A topic
rises when it holds more recent messages than its share of the reference window predicts:
``rising`` is that excess in standard deviations of a count, ``(now − expected) /
√(expected + 1)``, so a big jump in a big topic outranks a jump from one message to three.

Pure: no database, no I/O; the caller folds traditional characters (``fold``) and gives
the texts. scikit-learn is imported on first use (it takes a few seconds to load)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from kefu.lib.segment import jieba_module

MAX_TOPICS = 30
MIN_SUPPORT = 3  # a topic has at least this many messages …
SUPPORT_SHARE = 0.005  # … and at least this share of them all (20 of 4,000)
TERMS_SHOWN = 5
EXAMPLES_SHOWN = 3

# Filler of shoppers' messages: greetings, particles, pronouns, question words. A topic
# made of them ("请问 一下 吗") would say nothing about what shoppers need.
STOPWORDS = frozenset(
    (
        "的", "了", "吗", "呢", "吧", "啊", "呀", "哦", "哈", "么", "嘛", "啦", "喔", "嗯", "哎",
        "亲", "在", "在吗", "请问", "问下", "问一下", "一下", "你好", "您好", "你们", "您", "我",
        "我的", "我们", "你", "他", "她", "它", "是", "有", "就", "都", "也", "还", "又", "这个",
        "那个", "这", "那", "这件", "这款", "可以", "能", "能不能", "可不可以", "要", "想", "会",
        "给", "下", "个", "怎么", "什么", "多少", "哪", "哪里", "为什么", "怎么办", "和", "跟",
        "与", "或", "把", "被", "让", "对", "从", "到", "不", "没", "没有", "好", "谢谢",
        "麻烦", "一个", "已经", "现在", "今天", "还是", "但是", "因为", "所以", "如果", "就是",
        "客服", "老板", "掌柜", "店家", "宝贝", "东西", "一点", "有点", "一直", "怎样", "如何",
    )
)  # fmt: skip
_NOT_WORD = re.compile(r"[\W_]+")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Topic:
    """One group of messages. ``examples`` index the recent messages (the ones nearest
    the topic's centre, distinct texts), so the caller can show them with their ids."""

    terms: list[str]
    now: int  # recent messages in the topic
    before: int  # reference messages in the topic
    share_now: float  # of the recent messages that have a telling word
    share_before: float
    rising: float
    examples: list[int]


def words(text: str, fold: Callable[[str], str] = str) -> list[str]:
    """The telling words of one message: folded, lower-cased, segmented by jieba in search
    mode (a long word also gives the words inside it, so 拉链头 counts as 拉链 too), without
    filler words, punctuation and bare numbers (an order number is no topic)."""
    cleaned = _NUMBER.sub(" ", fold(text).lower())
    found = (_NOT_WORD.sub("", w) for w in jieba_module().lcut_for_search(cleaned))
    return [w for w in found if w and w not in STOPWORDS]


def rising_score(now: int, before: int, recent_total: int, reference_total: int, k: int) -> float:
    """How far ``now`` exceeds what the topic's share of the reference predicts, in
    standard deviations of a count; the share is smoothed (one message more in each of the
    ``k`` topics) so a topic absent before does not divide by zero."""
    expected = recent_total * (before + 1) / (reference_total + k)
    return (now - expected) / math.sqrt(expected + 1)


def min_support(messages: int) -> int:
    """How many messages a word must cover to start a topic among ``messages``."""
    return max(MIN_SUPPORT, math.ceil(messages * SUPPORT_SHARE))


def group_by_frequent_words(documents: Sequence[Sequence[str]], support: int) -> list[list[int]]:
    """Topics as lists of document indexes, biggest first: the word in the most documents
    not yet grouped takes them, while one still covers ``support``; the rest stay out."""
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for row, document in enumerate(documents):
        for word in set(document):
            rows.append(row)
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
    if not vocabulary:
        return []
    contains = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, columns)),
        shape=(len(documents), len(vocabulary)),
    )
    order = np.array(sorted(vocabulary, key=vocabulary.__getitem__))
    rank = np.argsort(np.argsort(order))  # ties go to the word first in code-point order
    ungrouped = np.ones(len(documents), dtype=bool)
    groups: list[list[int]] = []
    while len(groups) < MAX_TOPICS:
        coverage = np.asarray(contains[ungrouped].sum(axis=0)).ravel()
        best = int(np.lexsort((rank, -coverage))[0])
        if coverage[best] < support:
            break
        members = np.flatnonzero(ungrouped & (contains[:, best].toarray().ravel() > 0))
        groups.append(members.tolist())
        ungrouped[members] = False
    return groups


def rising_topics(
    recent: Sequence[str],
    reference: Sequence[str],
    *,
    fold: Callable[[str], str] = str,
    limit: int = 10,
) -> list[Topic]:
    """The topics of ``recent`` messages against ``reference`` ones, most rising first;
    only topics with a recent message, at most ``limit``. Empty when no word is shared by
    enough messages to make a topic."""
    documents = [words(text, fold) for text in (*recent, *reference)]
    groups = group_by_frequent_words(documents, min_support(len(documents)))
    if not groups:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True)
    weights = vectorizer.fit_transform(documents)
    terms = vectorizer.get_feature_names_out()
    recent_total, reference_total = len(recent), len(reference)
    topics = []
    for group in groups:
        members = np.array(group)
        now_members = members[members < recent_total]
        if not len(now_members):
            continue
        centre = np.asarray(weights[members].mean(axis=0)).ravel()
        before = len(members) - len(now_members)
        nearness = np.asarray(weights[now_members] @ centre).ravel()
        topics.append(
            Topic(
                terms=[
                    str(terms[i])
                    for i in np.argsort(-centre, kind="stable")[:TERMS_SHOWN]
                    if centre[i] > 0
                ],
                now=len(now_members),
                before=before,
                share_now=round(len(now_members) / recent_total, 4),
                share_before=round(before / reference_total, 4) if reference_total else 0.0,
                rising=round(
                    rising_score(
                        len(now_members), before, recent_total, reference_total, len(groups)
                    ),
                    2,
                ),
                examples=_examples(recent, now_members[np.argsort(-nearness, kind="stable")]),
            )
        )
    topics.sort(key=lambda t: (-t.rising, -t.now))
    return topics[:limit]


def _examples(recent: Sequence[str], nearest_first: np.ndarray) -> list[int]:
    """The first ``EXAMPLES_SHOWN`` of the recent messages, one per distinct text."""
    chosen: list[int] = []
    seen: set[str] = set()
    for index in nearest_first.tolist():
        text = recent[index].strip()
        if text not in seen:
            seen.add(text)
            chosen.append(index)
        if len(chosen) == EXAMPLES_SHOWN:
            break
    return chosen
