"""What of a shopper's message stays in Kefu when the message is sent to the optional LLM:
phone numbers (masked as on every page), e-mail addresses, and the house, building and
room numbers of an address; order numbers, tracking numbers, sizes and dates stay whole,
since a reply needs them."""

from __future__ import annotations

import pytest

from kefu.lib.masking import mask_text


@pytest.mark.parametrize(
    ("said", "sent"),
    [
        ("我电话13812345678", "我电话138****5678"),
        ("+86 138 1234 5678 打这个", "138****5678 打这个"),
        ("8613812345678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("邮箱 zhang.wei@example.com 收发票", "邮箱 z***@example.com 收发票"),
        ("杭州市西湖区文三路90号3栋502室", "杭州市西湖区文三路**号**栋**室"),
        ("幸福小区5号楼2单元301", "幸福小区**号楼**单元**"),
    ],
)
def test_contact_details_are_masked(said, sent):
    assert mask_text(said) == sent


@pytest.mark.parametrize(
    "said",
    [
        "订单E3001001到哪了",
        "运单号ZTO7300000001",
        "订单 XL2026112000012",
        "我穿42号，12月3号能到吗",
        "尾号5678",
    ],
)
def test_what_a_reply_needs_stays_whole(said):
    assert mask_text(said) == said
