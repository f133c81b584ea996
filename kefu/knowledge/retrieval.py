"""Which FAQ entry a shopper's question means: BM25 over jieba words of the questions and
their similar questions, blended with character n-gram similarity.

Why both: BM25 weighs the rare, telling words (发票, 运费险) and ignores the filler every
question shares; character n-grams catch what segmentation splits differently or a
shopper misspells (退贷, 尺吗). Texts are folded first (full-width → half-width,
traditional → simplified: ``kefu.understanding.normalize.fold``), and a few colloquial
words are mapped to one spelling (咋/如何 → 怎么), so 請問怎麼退貨 and 如何退货 read alike.

Each question and each similar question is a document; an entry scores as its best
document. Scores are 0–1 so one threshold works for every shop: BM25 is divided by the
summed idf of the query's words (what a document holding each word once would score),
n-grams use the cosine of character 1–2-gram counts."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kefu.lib.segment import jieba_module
from kefu.understanding.normalize import fold

K1 = 1.2
B = 0.75
BM25_WEIGHT = 0.6  # the rest is the character n-gram similarity
ANSWER_AT = 0.5  # at or above, and MARGIN ahead of the next: the bot answers with the best
MARGIN = 0.1
SUGGEST_AT = 0.25  # otherwise, from here up: "did you mean" with the best few
MAX_CHOICES = 3

# Words every question has; they say nothing about which one it is.
STOPWORDS = frozenset(
    (
        "的", "了", "吗", "呢", "吧", "啊", "呀", "哦", "哈", "么", "嘛", "亲", "请问", "问下",
        "问一下", "一下", "你好", "您好", "你们", "您", "我", "我的", "我们", "是", "有", "在",
        "就", "都", "也", "还", "这个", "那个", "这", "那", "可以", "能", "能不能", "可不可以",
        "要", "想", "会", "给", "下", "个", "怎么", "什么", "多少", "哪", "哪里", "为什么",
    )
)  # fmt: skip
# Colloquial spellings folded to one (applied to the folded text before segmenting).
SYNONYMS = (
    ("咋", "怎么"), ("如何", "怎么"), ("怎样", "怎么"), ("啥", "什么"), ("多久", "多长时间"),
    ("几天", "多长时间"), ("快递", "物流"), ("开票", "开发票"), ("优惠卷", "优惠券"),
    ("码数", "尺码"), ("尺寸", "尺码"), ("退款", "退钱"), ("换个", "换"),
)  # fmt: skip
_NOT_WORD = re.compile(r"[^\w]+")


def clean(text: str) -> str:
    """Folded, lower-cased, colloquial words mapped, punctuation and spaces removed."""
    folded = fold(text).lower()
    for word, same in SYNONYMS:
        folded = folded.replace(word, same)
    return _NOT_WORD.sub("", folded)


def words(text: str) -> list[str]:
    """The telling words of ``text`` (jieba, without stopwords)."""
    return [w for w in jieba_module().lcut(clean(text)) if w not in STOPWORDS]


def _grams(text: str) -> Counter[str]:
    cleaned = clean(text)
    return Counter(list(cleaned) + [cleaned[i : i + 2] for i in range(len(cleaned) - 1)])


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: int
    score: float
    matched: str  # the question or similar question that matched best


@dataclass(frozen=True, slots=True)
class _Document:
    entry_id: int
    text: str
    terms: Counter[str]
    grams: Counter[str]
    length: int


class FaqIndex:
    """The searchable form of a shop's FAQ entries, built once per change of them."""

    def __init__(self, entries: Iterable[tuple[int, Sequence[str]]]) -> None:
        """``entries``: each entry's id and its texts (question first, then similar)."""
        self.documents: list[_Document] = []
        for entry_id, texts in entries:
            for text in texts:
                terms = Counter(words(text))
                self.documents.append(
                    _Document(entry_id, text, terms, _grams(text), sum(terms.values()))
                )
        count = len(self.documents)
        self.average_length = sum(d.length for d in self.documents) / count if count else 0.0
        frequency: Counter[str] = Counter()
        for document in self.documents:
            frequency.update(document.terms.keys())
        self.idf = {
            term: math.log(1 + (count - n + 0.5) / (n + 0.5)) for term, n in frequency.items()
        }

    def _bm25(self, query: Sequence[str], document: _Document) -> float:
        score = 0.0
        for term in query:
            tf = document.terms.get(term, 0)
            if tf:
                norm = 1 - B + B * document.length / (self.average_length or 1)
                score += self.idf[term] * tf * (K1 + 1) / (tf + K1 * norm)
        return score

    def search(self, question: str, limit: int = MAX_CHOICES) -> list[Hit]:
        """The best entries for ``question``, best first, each once, score 0–1."""
        query = list(dict.fromkeys(words(question)))
        # A word no entry uses still counts against the match: it is part of the question.
        unknown = math.log(1 + (len(self.documents) + 0.5) / 0.5)
        ceiling = sum(self.idf.get(term, unknown) for term in query)
        grams = _grams(question)
        best: dict[int, Hit] = {}
        for document in self.documents:
            lexical = min(1.0, self._bm25(query, document) / ceiling) if ceiling else 0.0
            score = BM25_WEIGHT * lexical + (1 - BM25_WEIGHT) * _cosine(grams, document.grams)
            known = best.get(document.entry_id)
            if score > 0 and (known is None or score > known.score):
                best[document.entry_id] = Hit(document.entry_id, round(score, 4), document.text)
        ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.entry_id))
        return ranked[:limit]
