"""Chinese places for demo addresses and parcel timelines (pure data and functions)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    province: str
    name: str
    postcode: str
    districts: tuple[str, ...]
    streets: tuple[str, ...]
    weight: int  # rough share of orders: big cities buy more


CITIES: tuple[City, ...] = (
    City(
        "上海市",
        "上海市",
        "200000",
        ("浦东新区", "徐汇区", "静安区", "闵行区", "杨浦区"),
        ("张杨路", "漕溪北路", "南京西路", "莘庄路", "国定路"),
        10,
    ),
    City(
        "北京市",
        "北京市",
        "100000",
        ("朝阳区", "海淀区", "东城区", "丰台区"),
        ("建国路", "中关村大街", "东直门内大街", "丰台北路"),
        9,
    ),
    City(
        "广东省",
        "广州市",
        "510000",
        ("天河区", "越秀区", "海珠区", "番禺区"),
        ("天河路", "中山五路", "江南大道", "市桥街"),
        8,
    ),
    City(
        "广东省",
        "深圳市",
        "518000",
        ("南山区", "福田区", "宝安区", "龙岗区"),
        ("科技园路", "深南大道", "新安六路", "龙翔大道"),
        8,
    ),
    City(
        "浙江省",
        "杭州市",
        "310000",
        ("西湖区", "拱墅区", "滨江区", "余杭区"),
        ("文三路", "莫干山路", "江南大道", "文一西路"),
        7,
    ),
    City(
        "江苏省",
        "南京市",
        "210000",
        ("鼓楼区", "玄武区", "建邺区", "江宁区"),
        ("中山北路", "珠江路", "江东中路", "双龙大道"),
        5,
    ),
    City(
        "江苏省",
        "苏州市",
        "215000",
        ("姑苏区", "工业园区", "吴中区"),
        ("人民路", "星湖街", "东吴北路"),
        5,
    ),
    City(
        "四川省",
        "成都市",
        "610000",
        ("武侯区", "锦江区", "高新区", "金牛区"),
        ("人民南路", "春熙路", "天府大道", "一环路北段"),
        6,
    ),
    City(
        "湖北省",
        "武汉市",
        "430000",
        ("武昌区", "洪山区", "江汉区"),
        ("中南路", "珞喻路", "建设大道"),
        5,
    ),
    City(
        "重庆市",
        "重庆市",
        "400000",
        ("渝中区", "江北区", "渝北区"),
        ("解放碑步行街", "观音桥步行街", "新牌坊路"),
        4,
    ),
    City(
        "陕西省",
        "西安市",
        "710000",
        ("雁塔区", "碑林区", "未央区"),
        ("长安南路", "东大街", "凤城八路"),
        4,
    ),
    City(
        "湖南省",
        "长沙市",
        "410000",
        ("岳麓区", "芙蓉区", "天心区"),
        ("麓山南路", "五一大道", "芙蓉南路"),
        4,
    ),
    City(
        "河南省",
        "郑州市",
        "450000",
        ("金水区", "郑东新区", "二七区"),
        ("花园路", "商务外环路", "大学路"),
        3,
    ),
    City(
        "山东省",
        "青岛市",
        "266000",
        ("市南区", "崂山区", "黄岛区"),
        ("香港中路", "海尔路", "长江中路"),
        3,
    ),
    City("福建省", "厦门市", "361000", ("思明区", "湖里区"), ("湖滨南路", "仙岳路"), 3),
    City(
        "天津市",
        "天津市",
        "300000",
        ("和平区", "南开区", "河西区"),
        ("南京路", "鞍山西道", "友谊路"),
        3,
    ),
    City("安徽省", "合肥市", "230000", ("蜀山区", "包河区"), ("长江西路", "马鞍山路"), 2),
    City("辽宁省", "沈阳市", "110000", ("和平区", "沈河区"), ("中华路", "青年大街"), 2),
    City("云南省", "昆明市", "650000", ("五华区", "盘龙区"), ("人民中路", "北京路"), 2),
    City("黑龙江省", "哈尔滨市", "150000", ("南岗区", "道里区"), ("西大直街", "中央大街"), 1),
)

# Where parcels leave from, and the sorting hubs they pass through on the way.
WAREHOUSE = CITIES[4]  # 杭州
HUBS = ("杭州转运中心", "上海转运中心", "武汉转运中心", "广州转运中心", "北京转运中心")

ESTATES = (
    "阳光花园",
    "锦绣家园",
    "金色家园",
    "翠湖苑",
    "碧桂园",
    "万科城",
    "绿城桂花园",
    "龙湖春江郦城",
    "保利香槟国际",
    "华润城",
    "世纪新城",
    "幸福里",
)


def pick_city(rng: random.Random) -> City:
    """A city, weighted towards the big ones where most online orders go."""
    return rng.choices(CITIES, weights=[c.weight for c in CITIES])[0]


def street_line(rng: random.Random, city: City) -> str:
    """A delivery line such as 「文三路138号翠湖苑3幢2单元501室」."""
    street, estate = rng.choice(city.streets), rng.choice(ESTATES)
    room = f"{rng.randint(1, 28)}{rng.randint(1, 4):02d}"
    return (
        f"{street}{rng.randint(1, 999)}号{estate}"
        f"{rng.randint(1, 20)}幢{rng.randint(1, 4)}单元{room}室"
    )


def address(rng: random.Random, city: City, name: str, phone: str) -> dict[str, str]:
    """An order's delivery address in the shape the order model stores."""
    return {
        "name": name,
        "phone": phone,
        "province": city.province,
        "city": city.name,
        "district": rng.choice(city.districts),
        "line": street_line(rng, city),
        "postcode": city.postcode,
        "country": "CN",
    }
