"""Rising topics: a sudden run of complaints about one jacket's zipper stands out from the
usual questions about delivery, sizes and prices, and is shown with its words and
messages to read."""

from __future__ import annotations

import random

from kefu.lib.topics import group_by_frequent_words, min_support, rising_score, rising_topics, words
from kefu.understanding.normalize import fold

# What shoppers ask every week, in their own words.
LOGISTICS = [
    "快递怎么还没到",
    "我的快递三天没动了",
    "什么时候发货",
    "物流信息一直不更新",
    "能发顺丰吗",
    "快递到哪里了",
    "今天能发货吗",
    "几天能到上海",
    "物流显示已签收但我没收到",
    "发的什么快递",
    "可以催一下发货吗",
    "下单两天了还没发货",
    "快递停在中转站好几天了",
    "能不能发邮政",
]
SIZES = [
    "我165cm 110斤穿什么码",
    "这件衣服偏大还是偏小",
    "平时穿M码这款要拿L吗",
    "尺码表在哪里看",
    "腰围二尺一穿什么尺码",
    "裤长是多少",
    "我胸围90穿哪个码",
    "鞋子是标准码吗",
    "170斤能穿XL吗",
    "S码肩宽多少",
    "尺码偏小的话要大一码吗",
    "小个子穿会不会太长",
]
PRICES = [
    "能便宜点吗",
    "有优惠券吗",
    "两件能不能少点",
    "现在有什么活动",
    "双十一还会降价吗",
    "满减怎么算",
    "优惠券怎么领",
    "会员有折扣吗",
    "价格能再少一点吗",
    "拍下能改价吗",
    "有没有包邮",
    "第二件半价吗",
]
ZIPPER = [
    "拉链坏了",
    "外套的拉链拉不上",
    "拉链卡住了拉不动",
    "刚收到拉链就坏了怎么办",
    "拉链头掉了",
    "羽绒服拉链拉不上去",
    "拉链齿掉了一颗",
    "穿了一天拉链就坏了",
    "拉链总是卡住",
    "外套拉鏈壞了",  # traditional characters, folded to 拉链坏了
    "拉链拉到一半就卡住",
    "拉链质量太差了",
]
FILLER = ["在吗", "你好", "谢谢", "好的"]


def _chatter(rng: random.Random, n: int) -> list[str]:
    topics = (LOGISTICS, SIZES, PRICES)
    return [rng.choice(rng.choice(topics)) for _ in range(n)] + rng.sample(FILLER, 2)


def test_a_sudden_zipper_cluster_is_the_top_rising_topic():
    rng = random.Random(7)
    reference = [*_chatter(rng, 360), "拉链坏了"]  # one zipper complaint in four weeks
    recent = _chatter(rng, 90) + [rng.choice(ZIPPER) for _ in range(30)]
    recent.append("<script>alert(1)</script>拉链坏了")
    rng.shuffle(recent)

    topics = rising_topics(recent, reference, fold=fold, limit=5)

    top = topics[0]
    assert "拉链" in top.terms
    examples = [recent[i] for i in top.examples]
    assert len(examples) == 3 and len(set(examples)) == 3
    assert all("拉链" in fold(e) for e in examples)
    # All of the week's 31 zipper messages (拉链头 and 拉鏈 included), the one from before.
    assert sum("拉链" in fold(t) for t in recent) == 31
    assert (top.now, top.before) == (31, 1)
    assert top.rising > 3 * max(t.rising for t in topics[1:])
    assert top.share_now > 0.2 > top.share_before


def test_ordinary_weeks_have_no_topic_rising_far():
    rng = random.Random(11)
    topics = rising_topics(_chatter(rng, 120), _chatter(rng, 480), fold=fold)
    assert topics, "the usual questions still form topics"
    assert max(t.rising for t in topics) < 3


def test_traditional_characters_and_filler_are_folded_away():
    found = words("外套拉鏈壞了嗎？訂單號 20261101000123", fold)
    assert found == ["外套", "拉链", "坏", "订单", "单号", "订单号"]  # search mode: parts too
    assert words("亲，在吗？", fold) == []


def test_nothing_to_group_gives_no_topics():
    assert rising_topics([], []) == []
    assert rising_topics(["在吗", "你好"], ["谢谢"]) == []


def test_the_commonest_word_takes_its_messages_first():
    documents = [["拉链", "坏"], ["拉链", "卡住"], ["快递", "没到"], ["拉链"], ["快递"], ["在"]]
    # 拉链 covers three, then 快递 the two left; 坏, 卡住, 没到 and 在 cover too few.
    assert group_by_frequent_words(documents, 2) == [[0, 1, 3], [2, 4]]
    assert min_support(100) == 3
    assert min_support(4000) == 20


def test_rising_is_the_excess_over_the_reference_share_in_count_deviations():
    # 100 recent, 400 reference messages in 4 topics; 9 of the reference in this one:
    # expected 100 × 10 / 404 = 2.475…; (20 − 2.475) / √3.475 = 9.40
    assert round(rising_score(20, 9, 100, 400, 4), 2) == 9.40
    # The same share as before: about nothing.
    assert abs(rising_score(25, 99, 100, 400, 4)) < 0.1
