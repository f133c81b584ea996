"""CIC labels that map clearly onto our 31 intent codes, for checking the default model
on shopper messages nobody here wrote (evaluation only: CIC text is never trained on).

Only labels whose meaning is one of ours are listed; labels that straddle several codes
(买家表示拍错了, 买家咨询到货时间, 买家表达不满/生气 …) or that we have no code for are left
out. CIC labels are noisy and its sentences are chat fragments out of context, so even a
perfect model would not agree with all of them."""

from __future__ import annotations

CIC_TO_CODE = {
    "3": "insale.cancel_order",  # 买家表示不想要了
    "5": "general.thanks",  # 买家表示好的
    "7": "general.thanks",  # 买家表示麻烦卖家，表达感谢
    "12": "aftersale.wrong_item",  # 买家表示商家发错货了
    "18": "aftersale.refund",  # 买家表示无法申请退款
    "20": "logistics.delay",  # 买家表示物流太慢了
    "22": "aftersale.return",  # 买家表示需要退货退款
    "26": "presale.promotion",  # 买家表示优惠券无法使用
    "29": "insale.urge_shipment",  # 买家催促发货
    "31": "general.greeting",  # 买家打招呼
    "33": "general.thanks",  # 买家发送结束语
    "34": "insale.invoice",  # 买家发送开票信息
    "36": "aftersale.quality",  # 买家反馈收到的商品有问题
    "38": "presale.bargain",  # 买家讨价还价
    "49": "insale.modify_order",  # 买家要求修改收件信息
    "52": "presale.stock",  # 买家咨询补货/上货时间
    "54": "presale.shipping",  # 买家咨询发货时间
    "55": "presale.shipping",  # 买家咨询发什么快递
    "56": "aftersale.review",  # 买家咨询返现方式
    "57": "aftersale.review",  # 买家咨询返现金额
    "58": "aftersale.review",  # 买家咨询返现时间
    "60": "presale.promotion",  # 买家咨询活动规则
    "61": "logistics.track",  # 买家咨询快递单号
    "62": "presale.bargain",  # 买家咨询买多件能否优惠
    "67": "insale.invoice",  # 买家咨询能否开发票及发票类型和寄送时间
    "71": "presale.promotion",  # 买家咨询如何领取优惠券
    "77": "presale.product_info",  # 买家咨询商品的材质/面料
    "82": "presale.compare",  # 买家咨询商品区别
    "86": "presale.promotion",  # 买家咨询商品是否有赠品
    "87": "aftersale.warranty",  # 买家咨询商品是否有质保，质保多久
    "89": "presale.authenticity",  # 买家咨询商品质量是否有保障
    "90": "presale.product_info",  # 买家咨询商品重量
    "92": "presale.bargain",  # 买家咨询是否可以打折
    "93": "presale.shipping",  # 买家咨询是否可以发顺丰
    "94": "presale.bargain",  # 买家咨询是否可以改价
    "96": "insale.payment",  # 买家咨询是否可以微信支付
    "97": "presale.shipping",  # 买家咨询是否可以指定快递
    "98": "aftersale.review",  # 买家咨询是否有好评返现
    "99": "presale.promotion",  # 买家咨询是否有活动
    "102": "presale.product_info",  # 买家咨询是否有味道
    "104": "aftersale.return",  # 买家咨询退换货规则
    "108": "aftersale.refund",  # 买家咨询退款金额
    "109": "aftersale.refund",  # 买家咨询退款去向
    "110": "aftersale.refund",  # 买家咨询退款时间
    "111": "logistics.track",  # 买家咨询物流信息
    "112": "presale.promotion",  # 买家咨询优惠券使用规则
}
