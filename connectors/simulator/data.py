"""Credit records the reference platform simulator serves (CONNECTOR_PROTOCOL.md, "Record data
by category").

Every enterprise the simulator is asked about gets a consistent, realistic credit history made
up on the spot: the same USCC and seed always give the same records, so tests and benchmarks
can compare two runs, and two simulators with the same seed agree. Nothing here is real data.

The history is drawn in two steps. A *profile* (name, size, industry, location, whether the
enterprise is in trouble) comes from ``(seed, uscc)`` alone; each category then draws from
``(seed, uscc, category)`` on top of that profile. So the categories agree with each other (a
troubled enterprise has arrears, penalties and a low rating) while a query for one category
gives the same records as the same category inside a query for all of them.

Dates are relative to a fixed "today", ``ANCHOR_DATE``, never the real clock, so the output
does not change from one day to the next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.categories import RECORD_FIELDS
from hub.categories import ALL_CATEGORIES
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


def records_for(uscc: str, category: str, *, seed: str = "") -> list[dict]:
    """The protocol records the simulator holds on ``uscc`` in ``category``, oldest first.

    ``uscc`` must already be valid (the server checks it); ``seed`` lets two simulators tell
    different stories about the same enterprise. Raises ``ValueError`` for an unknown category.
    """
    if category not in RECORD_FIELDS:
        raise ValueError(f"unknown category {category!r}")
    profile = profile_of(uscc, seed)
    rng = random.Random(f"{seed}|{uscc}|{category}")
    records = [
        {
            "source_id": f"{category}-{uscc}-{key}",
            "category": category,
            "occurred_on": occurred_on.isoformat(),
            "data": data,
        }
        for key, occurred_on, data in GENERATORS[category](profile, rng)
    ]
    return sorted(records, key=lambda record: (record["occurred_on"], record["source_id"]))


# --- one generator per category: each yields (source id suffix, occurred_on, data) ---------------


def _yuan(amount: float) -> str:
    return f"{amount:.2f}"


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day when it is shorter."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month_index + 1, min(day.day, _month_end(year, month_index + 1).day))


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _recent_day(rng: random.Random, *, not_before: date, within_days: int) -> date:
    earliest = max(not_before, ANCHOR_DATE - timedelta(days=within_days))
    return earliest + timedelta(days=rng.randint(0, (ANCHOR_DATE - earliest).days))


def _recent_months(count: int) -> list[tuple[str, date]]:
    """The last ``count`` whole months before the anchor's month, oldest first: (YYYY-MM, month end)."""
    months = []
    year, month = ANCHOR_DATE.year, ANCHOR_DATE.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.append((f"{year}-{month:02d}", _month_end(year, month)))
    return months[::-1]


def _recent_quarters(count: int) -> list[tuple[str, date]]:
    """The last ``count`` whole quarters before the anchor's quarter, oldest first: (YYYY-Qn, quarter end)."""
    quarters = []
    year, quarter = ANCHOR_DATE.year, (ANCHOR_DATE.month - 1) // 3 + 1
    for _ in range(count):
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        quarters.append((f"{year}-Q{quarter}", _month_end(year, quarter * 3)))
    return quarters[::-1]


def _registration(profile: Profile, rng: random.Random):
    capital_choices = (100_000, 500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 50_000_000)
    capital = rng.choice(capital_choices[: 4 if profile.headcount < 20 else 6 if profile.headcount < 100 else 8])
    status = "active" if not profile.troubled or rng.random() < 0.8 else "revoked"
    address = (
        f"{profile.locality.full_place}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
        f"{rng.randint(1, 12)}号楼{rng.randint(1, 26)}{rng.randint(1, 20):02d}室"
    )
    yield (
        "current",
        profile.established_on,
        {
            "name": profile.name,
            "legal_representative": profile.legal_representative,
            "registered_capital": _yuan(capital),
            "established_on": profile.established_on.isoformat(),
            "status": status,
            "address": address,
        },
    )


def _license(profile: Profile, rng: random.Random):
    locality = profile.locality
    for number, licence_name in enumerate(profile.industry.licence_names[: rng.randint(1, 2)], start=1):
        valid_from = _recent_day(rng, not_before=profile.established_on, within_days=6 * 365)
        # Most licences run five years; some are granted without an end (长期有效).
        valid_until = None if rng.random() < 0.1 else _add_months(valid_from, 60) - timedelta(days=1)
        department, level = LICENCE_AUTHORITIES[licence_name]
        yield (
            f"{number}",
            valid_from,
            {
                "license_no": _licence_number(licence_name, profile, valid_from, rng.randint(1, 999_999)),
                "name": licence_name,
                "authority": locality.authority(department, level),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat() if valid_until else None,
            },
        )


def _licence_number(licence_name: str, profile: Profile, valid_from: date, serial: int) -> str:
    """Each kind of licence numbers its own way; these follow the published formats loosely."""
    locality = profile.locality
    if licence_name == "食品经营许可证":
        return f"JY1{locality.region_code}{serial:07d}"
    if licence_name == "食品生产许可证":
        return f"SC1{locality.region_code[:4]}{valid_from.year % 100:02d}{serial:07d}"
    if licence_name == "排污许可证":
        return f"{profile.uscc}{serial % 3 + 1:03d}V"
    if licence_name == "增值电信业务经营许可证":
        return f"{locality.abbreviation}B2-{valid_from.year}{serial % 10_000:04d}"
    if licence_name == "安全生产许可证":
        return f"（{locality.abbreviation}）JZ安许证字〔{valid_from.year}〕{serial:06d}"
    if licence_name == "道路运输经营许可证":
        return f"{locality.abbreviation}交运管许可{locality.short_city}字{locality.region_code}{serial:06d}号"
    return f"{locality.abbreviation}{locality.short_city}许字〔{valid_from.year}〕{serial:06d}号"


def _penalty(profile: Profile, rng: random.Random):
    count = rng.choices((0, 1, 2, 3), weights=(2, 3, 2, 3) if profile.troubled else (40, 35, 17, 8))[0]
    severity_weights = (20, 40, 40) if profile.troubled else (50, 38, 12)
    for number in range(1, count + 1):
        severity = rng.choices(("minor", "ordinary", "serious"), weights=severity_weights)[0]
        decided_on = _recent_day(rng, not_before=profile.established_on, within_days=4 * 365)
        department = rng.choice(sorted(PENALTY_AUTHORITIES))
        level, short_form = PENALTY_AUTHORITIES[department]
        low, high = PENALTY_AMOUNT_RANGES[severity]
        yield (
            f"{decided_on.year}-{number}",
            decided_on,
            {
                "decision_no": f"{profile.locality.short_city[:1]}{short_form}罚〔{decided_on.year}〕{rng.randint(1, 999)}号",
                "authority": profile.locality.authority(department, level),
                "decided_on": decided_on.isoformat(),
                "severity": severity,
                "amount": _yuan(rng.randint(low // 100, high // 100) * 100),
                "publicity_ends_on": _add_months(decided_on, PUBLICITY_MONTHS[severity]).isoformat(),
                # Left unrepaired often enough that past-publicity penalties still need 信用修复.
                "repaired": rng.random() < 0.35,
            },
        )


def _dishonest(profile: Profile, rng: random.Random):
    if not profile.troubled:
        return
    listed_on = _recent_day(rng, not_before=profile.established_on, within_days=3 * 365)
    removed_on = listed_on + timedelta(days=rng.randint(90, 540)) if rng.random() < 0.3 else None
    yield (
        f"{listed_on.year}-1",
        listed_on,
        {
            "case_no": f"（{listed_on.year}）{profile.locality.basic_court_code}执{rng.randint(100, 9999)}号",
            "court": profile.locality.basic_court,
            "listed_on": listed_on.isoformat(),
            "removed_on": removed_on.isoformat() if removed_on and removed_on <= ANCHOR_DATE else None,
        },
    )


def _judicial(profile: Profile, rng: random.Random):
    count = rng.choices((0, 1, 2, 3), weights=(0, 2, 4, 4) if profile.troubled else (45, 30, 15, 10))[0]
    for number in range(1, count + 1):
        filed_on = _recent_day(rng, not_before=profile.established_on, within_days=4 * 365)
        role = rng.choices(
            ("plaintiff", "defendant", "third_party"), weights=(2, 5, 1) if profile.troubled else (5, 4, 1)
        )[0]
        amount = rng.randint(10_000, 3_000_000 if profile.headcount >= 20 else 500_000)
        appeal = amount > 1_000_000  # large claims are heard first by the intermediate court
        court_code = profile.locality.intermediate_court_code if appeal else profile.locality.basic_court_code
        yield (
            f"{filed_on.year}-{number}",
            filed_on,
            {
                "case_no": f"（{filed_on.year}）{court_code}民初{rng.randint(100, 19999)}号",
                "court": profile.locality.intermediate_court if appeal else profile.locality.basic_court,
                "role": role,
                "cause": rng.choice(JUDICIAL_CAUSES),
                "amount": _yuan(amount),
                "status": "pending" if (ANCHOR_DATE - filed_on).days < 270 and rng.random() < 0.7 else "closed",
            },
        )


def _honor(profile: Profile, rng: random.Random):
    if profile.troubled:
        return
    locality = profile.locality
    candidates = [
        ("守合同重信用企业", locality.authority("市场监督管理局", "city")),
        ("纳税信用A级纳税人", locality.tax_bureau),
        ("劳动保障诚信示范单位", f"{locality.city}人力资源和社会保障局"),
        (
            "专精特新中小企业",
            f"{locality.province}工业和信息化厅"
            if locality.province != locality.city
            else f"{locality.city}经济和信息化委员会",
        ),
        ("科技型中小企业", f"{locality.city}科学技术局"),
    ]
    count = rng.choices((0, 1, 2, 3), weights=(35, 35, 20, 10))[0]
    for number, (title, authority) in enumerate(rng.sample(candidates, count), start=1):
        awarded_on = _recent_day(rng, not_before=profile.established_on, within_days=5 * 365)
        yield (
            f"{awarded_on.year}-{number}",
            awarded_on,
            {"title": title, "authority": authority, "awarded_on": awarded_on.isoformat()},
        )


def _commitment(profile: Profile, rng: random.Random):
    for number, title in enumerate(rng.sample(COMMITMENT_TITLES, rng.randint(1, 3)), start=1):
        committed_on = _recent_day(rng, not_before=profile.established_on, within_days=3 * 365)
        yield (
            f"{committed_on.year}-{number}",
            committed_on,
            {
                "title": title,
                "committed_on": committed_on.isoformat(),
                "fulfilled": rng.random() < (0.5 if profile.troubled else 0.95),
            },
        )


def _tax(profile: Profile, rng: random.Random):
    # The 纳税信用等级 is set once a year, so every quarter of a year shares its grade.
    grade_weights = (5, 15, 5, 45, 30) if profile.troubled else (40, 45, 8, 5, 2)
    grades_by_year = {}
    quarterly_base = profile.headcount * rng.uniform(2_500, 12_000)
    for period, quarter_end in _recent_quarters(rng.randint(8, 16)):
        grade = grades_by_year.setdefault(
            quarter_end.year, rng.choices(("A", "B", "M", "C", "D"), weights=grade_weights)[0]
        )
        in_arrears = rng.random() < (0.5 if grade in ("C", "D") else 0.02)
        yield (
            period,
            quarter_end,
            {
                "period": period,
                "tax_paid": _yuan(quarterly_base * rng.uniform(0.7, 1.3)),
                "arrears": _yuan(quarterly_base * rng.uniform(0.05, 0.4) if in_arrears else 0),
                "grade": grade,
            },
        )


def _payroll_months(
    profile: Profile, rng: random.Random, *, headcount_share: float, monthly_per_person: float, headcount_field: str
):
    headcount = max(1, round(profile.headcount * headcount_share))
    for period, month_end in _recent_months(24):
        headcount = max(1, headcount + rng.choice((-1, 0, 0, 0, 1)))
        in_arrears = rng.random() < (0.25 if profile.troubled else 0.01)
        yield (
            period,
            month_end,
            {
                "period": period,
                headcount_field: headcount,
                "arrears": _yuan(headcount * monthly_per_person * rng.uniform(0.5, 1.0) if in_arrears else 0),
            },
        )


def _social_insurance(profile: Profile, rng: random.Random):
    yield from _payroll_months(
        profile, rng, headcount_share=1.0, monthly_per_person=1_200, headcount_field="insured_headcount"
    )


def _housing_fund(profile: Profile, rng: random.Random):
    share = rng.uniform(0.5, 0.9)
    yield from _payroll_months(
        profile, rng, headcount_share=share, monthly_per_person=600, headcount_field="depositor_headcount"
    )


def _utilities(profile: Profile, rng: random.Random):
    kinds = {"electricity": 450.0, "water": 60.0}
    if profile.industry.uses_gas:
        kinds["gas"] = 180.0
    for kind, monthly_per_person in kinds.items():
        for period, month_end in _recent_months(12):
            late = rng.random() < (0.3 if profile.troubled else 0.04)
            yield (
                f"{kind}-{period}",
                month_end,
                {
                    "period": period,
                    "kind": kind,
                    "amount_paid": _yuan(profile.headcount * monthly_per_person * rng.uniform(0.6, 1.4)),
                    "overdue_days": rng.randint(5, 90) if late else 0,
                },
            )


def _customs(profile: Profile, rng: random.Random):
    if not profile.trades_abroad:
        return
    grade = "失信企业" if profile.troubled else rng.choices(("高级认证企业", "常规管理企业"), weights=(15, 85))[0]
    scale = profile.headcount * rng.uniform(20_000, 80_000)
    for period, quarter_end in _recent_quarters(8):
        yield (
            period,
            quarter_end,
            {
                "period": period,
                "import_amount": _yuan(scale * rng.uniform(0.0, 0.6)),
                "export_amount": _yuan(scale * rng.uniform(0.4, 1.2)),
                "credit_grade": grade,
            },
        )


def _real_estate(profile: Profile, rng: random.Random):
    locality = profile.locality
    for number in range(1, rng.choices((0, 1, 2), weights=(50, 35, 15))[0] + 1):
        registered_on = _recent_day(rng, not_before=profile.established_on, within_days=10 * 365)
        yield (
            f"{number}",
            registered_on,
            {
                "certificate_no": (
                    f"{locality.abbreviation}（{registered_on.year}）{locality.city}不动产权第{rng.randint(1, 9_999_999):07d}号"
                ),
                "area_sqm": f"{rng.uniform(60, 3_000):.2f}",
                "mortgaged": rng.random() < 0.5,
                "registered_on": registered_on.isoformat(),  # an extra field: the protocol keeps those
            },
        )


def _ip(profile: Profile, rng: random.Random):
    for number in range(1, rng.choices((0, 1, 2, 3, 4, 5), weights=(30, 20, 20, 15, 10, 5))[0] + 1):
        kind = rng.choices(("patent", "trademark", "copyright"), weights=(4, 3, 3))[0]
        granted_on = _recent_day(rng, not_before=profile.established_on, within_days=8 * 365)
        if kind == "patent":
            patent_type = rng.choice((1, 2, 2, 3))  # 发明, 实用新型, 外观设计
            digits = f"{granted_on.year - 1}{patent_type}{rng.randint(0, 9_999_999):07d}"
            identifier = f"ZL{digits}.{_patent_check_character(digits)}"
            subject = rng.choice(profile.industry.patent_subjects)
            title = f"{profile.trade_name}包装盒" if patent_type == 3 else f"一种{subject}"
        elif kind == "trademark":
            identifier, title = f"{rng.randint(10_000_000, 79_999_999)}", profile.trade_name
        else:
            identifier = f"{granted_on.year}SR{rng.randint(1, 1_999_999):07d}"
            title = f"{profile.trade_name}{rng.choice(('进销存管理系统', '智能排产软件', '客户服务平台'))}V{rng.randint(1, 3)}.0"
        yield (
            f"{kind}-{number}",
            granted_on,
            {
                "kind": kind,
                "number": identifier,
                "title": title,
                "granted_on": granted_on.isoformat(),
            },
        )


def _patent_check_character(digits: str) -> str:
    """The check character of a Chinese patent application number (twelve digits)."""
    weights = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def _rating(profile: Profile, rng: random.Random):
    score = rng.randint(380, 640) if profile.troubled else rng.randint(640, 980)
    grade = "A" if score >= 850 else "B" if score >= 700 else "C" if score >= 550 else "D"
    evaluated_on = _recent_day(rng, not_before=profile.established_on, within_days=180)
    yield (
        f"{evaluated_on.year}",
        evaluated_on,
        {"grade": grade, "score": score, "evaluated_on": evaluated_on.isoformat()},
    )


GENERATORS = {
    "registration": _registration,
    "license": _license,
    "penalty": _penalty,
    "dishonest": _dishonest,
    "judicial": _judicial,
    "honor": _honor,
    "commitment": _commitment,
    "tax": _tax,
    "social_insurance": _social_insurance,
    "housing_fund": _housing_fund,
    "utilities": _utilities,
    "customs": _customs,
    "real_estate": _real_estate,
    "ip": _ip,
    "rating": _rating,
}
assert set(GENERATORS) == set(ALL_CATEGORIES), "every category needs a generator"
