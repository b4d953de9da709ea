"""Who the simulated enterprises are: places, industries and names to draw from, each
enterprise's *profile* (drawn from ``(seed, uscc)`` alone, so every category agrees with it),
its legal representative's identity, and the calendar every record is dated by (relative to a
fixed "today", ``ANCHOR_DATE``, never the real clock)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from hub.identifiers import KNOWN_DIVISIONS, PROVINCES, make_resident_id

ANCHOR_DATE = date(2026, 9, 30)

# One-character province abbreviations (省级行政区简称), used in case, certificate and licence numbers.
PROVINCE_ABBREVIATIONS = {
    "11": "京",
    "12": "津",
    "13": "冀",
    "14": "晋",
    "15": "蒙",
    "21": "辽",
    "22": "吉",
    "23": "黑",
    "31": "沪",
    "32": "苏",
    "33": "浙",
    "34": "皖",
    "35": "闽",
    "36": "赣",
    "37": "鲁",
    "41": "豫",
    "42": "鄂",
    "43": "湘",
    "44": "粤",
    "45": "桂",
    "46": "琼",
    "50": "渝",
    "51": "川",
    "52": "黔",
    "53": "云",
    "54": "藏",
    "61": "陕",
    "62": "甘",
    "63": "青",
    "64": "宁",
    "65": "新",
    "71": "台",
    "81": "港",
    "82": "澳",
}
# Municipalities directly under the central government: the province is also the city.
MUNICIPALITIES = {"11", "12", "31", "50"}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红玉志新海波宁晨浩宇子轩欣怡佳琪思远俊峰雪梅文博鹏飞立"
)
TRADE_NAMES = [
    "华信",
    "恒达",
    "瑞丰",
    "金诚",
    "鼎盛",
    "宏远",
    "嘉禾",
    "中创",
    "天成",
    "汇通",
    "正元",
    "博睿",
    "新锐",
    "安泰",
    "永盛",
    "德润",
    "立方",
    "云帆",
    "启明",
    "众合",
    "丰源",
    "同舟",
    "卓越",
    "远航",
]
ROADS = [
    "花园路",
    "文化路",
    "金水路",
    "农业路",
    "中州大道",
    "建设路",
    "人民路",
    "解放路",
    "科学大道",
    "商都路",
    "未来路",
    "经三路",
    "纬五路",
    "长江路",
    "黄河路",
    "嵩山路",
]


@dataclass(frozen=True)
class Industry:
    """What an enterprise does decides its name, its licences and whether it burns gas."""

    name_word: str  # the word before 有限公司 in the enterprise name
    licence_names: tuple[str, ...]
    uses_gas: bool
    patent_subjects: tuple[str, ...]


INDUSTRIES = (
    Industry(
        "科技",
        ("增值电信业务经营许可证",),
        False,
        ("基于物联网的仓储温湿度监测装置", "数据采集终端的散热结构", "多源数据融合的信用评估方法"),
    ),
    Industry("商贸", ("食品经营许可证", "酒类商品零售许可证"), False, ("可折叠的货架结构", "商品陈列柜的照明组件")),
    Industry(
        "食品",
        ("食品生产许可证", "食品经营许可证"),
        True,
        ("速冻面点的成型装置", "发酵面团的恒温箱", "食品包装袋的封口机构"),
    ),
    Industry(
        "机械制造", ("排污许可证", "安全生产许可证"), True, ("数控机床的夹具", "减速机的密封结构", "钢板折弯的定位装置")
    ),
    Industry("建筑工程", ("建筑业企业资质证书", "安全生产许可证"), False, ("装配式墙板的连接件", "脚手架的防坠落装置")),
    Industry("物流", ("道路运输经营许可证",), False, ("冷链运输箱的温控装置", "货物分拣的输送线")),
    Industry("农业科技", ("农作物种子生产经营许可证",), False, ("小麦播种的施肥装置", "温室大棚的滴灌系统")),
)

INDUSTRY_BY_NAME_WORD = {industry.name_word: industry for industry in INDUSTRIES}

# Licence → (issuing department, the level that issues it).
LICENCE_AUTHORITIES = {
    "增值电信业务经营许可证": ("通信管理局", "province"),
    "食品经营许可证": ("市场监督管理局", "district"),
    "酒类商品零售许可证": ("商务局", "district"),
    "食品生产许可证": ("市场监督管理局", "city"),
    "排污许可证": ("生态环境局", "city"),
    "安全生产许可证": ("住房和城乡建设厅", "province"),
    "建筑业企业资质证书": ("住房和城乡建设局", "city"),
    "道路运输经营许可证": ("交通运输局", "district"),
    "农作物种子生产经营许可证": ("农业农村局", "city"),
}
# Penalising department → (level, the short form that opens its decision numbers: 郑市监罚〔2025〕12号).
PENALTY_AUTHORITIES = {
    "市场监督管理局": ("district", "市监"),
    "生态环境局": ("city", "环"),
    "应急管理局": ("district", "应急"),
    "城市管理局": ("district", "城管"),
    "消防救援支队": ("city", "消"),
}
JUDICIAL_CAUSES = (
    "买卖合同纠纷",
    "借款合同纠纷",
    "劳动争议",
    "房屋租赁合同纠纷",
    "建设工程施工合同纠纷",
    "服务合同纠纷",
    "承揽合同纠纷",
)
COMMITMENT_TITLES = (
    "行政许可告知承诺书",
    "证明事项告知承诺书",
    "申请财政资金信用承诺书",
    "守法诚信经营承诺书",
    "涉企信用修复承诺书",
)

# How long an administrative penalty stays public, in months, by severity: the shortest
# periods of the national credit-repair rules (失信行为纠正后的信用信息修复管理办法).
PUBLICITY_MONTHS = {"minor": 3, "ordinary": 12, "serious": 36}
PENALTY_AMOUNT_RANGES = {"minor": (200, 5_000), "ordinary": (5_000, 50_000), "serious": (50_000, 500_000)}


@dataclass(frozen=True)
class Locality:
    """Where the enterprise is registered, read from characters 3–8 of its USCC."""

    region_code: str
    province: str
    city: str  # the city, or the province when the city is not one the hub names
    district: str  # empty when the district is not one the hub names
    abbreviation: str

    @property
    def short_city(self) -> str:
        """郑州市 → 郑州, the form used inside enterprise names and certificate numbers."""
        for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市"):
            if self.city.endswith(suffix):
                return self.city[: -len(suffix)]
        return self.city

    @property
    def full_place(self) -> str:
        return "".join(dict.fromkeys(part for part in (self.province, self.city, self.district) if part))

    def authority(self, department: str, level: str = "district") -> str:
        """郑州市金水区市场监督管理局 at district level (the city's when the district is unknown),
        郑州市生态环境局 at city level, 河南省通信管理局 at province level."""
        if level == "province":
            return f"{self.province}{department}"
        if level == "district" and self.district:
            return f"{self.city}{self.district}{department}"
        return f"{self.city}{department}"

    @property
    def tax_bureau(self) -> str:
        return f"国家税务总局{self.city}{self.district}税务局"

    @property
    def basic_court(self) -> str:
        """The first-instance court for ordinary cases: the district court where known."""
        if self.district:
            return f"{self.city}{self.district}人民法院"
        return self.intermediate_court

    @property
    def basic_court_code(self) -> str:
        """Court codes in case numbers: 豫0105 for 金水区人民法院, 豫01 for 郑州市中级人民法院."""
        return f"{self.abbreviation}{self.region_code[2:6]}" if self.district else self.intermediate_court_code

    @property
    def intermediate_court(self) -> str:
        if self.region_code[:2] in MUNICIPALITIES:
            return f"{self.city}第一中级人民法院"
        if self.city == self.province:
            return f"{self.province}高级人民法院"
        return f"{self.city}中级人民法院"

    @property
    def intermediate_court_code(self) -> str:
        return f"{self.abbreviation}{self.region_code[2:4]}"


def locality_of(uscc: str) -> Locality:
    region_code = uscc[2:8]
    province = PROVINCES.get(region_code[:2], "")
    if region_code[:2] in MUNICIPALITIES:
        city = province
    else:
        city = KNOWN_DIVISIONS.get(region_code[:4] + "00", province)
    district = KNOWN_DIVISIONS.get(region_code, "") if not region_code.endswith("00") else ""
    return Locality(region_code, province, city, district, PROVINCE_ABBREVIATIONS.get(region_code[:2], ""))


@dataclass(frozen=True)
class Profile:
    """The facts every category of one enterprise agrees on."""

    uscc: str
    locality: Locality
    name: str
    trade_name: str
    legal_representative: str
    established_on: date
    industry: Industry
    headcount: int
    troubled: bool  # ~5%: listed as a dishonest debtor, arrears, low rating
    trades_abroad: bool


def profile_of(uscc: str, seed: str = "") -> Profile:
    """Who the enterprise is. Established by 2021, so that every periodic category has its
    full span of history before ``ANCHOR_DATE``."""
    rng = random.Random(f"{seed}|{uscc}|profile")
    locality = locality_of(uscc)
    industry = rng.choice(INDUSTRIES)
    trade_name = rng.choice(TRADE_NAMES)
    entity_type = uscc[1:2]
    if uscc[:2] == "92":  # 个体工商户: a shop, no 有限公司
        shop = rng.choice(("商行", "便利店", "经营部", "餐馆"))
        industry = INDUSTRY_BY_NAME_WORD["食品" if shop == "餐馆" else "商贸"]
        name = f"{locality.district or locality.short_city}{trade_name}{shop}"
    elif uscc[:2] == "93":  # 农民专业合作社
        industry = INDUSTRY_BY_NAME_WORD["农业科技"]
        name = f"{locality.short_city}{trade_name}{rng.choice(('种植', '养殖', '农机'))}专业合作社"
    else:
        name = f"{locality.short_city}{trade_name}{industry.name_word}{rng.choice(('有限公司', '有限公司', '有限责任公司'))}"
    size_weights = (0.45, 0.40, 0.15) if entity_type == "1" else (1.0, 0.0, 0.0)
    low, high = rng.choices(((3, 19), (20, 99), (100, 299)), weights=size_weights)[0]
    return Profile(
        uscc=uscc,
        locality=locality,
        name=name,
        trade_name=trade_name,
        legal_representative=person_name(rng),
        established_on=date(rng.randint(2006, 2021), 1, 1) + timedelta(days=rng.randint(0, 364)),
        industry=industry,
        headcount=rng.randint(low, high),
        troubled=rng.random() < 0.05,
        trades_abroad=rng.random() < 0.3,
    )


def legal_representative_identity(uscc: str, seed: str = "") -> tuple[str, str]:
    """The legal representative's name and resident ID number as the registration authority
    holds them (what ``/v1/identity/verify`` matches against): the name the registration
    records show, and an ID number of the enterprise's district with a valid check digit."""
    rng = random.Random(f"{seed}|{uscc}|legal-representative-id")
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 35 * 365))
    region = uscc[2:8] if uscc[2:8].isdigit() else "410100"
    return profile_of(uscc, seed).legal_representative, make_resident_id(
        region_code=region, birth_date=birth.strftime("%Y%m%d"), sequence=rng.randint(1, 999)
    )


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN_NAME_CHARACTERS) for _ in range(rng.choice((1, 2, 2))))


# --- dates relative to ANCHOR_DATE ----------------------------------------------------------------


def yuan(amount: float) -> str:
    return f"{amount:.2f}"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month_index + 1, min(day.day, month_end(year, month_index + 1).day))


def month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def recent_day(rng: random.Random, *, not_before: date, within_days: int) -> date:
    earliest = max(not_before, ANCHOR_DATE - timedelta(days=within_days))
    return earliest + timedelta(days=rng.randint(0, (ANCHOR_DATE - earliest).days))


def recent_months(count: int) -> list[tuple[str, date]]:
    """The last ``count`` whole months before the anchor's month, oldest first: (YYYY-MM, month end)."""
    months = []
    year, month = ANCHOR_DATE.year, ANCHOR_DATE.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append((f"{year}-{month:02d}", month_end(year, month)))
    return months[::-1]


def recent_quarters(count: int) -> list[tuple[str, date]]:
    """The last ``count`` whole quarters before the anchor's quarter, oldest first: (YYYY-Qn, quarter end)."""
    quarters = []
    year, quarter = ANCHOR_DATE.year, (ANCHOR_DATE.month - 1) // 3 + 1
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        quarters.append((f"{year}-Q{quarter}", month_end(year, quarter * 3)))
    return quarters[::-1]
