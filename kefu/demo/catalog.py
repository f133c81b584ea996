"""The demo shop's products: clothing with size charts, cosmetics, electronics (pure).

Attributes hold the facts agents quote to shoppers every day: 尺码表 (height/weight per
size), 肤质 and 规格 for cosmetics, 型号 and 保修 for electronics."""

from __future__ import annotations

from typing import Any

SIZE_CHART = {
    "S": "身高155-160cm，体重45-52kg",
    "M": "身高160-168cm，体重52-60kg",
    "L": "身高168-175cm，体重60-70kg",
    "XL": "身高175-182cm，体重70-80kg",
}

# (code, title, price in yuan, fabric, colours)
CLOTHING: tuple[tuple[str, str, int, str, tuple[str, ...]], ...] = (
    ("TS01", "纯棉圆领短袖T恤 男款", 79, "100%棉", ("白色", "黑色", "雾霾蓝")),
    ("TS02", "宽松落肩短袖T恤 女款", 69, "95%棉 5%氨纶", ("奶白", "浅粉", "燕麦")),
    ("PL01", "商务休闲Polo衫", 159, "冰丝棉", ("藏青", "白色")),
    ("SH01", "法式泡泡袖衬衫", 189, "100%棉", ("白色", "淡蓝")),
    ("SH02", "免烫长袖白衬衫 男款", 199, "60%棉 40%聚酯纤维", ("白色",)),
    ("DR01", "碎花雪纺连衣裙 收腰显瘦", 239, "100%聚酯纤维", ("碎花蓝", "碎花黄")),
    ("DR02", "针织吊带长裙", 169, "粘纤混纺", ("黑色", "杏色")),
    ("JN01", "高腰直筒牛仔裤", 219, "98%棉 2%氨纶", ("浅蓝", "深蓝")),
    ("JN02", "弹力修身牛仔裤 男款", 229, "98%棉 2%氨纶", ("深蓝", "黑色")),
    ("PT01", "冰丝阔腿裤 夏季薄款", 129, "冰丝", ("黑色", "卡其")),
    ("PT02", "工装束脚休闲裤", 179, "100%棉", ("军绿", "黑色")),
    ("HD01", "加绒连帽卫衣", 199, "棉 + 加绒内里", ("灰色", "黑色", "奶白")),
    ("HD02", "情侣款圆领卫衣", 169, "100%棉", ("藏青", "白色")),
    ("KN01", "羊毛混纺针织开衫", 299, "30%羊毛 70%腈纶", ("米白", "驼色")),
    ("JK01", "轻薄防风夹克", 329, "锦纶", ("黑色", "卡其")),
    ("JK02", "牛仔外套 复古水洗", 259, "100%棉", ("浅蓝",)),
    ("CT01", "双面呢羊毛大衣", 899, "80%羊毛 20%锦纶", ("驼色", "黑色")),
    ("DN01", "90白鸭绒轻薄羽绒服", 599, "面料锦纶，填充90%白鸭绒", ("黑色", "藏青", "白色")),
    ("DN02", "加厚中长款羽绒服", 999, "面料聚酯纤维，填充90%白鸭绒", ("黑色", "米白")),
    ("SP01", "速干运动套装", 259, "聚酯纤维", ("黑色", "灰色")),
    ("YG01", "高弹瑜伽裤 裸感", 149, "锦纶 + 氨纶", ("黑色", "雾粉")),
    ("PJ01", "纯棉家居服睡衣套装", 139, "100%棉", ("粉格", "蓝格")),
    ("SK01", "A字半身裙 百搭", 139, "聚酯纤维", ("黑色", "卡其")),
    ("VS01", "针织马甲 叠穿款", 119, "腈纶混纺", ("米白", "灰色")),
)

# (code, title, price in yuan, skin types, size, shelf life)
BEAUTY: tuple[tuple[str, str, int, str, str, str], ...] = (
    ("SR01", "玻尿酸补水精华液", 159, "所有肤质，尤其干性", "30ml", "3年"),
    ("SR02", "烟酰胺亮肤精华", 189, "中性、混合性", "30ml", "3年"),
    ("SR03", "修护舒缓精华 敏感肌可用", 229, "敏感肌", "50ml", "3年"),
    ("CR01", "保湿面霜 清爽型", 139, "油性、混合性", "50g", "3年"),
    ("CR02", "滋润修护面霜", 199, "干性", "50g", "3年"),
    ("CR03", "抗皱紧致眼霜", 259, "所有肤质", "15g", "3年"),
    ("CL01", "氨基酸洁面乳", 69, "所有肤质，敏感肌可用", "120g", "3年"),
    ("CL02", "温和卸妆水", 89, "所有肤质", "400ml", "3年"),
    ("TN01", "补水爽肤水", 99, "干性、中性", "200ml", "3年"),
    ("MK01", "保湿补水面膜 10片装", 99, "所有肤质", "25ml×10片", "3年"),
    ("SS01", "清爽防晒乳 SPF50+ PA++++", 129, "油性、混合性", "50ml", "3年"),
    ("SS02", "温和物理防晒霜", 149, "敏感肌", "40ml", "3年"),
    ("LP01", "丝绒哑光口红 #正红", 119, "—", "3.5g", "3年"),
    ("LP02", "水光唇釉 #豆沙", 99, "—", "4ml", "3年"),
    ("FD01", "轻薄持妆粉底液", 219, "油性、混合性", "30ml", "3年"),
    ("CU01", "遮瑕气垫 自然色", 189, "中性、混合性", "12g×2", "3年"),
    ("EY01", "大地色眼影盘 9色", 159, "—", "9g", "3年"),
    ("HB01", "香氛身体乳", 89, "所有肤质", "250ml", "3年"),
)

# (code, title, price in yuan, model, warranty, colours)
DIGITAL: tuple[tuple[str, str, int, str, str, tuple[str, ...]], ...] = (
    ("EB01", "真无线降噪蓝牙耳机", 399, "XL-TWS Pro 2", "1年全国联保", ("白色", "黑色")),
    ("EB02", "运动挂耳蓝牙耳机", 199, "XL-SPORT 1", "1年全国联保", ("黑色",)),
    ("HP01", "头戴式主动降噪耳机", 899, "XL-HP 700", "1年全国联保", ("黑色", "银色")),
    ("PB01", "20000mAh快充充电宝", 159, "XL-PB20", "1年换新", ("白色", "黑色")),
    ("PB02", "磁吸无线充电宝 10000mAh", 229, "XL-MAG10", "1年换新", ("白色", "紫色")),
    ("CH01", "65W氮化镓快充充电器", 129, "XL-GaN65", "1年换新", ("白色",)),
    ("CB01", "Type-C编织快充数据线 2条装", 39, "XL-C100", "6个月换新", ("白色", "黑色")),
    ("SW01", "智能手表 血氧心率监测", 699, "XL-Watch 3", "1年全国联保", ("黑色", "粉色")),
    ("BD01", "智能手环 长续航", 199, "XL-Band 6", "1年全国联保", ("黑色",)),
    ("SP01", "便携蓝牙音箱 防水", 259, "XL-Boom Mini", "1年全国联保", ("蓝色", "黑色")),
    ("KB01", "机械键盘 87键 茶轴", 349, "XL-K87", "1年全国联保", ("白色", "黑色")),
    ("MS01", "无线静音鼠标", 89, "XL-M2", "1年换新", ("灰色", "白色")),
    ("HB01", "USB-C扩展坞 7合1", 199, "XL-HUB7", "1年换新", ("灰色",)),
    ("SS01", "平板电脑支架 铝合金", 79, "XL-Stand", "1年换新", ("银色",)),
    ("LP01", "护眼LED台灯", 239, "XL-Lamp S", "2年质保", ("白色",)),
    ("CM01", "家用智能摄像头 2K", 299, "XL-Cam 2K", "1年全国联保", ("白色",)),
    ("SD01", "256GB高速存储卡", 159, "XL-SD256", "5年质保", ("黑色",)),
    ("EP01", "电动牙刷 声波", 299, "XL-Brush S1", "2年质保", ("白色", "粉色")),
)


def _stock(seed_text: str) -> int:
    """A stable, varied stock figure (a few items low or sold out, as in a real shop)."""
    value = sum(ord(ch) * (i + 1) for i, ch in enumerate(seed_text)) % 400
    return 0 if value < 15 else value


def _record(
    category: str, prefix: str, code: str, title: str, yuan: int, attributes: dict[str, Any]
) -> dict[str, Any]:
    external_id = f"{prefix}-{code}"
    return {
        "external_id": external_id,
        "sku": f"XL{prefix}{code}",
        "title": title,
        "category": category,
        "price_cents": yuan * 100,
        "stock": _stock(external_id),
        "attributes": attributes,
        "url": f"https://shop.example/xiaolu/items/{external_id.lower()}",
        "image_url": None,
    }


def products() -> list[dict[str, Any]]:
    """All 60 products as upsert records for ``do_upsert_products``."""
    records = [
        _record(
            "服装",
            "CL",
            code,
            title,
            yuan,
            {
                "尺码表": SIZE_CHART,
                "面料": fabric,
                "颜色": list(colours),
                "洗涤": "30℃以下水洗，不可漂白，反面低温熨烫",
            },
        )
        for code, title, yuan, fabric, colours in CLOTHING
    ]
    records += [
        _record(
            "美妆",
            "BT",
            code,
            title,
            yuan,
            {"肤质": skin, "规格": size, "保质期": shelf_life, "产地": "中国·上海"},
        )
        for code, title, yuan, skin, size, shelf_life in BEAUTY
    ]
    records += [
        _record(
            "数码",
            "DG",
            code,
            title,
            yuan,
            {"型号": model, "保修": warranty, "颜色": list(colours)},
        )
        for code, title, yuan, model, warranty, colours in DIGITAL
    ]
    return records
