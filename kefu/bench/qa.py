"""``kefu bench qa``: replies per second through the quality inspector (phrase findings:
normalisation, the Aho–Corasick scan, exceptions, soft phrases, patterns and the
template-tone rule), on one core, in-process. Target: ≥ 100,000 replies/s.

Baseline, measured in the same run on the same replies: a loop of ``str.find`` over the
same phrase list (every word the inspector's automaton holds), every phrase looked for in
every reply as phrase findings need, with no normalisation and no rules.
``ratio`` = our replies/s / baseline replies/s (higher is better). The replies are a
realistic mix, four good ones for each bad one, cycled to the requested count;
each side runs ``REPEATS`` times and the fastest run counts.

The full check of ``kefu qa check`` (dictionary and trained classifier, one batch) is
timed too, on ``FULL_REPLIES`` of the same replies (``full_check_replies_per_second``),
once the classifier is ready: ``model_ready_seconds`` is what loading it took (or
training it, when the cache was empty)."""

from __future__ import annotations

import time
from collections.abc import Callable
from itertools import cycle, islice

from kefu.bench import BenchResult, Stopwatch, note

REPLIES = 200_000
QUICK_REPLIES = 20_000
REPEATS = 3
FULL_REPLIES = 20_000
QUICK_FULL_REPLIES = 2_000

GOOD = [
    "您好，有什么可以帮您的吗？",
    "您的订单已经发货了，快递单号是 SF1234567890，顺丰的",
    "身高165体重50公斤的话建议选S码",
    "退款已经原路退回，一般1到3个工作日到账",
    "这个尺码是没办法换的，不过可以给您办理退货，运费我们承担",
    "商品有正品保证，支持专柜验货",
    "非常抱歉让您久等了，我马上帮您查一下物流",
    "您先别着急，我这就帮您联系仓库加急处理",
    "我来帮您联系快递公司核实一下，稍后给您回复",
    "好的，已经为您修改地址为杭州市西湖区文三路 88 号，请您核对一下",
    "这款T恤是纯棉的，可以机洗，建议反面洗涤",
    "满299减30的活动今天还有效，您这一单刚好能用",
    "收到的商品有破损真的很抱歉，麻烦您拍一张照片给我，我这边马上给您补发",
    "亲，这款是今年的新款，面料比去年厚一些",
    "發票可以開的，您把抬頭和稅號發給我就行",
    "好的，感谢您的耐心，祝您生活愉快",
]
BAD = [
    "这都不懂吗？",
    "刚才不是说过了吗",
    "不行，规定就是这样。",
    "你爱买不买",
    "您别生气",
    "亲亲，您的问题我们已经收到了哦~请耐心等待哦~",
    "您自己联系快递吧",
    "保证明天一定到",
]


def corpus(count: int) -> list[str]:
    """``count`` replies: four good ones after each bad one, cycling through both lists."""
    good = cycle(GOOD)
    mixed = [reply for bad in BAD * 2 for reply in (bad, *islice(good, 4))]
    return list(islice(cycle(mixed), count))


def _fastest(
    label: str, work: Callable[[list[str]], int], replies: list[str]
) -> tuple[float, float]:
    """Wall and CPU seconds of the fastest run (CPU time is what one core spent, which a
    machine busy with other jobs distorts less than the wall clock)."""
    best, best_cpu = float("inf"), 0.0
    for attempt in range(1, REPEATS + 1):
        started = time.process_time()
        with Stopwatch() as watch:
            flagged = work(replies)
        cpu = time.process_time() - started
        note(
            f"  {label} run {attempt}: {watch.seconds:.3f} s (CPU {cpu:.3f} s), "
            f"{flagged} replies flagged"
        )
        if watch.seconds < best:
            best, best_cpu = watch.seconds, cpu
    return best, best_cpu


def run(quick: bool) -> BenchResult:
    from kefu.quality.inspector import default_inspector

    inspector = default_inspector()
    phrases = list(inspector.automaton.keys())
    replies = corpus(QUICK_REPLIES if quick else REPLIES)
    note(f"qa: {len(replies):,} replies, {len(phrases)} phrases")

    def ours(batch: list[str]) -> int:
        check = inspector.check
        return sum(1 for reply in batch if check(reply).findings)

    def baseline(batch: list[str]) -> int:
        return sum(1 for reply in batch if sum(1 for p in phrases if reply.find(p) >= 0))

    our_seconds, our_cpu = _fastest("inspector", ours, replies)
    base_seconds, base_cpu = _fastest("str.find loop", baseline, replies)
    value, base_value = len(replies) / our_seconds, len(replies) / base_seconds
    full = _full_check(replies[: QUICK_FULL_REPLIES if quick else FULL_REPLIES])
    return BenchResult(
        bench="qa",
        metric="replies_per_second",
        value=round(value),
        unit="replies/s",
        baseline="loop of str.find over the same phrase list; ratio = ours / baseline replies/s",
        baseline_value=round(base_value),
        ratio=round(value / base_value, 2),
        extra={
            "replies": len(replies),
            "phrases": len(phrases),
            "cpu_replies_per_second": round(len(replies) / our_cpu),
            "baseline_cpu_replies_per_second": round(len(replies) / base_cpu),
            **full,
        },
    )


def _full_check(replies: list[str]) -> dict[str, float]:
    """Replies/s of the dictionary and the classifier together, as ``kefu qa check``
    runs them (one batch), after the model is ready (loaded, or trained and cached)."""
    from kefu.quality.checker import check_replies
    from kefu.quality.classifier import default_model

    with Stopwatch() as ready:
        default_model()
    note(f"qa: classifier ready in {ready.seconds:.2f} s")
    batch = [(reply, None) for reply in replies]

    def full(chunk: list[tuple[str, None]]) -> int:
        return sum(1 for result in check_replies(chunk) if result.findings)

    seconds, cpu = _fastest("full check", full, batch)
    return {
        "full_check_replies": len(replies),
        "full_check_replies_per_second": round(len(replies) / seconds),
        "full_check_cpu_replies_per_second": round(len(replies) / cpu),
        "model_ready_seconds": round(ready.seconds, 2),
    }
