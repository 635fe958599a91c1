"""Demo registry data (台账演示数据).

Two layers:

* :func:`build_plan` — a *pure*, deterministic generator: the registry of one tenant as plain
  dicts that refer to each other by list index (``plan.party_orgs[i]["parent"]`` is an index
  into ``plan.party_orgs``). ID-card and phone numbers are plain text in the plan; nothing here
  touches the database, so the same seed always gives the same plan (on the same day: dates are
  relative to ``today``).
* :func:`load_demo_registry` — writes the plan of a demo tenant with bulk inserts (no per-row
  audit entries, one summary entry), encrypting ID-card and phone numbers on the way.

The figures follow the seed documents:

* ``dongfanghong`` (000): a 两新综合党委 with exactly 191 two-new party orgs under it, ~420
  organizations, ~1,400 members, 6 instructors.
* ``nanhu`` (001): organizational coverage 社会组织 193/200 = 96.5 %, 非公企业 473/500 = 94.6 %,
  and 38 party orgs founded in the last 12 months.
* ``yuelu`` (002, the "XX区" story): exactly 13 active instructors whose open assignments cover
  every operating organization without a (non-dissolved) party org or with a weak one.

The bulk generator for benchmarks lives in :mod:`core.registry.scale`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core import clock, crypto, validators
from core.registry.models import (
    CoverageSnapshot,
    Instructor,
    InstructorAssignment,
    InstructorVisit,
    Member,
    Organization,
    PartyOrg,
    PartyOrgCoverage,
    UserOrganization,
)

__all__ = [
    "Plan",
    "build_plan",
    "coverage_by_kind",
    "instructor_targets",
    "load_demo_registry",
    "plan_figures",
    "write_plan",
]

# --------------------------------------------------------------------------------------------
# Places
# --------------------------------------------------------------------------------------------

HUNAN_ID_DIVISIONS = (
    "430104", "430104", "430104", "430102", "430103", "430105", "430111", "430112", "430121",
    "430181", "430182", "430602", "430611", "430621", "430681", "430502", "430902", "431002",
    "431102", "430304", "430408", "433101", "431202",
)
ZHEJIANG_ID_DIVISIONS = (
    "330702", "330702", "330703", "330703", "330781", "330782", "330783", "330784", "330723",
    "330726", "330727", "330106", "331002", "332527", "362301", "340822",
)


@dataclass(frozen=True)
class Place:
    province: str  # 湖南
    city: str  # 长沙
    district: str  # 岳麓区 (for street/district tenants) — the prefix of local social orgs
    addr_prefix: str  # 长沙市岳麓区
    credit_divisions: tuple[str, ...]
    id_divisions: tuple[str, ...]
    communities: tuple[str, ...]
    roads: tuple[str, ...]
    buildings: tuple[str, ...]
    minorities: tuple[str, ...] = ("土家族", "苗族", "侗族", "瑶族", "回族", "白族")


PLACES: dict[str, Place] = {
    "dongfanghong": Place(
        "湖南", "长沙", "岳麓区", "长沙市岳麓区", ("430104",), HUNAN_ID_DIVISIONS,
        ("东方红社区", "金南社区", "马桥河社区", "鸿桂社区", "枫林社区", "麓松社区", "桐梓坡社区", "东方红村"),
        ("东方红中路", "东方红北路", "桐梓坡西路", "麓松路", "麓谷大道", "雷锋大道", "枫林三路", "金星北路", "岳华路"),
        ("麓谷企业广场", "中电软件园", "麓谷钰园", "岳麓科创港", "长沙信息产业园", "麓谷林语商业街"),
    ),
    "wangyuehu": Place(
        "湖南", "长沙", "岳麓区", "长沙市岳麓区", ("430104",), HUNAN_ID_DIVISIONS,
        ("望月湖社区", "望月社区", "银双社区", "望湖社区", "月湖社区"),
        ("望月湖路", "银双路", "岳麓大道", "桐梓坡路", "咸嘉湖路", "望城坡路"),
        ("望月湖商圈", "银双商业街", "望月湖农贸市场"),
    ),
    "yuelu": Place(
        "湖南", "长沙", "岳麓区", "长沙市岳麓区", ("430104",), HUNAN_ID_DIVISIONS,
        ("梅溪湖社区", "洋湖社区", "坪塘社区", "麓谷社区", "含浦社区", "观沙岭社区"),
        ("梅溪湖路", "岳麓大道", "潇湘中路", "洋湖大道", "含浦大道", "银盆南路", "枫林一路"),
        ("梅溪湖金茂广场", "步步高梅溪新天地", "洋湖总部经济区", "后湖国际艺术区"),
    ),
    "changsha": Place(
        "湖南", "长沙", "长沙市", "长沙市芙蓉区", ("430100", "430102", "430103", "430105"), HUNAN_ID_DIVISIONS,
        ("定王台社区", "坡子街社区", "浏城桥社区", "南门口社区", "识字岭社区"),
        ("五一大道", "芙蓉中路", "韶山北路", "湘江中路", "劳动西路", "解放西路"),
        ("长沙国金中心", "湘江基金小镇", "长沙金融中心", "五一商圈"),
    ),
    "dingwangtai": Place(
        "湖南", "长沙", "芙蓉区", "长沙市芙蓉区", ("430102",), HUNAN_ID_DIVISIONS,
        ("丰泉古井社区", "燕山街社区", "马王街社区", "浏正街社区", "都正街社区"),
        ("五一大道", "芙蓉中路", "解放西路", "黄兴中路", "蔡锷中路", "浏城桥路"),
        ("芙蓉广场商圈", "五一广场商圈", "定王台书市", "长沙国金中心"),
    ),
    "wulipai": Place(
        "湖南", "长沙", "芙蓉区", "长沙市芙蓉区", ("430102",), HUNAN_ID_DIVISIONS,
        ("五里牌社区", "火炬村社区", "塔院社区", "朝阳社区"),
        ("五一大道", "车站北路", "八一路", "朝阳路", "远大一路"),
        ("火车站商圈", "朝阳商业街", "五里牌科技园"),
    ),
    "nanhu": Place(
        "湖南", "岳阳", "南湖新区", "岳阳市南湖新区", ("430602",), HUNAN_ID_DIVISIONS,
        ("龙山社区", "金鹗社区", "月田社区", "南湖社区", "湖滨社区", "东风湖社区", "琵琶王社区", "奇家岭社区"),
        ("南湖大道", "湖滨大道", "金凤路", "岳阳大道", "花板桥路", "巴陵东路", "求索路", "学院路"),
        ("南湖新区总部经济大厦", "岳阳中央商务区", "南湖新区科技产业园", "金鹗山商圈", "岳阳东站商圈"),
    ),
    "yueyang": Place(
        "湖南", "岳阳", "岳阳市", "岳阳市岳阳楼区", ("430600", "430602"), HUNAN_ID_DIVISIONS,
        ("东茅岭社区", "五里牌社区", "洞庭社区", "乾明社区"),
        ("巴陵中路", "东茅岭路", "五里牌路", "建湘路", "洞庭南路"),
        ("岳阳步行街", "东茅岭商圈", "岳阳国际会展中心"),
    ),
    "jinhua": Place(
        "浙江", "金华", "金华市", "金华市婺城区", ("330702", "330703"), ZHEJIANG_ID_DIVISIONS,
        ("江滨社区", "三江社区", "西关社区", "东市街社区", "多湖社区", "金东社区", "城中社区"),
        ("八一南街", "李渔路", "双溪西路", "宾虹路", "光南路", "婺州街", "丹溪路", "金瓯路"),
        ("金华万达广场", "金华科技城", "中国（金华）网络经济中心", "金华国际商贸城", "多湖中央商务区"),
        ("畲族", "回族", "土家族", "苗族"),
    ),
}
PLACES["generic-hunan"] = PLACES["yuelu"]
PLACES["generic-yueyang"] = PLACES["nanhu"]
PLACES["generic-zhejiang"] = PLACES["jinhua"]

# --------------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------------

TRADE_HEAD = "恒鑫华盛中博智星德瑞嘉创云联鼎汇金锦天宏启睿卓弘致海明康仁万百千祥泰新正长湘麓楚信诚和同永隆丰源达通兴美佳优乐光远力合凯晟"
TRADE_TAIL = "通源达丰泰盛华辉信诚和安宇腾越峰宏聚远航程悦博创科川林禾嘉远晟锐驰铭颐耀阳朗"

#: industry → (weight for streets, name words)
INDUSTRY_WORDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "I": (25, ("信息科技", "网络科技", "软件技术", "数据科技", "智能科技", "电子商务")),
    "F": (14, ("商贸", "贸易", "医药连锁", "供应链管理", "农产品贸易")),
    "L": (12, ("企业管理咨询", "人力资源", "广告", "会展服务", "知识产权代理")),
    "M": (10, ("检测技术", "工程设计", "生物科技", "环保科技", "测绘技术")),
    "E": (8, ("建筑工程", "装饰工程", "市政工程", "建设工程")),
    "H": (6, ("餐饮管理", "酒店管理", "餐饮服务")),
    "K": (6, ("物业管理", "房地产开发", "置业")),
    "G": (5, ("物流", "供应链", "运输", "快递服务")),
    "C": (5, ("机械制造", "新材料", "智能装备", "食品", "电子")),
    "O": (3, ("家政服务", "汽车服务", "洗涤服务")),
    "R": (3, ("文化传媒", "文化创意", "体育发展", "影视传媒")),
    "Q": (2, ("健康管理", "医疗科技", "康复医疗")),
    "P": (1, ("教育咨询", "教育科技")),
}
INDUSTRY_SHORT = {
    "I": "软件信息", "F": "商贸流通", "L": "商务服务", "M": "科技服务", "E": "建筑", "H": "餐饮住宿",
    "K": "物业", "G": "物流", "C": "制造", "O": "居民服务", "R": "文化传媒", "Q": "医疗健康", "P": "教育",
    "S": "社会服务",
}
SHOPS = (("H", "餐馆"), ("F", "便利店"), ("F", "五金店"), ("O", "理发店"), ("O", "汽车维修部"),
         ("F", "水果店"), ("H", "小吃店"), ("O", "家电维修部"), ("F", "建材经营部"))

#: (sub_kind, weight) of enterprises and social orgs
ENTERPRISE_SUBKINDS = (("llc", 70), ("joint_stock", 4), ("sole_proprietorship", 5), ("partnership", 4),
                       ("individual", 12), ("foreign", 2), ("other_enterprise", 3))
SOCIAL_SUBKINDS = (("private_non_enterprise", 55), ("association", 25), ("intermediary", 15),
                   ("foundation", 3), ("other_social", 2))

PNE_TEMPLATES = (  # 民办非企业单位: (industry, template)
    ("Q", "{d}{z}社会工作服务中心"), ("Q", "{d}{z}养老服务中心"), ("P", "{d}{z}幼儿园"),
    ("P", "{c}市{d}{z}培训学校"), ("O", "{d}{z}社区服务中心"), ("P", "{d}{z}艺术培训学校"),
    ("Q", "{d}{z}康复中心"), ("S", "{d}{z}公益服务中心"), ("Q", "{d}{z}心理咨询服务中心"),
)
ASSOCIATION_THEMES = ("书法", "摄影", "诗词", "舞蹈", "老年体育", "餐饮行业", "物业管理行业", "软件行业",
                      "电子商务", "家政服务行业", "个体劳动者", "青年企业家", "志愿者", "楹联", "太极拳")
INTERMEDIARY_TEMPLATES = (
    ("L", "{p}{z}律师事务所"), ("L", "{p}{z}会计师事务所有限责任公司"), ("L", "{p}{z}税务师事务所"),
    ("M", "{p}{z}资产评估事务所"), ("L", "{p}{z}人力资源服务中心"),
)

VISIT_FINDINGS = (
    "党员人数不足3人，暂不具备单独组建条件，已纳入联合党支部培养。",
    "企业负责人对党建工作支持，愿意提供党员活动场地。",
    "组织生活不够规范，“三会一课”记录不全。",
    "已建立党员活动室，需完善阵地标识和制度上墙。",
    "发现2名“隐形党员”，督促其转接组织关系。",
    "企业用工以新就业群体为主，建议成立功能型党支部。",
    "党组织书记新任，需加强党务业务培训。",
    "企业经营困难，反映融资需求，已登记到需求清单。",
    "职工中有3名入党积极分子，培养考察工作正常开展。",
    "党员作用发挥不明显，建议设立党员示范岗。",
)
VISIT_FOLLOW_UPS = (
    "下月再次走访，跟进组织关系转接。",
    "协调社区党委提供活动场地。",
    "推荐书记参加街道党务培训班。",
    "帮助制定年度组织生活计划。",
    "对接金融机构，跟进融资需求。",
    "",
)
INSTRUCTOR_UNITS = {
    "street": ("{n}党工委", "{n}党工委", "{n}党群服务中心", "{d}委组织部", "{d}市场监督管理局", "{d}民政局"),
    "district": ("{n}委组织部", "{n}两新工委", "{n}市场监督管理局", "{n}民政局", "{n}工商联", "{n}人力资源和社会保障局"),
    "city": ("{n}委组织部", "{n}两新工委", "{n}民政局", "{n}工商联"),
}
MOBILE_OUT = ("广东省深圳市南山区粤海街道", "广东省广州市天河区", "上海市浦东新区张江镇", "浙江省杭州市余杭区",
              "北京市海淀区中关村街道", "江苏省苏州市工业园区", "湖北省武汉市东湖新技术开发区")
MOBILE_IN = ("湖南省邵阳市隆回县桃洪镇党委", "湖南省益阳市桃江县桃花江镇党委", "湖南省常德市鼎城区委组织部",
             "湖南省衡阳市衡南县云集街道党工委", "江西省萍乡市湘东区委组织部", "湖南省娄底市新化县上梅街道党工委")
DISSOLVED_REASONS = ("企业注销，党员组织关系已转出", "党员人数不足3人，并入联合党支部", "企业迁出辖区，组织关系随迁")
CN_DIGITS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (n < 100)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _weighted(rng: random.Random, pairs: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


# --------------------------------------------------------------------------------------------
# Profiles: what each demo tenant gets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindSpec:
    """Party orgs of one organization kind, and the organizations around them.

    ``covered``: exact number of organizations of the kind covered by a non-dissolved party org
    (single branches fill the remainder), or ``None`` when the profile fixes the party-org total.
    Non-single formations: ``{mode: (count, (min_cover, max_cover))}``.
    """

    formations: dict[str, tuple[int, tuple[int, int]]]
    uncovered: int  # operating organizations without a party org
    closed: int = 0  # closed / moved-out organizations (never covered)
    covered: int | None = None
    general: int = 0  # 党总支 with 2–3 sub-branches, each covering one large organization
    single_share: int = 1  # share of the single branches when the profile fixes the total


@dataclass(frozen=True)
class Profile:
    place: str
    root: str | None  # name of the root committee
    kinds: dict[str, KindSpec]
    party_org_total: int | None = None  # exact number of party orgs under the root
    mid_committees: bool = False  # a committee per kind between the root and the branches
    functional: int = 0
    new_last_year: int = 0  # party orgs founded in the last 12 months
    weak: int = 0
    model: int = 0
    dissolved: int = 0  # extra, dissolved party orgs covering otherwise uncovered organizations
    instructors: int = 0
    inactive_instructors: int = 0
    assign_all_targets: bool = False  # 002: every uncovered/weak organization has an instructor
    members_without_org: int = 0  # uncovered organizations that nevertheless have members
    should_build: int = 0  # joint-covered organizations with ≥3 formal members (应建未建)
    mobile_in: int = 0
    mobile_out: int = 0
    lost_contact: int = 0
    social_share: float = 0.25
    instructor_user: str | None = None
    secretary_user: str | None = None
    level: str = "street"


PROFILES: dict[str, Profile] = {
    "dongfanghong": Profile(
        place="dongfanghong",
        root="东方红街道两新综合党委",
        kinds={
            "enterprise": KindSpec({"lead": (2, (3, 4)), "joint": (34, (2, 5)), "building": (16, (3, 6)),
                                    "fallback": (2, (3, 5))}, uncovered=42, closed=8, general=5, single_share=3),
            "social": KindSpec({"joint": (12, (2, 5)), "fallback": (1, (3, 5))}, uncovered=12, closed=2,
                               general=1, single_share=1),
        },
        party_org_total=191, functional=2, new_last_year=9, weak=6, model=8, instructors=6, members_without_org=6,
        should_build=4, mobile_in=10, mobile_out=8, lost_contact=5,
        instructor_user="dfh_instructor", secretary_user="dfh_secretary",
    ),
    "wangyuehu": Profile(
        place="wangyuehu",
        root="望月湖街道两新综合党委",
        kinds={
            "enterprise": KindSpec({"joint": (5, (2, 4)), "building": (3, (3, 5)), "fallback": (1, (3, 4))},
                                   uncovered=18, closed=4, general=1, single_share=3),
            "social": KindSpec({"joint": (2, (2, 4))}, uncovered=4, single_share=1),
        },
        party_org_total=30, new_last_year=2, weak=2, model=2, dissolved=1, instructors=3, members_without_org=3,
        should_build=1, mobile_in=0, mobile_out=3, lost_contact=1,
    ),
    "yuelu": Profile(
        place="yuelu",
        root="岳麓区两新组织综合党委",
        kinds={
            "enterprise": KindSpec({"lead": (1, (3, 3)), "joint": (3, (2, 4)), "building": (2, (3, 5))},
                                   uncovered=16, general=2, single_share=3),
            "social": KindSpec({"joint": (2, (2, 4))}, uncovered=6, single_share=1),
        },
        party_org_total=26, new_last_year=3, weak=4, model=3, dissolved=1, instructors=13, inactive_instructors=1,
        assign_all_targets=True, members_without_org=3, should_build=1, mobile_out=3, lost_contact=1,
        level="district",
    ),
    "nanhu": Profile(
        place="nanhu",
        root="南湖新区两新组织综合党委",
        kinds={
            "enterprise": KindSpec({"lead": (3, (3, 4)), "joint": (45, (2, 5)), "building": (18, (3, 6)),
                                    "area": (6, (4, 6))}, uncovered=27, covered=473, general=8),
            "social": KindSpec({"joint": (30, (2, 5)), "fallback": (4, (3, 6))}, uncovered=7, covered=193),
        },
        mid_committees=True, new_last_year=38, weak=8, model=12, dissolved=2, instructors=6,
        mobile_in=0, mobile_out=10, lost_contact=4, level="district",
    ),
    "changsha": Profile(
        place="changsha",
        root="长沙市市直两新组织综合党委",
        kinds={
            "enterprise": KindSpec({"joint": (2, (2, 3))}, uncovered=6, general=1, single_share=2),
            "social": KindSpec({"joint": (1, (2, 3))}, uncovered=3, single_share=1),
        },
        party_org_total=12, new_last_year=1, weak=1, model=2, instructors=2, mobile_out=1, level="city",
    ),
    "yueyang": Profile(
        place="yueyang",
        root="岳阳市市直两新组织综合党委",
        kinds={
            "enterprise": KindSpec({"joint": (2, (2, 3))}, uncovered=5, single_share=2),
            "social": KindSpec({"joint": (1, (2, 3))}, uncovered=2, single_share=1),
        },
        party_org_total=9, weak=1, model=1, instructors=1, level="city",
    ),
    "jinhua": Profile(
        place="jinhua",
        root="金华市两新组织综合党委",
        kinds={
            "enterprise": KindSpec({"lead": (2, (3, 4)), "joint": (10, (2, 5)), "building": (6, (3, 6)),
                                    "area": (3, (3, 5)), "platform": (2, (3, 5))},
                                   uncovered=20, closed=3, general=2, single_share=3),
            "social": KindSpec({"joint": (5, (2, 4))}, uncovered=6, single_share=1),
        },
        party_org_total=60, new_last_year=5, weak=3, model=5, dissolved=1, instructors=5, members_without_org=4,
        should_build=2, mobile_in=3, mobile_out=4, lost_contact=2, functional=1, level="city",
    ),
}

#: a street created later (no profile of its own)
GENERIC_STREET = Profile(
    place="generic-hunan",
    root=None,  # "<street name>两新综合党委"
    kinds={
        "enterprise": KindSpec({"joint": (2, (2, 4)), "building": (1, (3, 4))}, uncovered=6, closed=1,
                               single_share=3),
        "social": KindSpec({"joint": (1, (2, 3))}, uncovered=2, single_share=1),
    },
    party_org_total=12, new_last_year=1, weak=1, model=1, instructors=1, members_without_org=1, should_build=1,
    mobile_out=1,
)

FORMATION_TYPE = {  # formation mode → party org type
    "single": "branch", "lead": "joint_branch", "joint": "joint_branch", "building": "joint_branch",
    "area": "joint_branch", "fallback": "joint_branch", "platform": "joint_branch",
}


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """One tenant's registry as plain dicts; references are list indices."""

    organizations: list[dict[str, Any]] = field(default_factory=list)
    party_orgs: list[dict[str, Any]] = field(default_factory=list)
    coverage: list[tuple[int, int]] = field(default_factory=list)  # (party org, organization)
    members: list[dict[str, Any]] = field(default_factory=list)
    instructors: list[dict[str, Any]] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    user_links: list[dict[str, Any]] = field(default_factory=list)  # {"username", "organization"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "organizations": self.organizations, "party_orgs": self.party_orgs,
            "coverage": self.coverage, "members": self.members, "instructors": self.instructors,
            "assignments": self.assignments, "visits": self.visits, "user_links": self.user_links,
        }


def coverage_by_kind(plan: Plan) -> dict[str, tuple[int, int]]:
    """(covered, total) operating organizations per kind; covered = a non-dissolved party org covers it."""
    active = {i for i, p in enumerate(plan.party_orgs) if p["dissolved_on"] is None}
    covered = {o for p, o in plan.coverage if p in active}
    out: dict[str, tuple[int, int]] = {}
    for i, org in enumerate(plan.organizations):
        if org["status"] != "operating":
            continue
        c, t = out.get(org["kind"], (0, 0))
        out[org["kind"]] = (c + (i in covered), t + 1)
    return out


def instructor_targets(plan: Plan) -> set[int]:
    """Operating organizations without a non-dissolved party org, or covered by a weak one (002)."""
    covering: dict[int, list[dict[str, Any]]] = {}
    for p, o in plan.coverage:
        po = plan.party_orgs[p]
        if po["dissolved_on"] is None:
            covering.setdefault(o, []).append(po)
    return {
        i for i, org in enumerate(plan.organizations)
        if org["status"] == "operating"
        and (i not in covering or any(po["is_weak"] for po in covering[i]))
    }


def plan_figures(plan: Plan, on: dt.date) -> dict[str, dict[str, int]] | None:
    """Coverage figures of ``plan`` as they stood on ``on`` — the shape of ``CoverageSnapshot.figures``.

    Mirrors :mod:`core.registry.services.coverage` (same metric keys and rules); history comes
    from the dates: party orgs count once founded and until dissolved, members once admitted
    (预备/转正 dates), instructors while assigned. ``None`` if that module is missing.
    """
    try:
        from core.registry.services.coverage import (
            KINDS,
            MEMBER_STATUSES,
            METRICS,
            SHOULD_BUILD_MIN_FULL,
        )
    except ImportError:  # pragma: no cover - the coverage service is part of the registry
        return None
    width: dict[int, int] = {}
    for po, _ in plan.coverage:
        width[po] = width.get(po, 0) + 1
    covered: dict[int, bool] = {}  # org → has an own (width 1) live party org
    for po, org in plan.coverage:
        row = plan.party_orgs[po]
        founded, dissolved = row["founded_on"], row["dissolved_on"]
        if (founded is None or founded <= on) and (dissolved is None or dissolved > on):
            covered[org] = covered.get(org, False) or width[po] == 1
    n_members: dict[int, int] = {}
    n_full: dict[int, int] = {}
    for m in plan.members:
        org = m["organization"]
        if org is None or m["status"] not in MEMBER_STATUSES:
            continue
        if m["probationary_on"] is not None and m["probationary_on"] > on:
            continue
        n_members[org] = n_members.get(org, 0) + 1
        if m["status"] == "full" and (m["full_on"] is None or m["full_on"] <= on):
            n_full[org] = n_full.get(org, 0) + 1
    instructed = {
        a["organization"] for a in plan.assignments
        if plan.instructors[a["instructor"]]["active"] and a["start_on"] <= on
        and (a["end_on"] is None or a["end_on"] >= on)
    }
    out = {k: dict.fromkeys(METRICS, 0) for k in KINDS}
    for i, org in enumerate(plan.organizations):
        if org["status"] != "operating":
            continue
        is_cov, own = i in covered, covered.get(i, False)
        has_members, active, ins = n_members.get(i, 0) >= 1, bool(org["party_work_active"]), i in instructed
        flags = {
            "total": True,
            "org_covered": is_cov,
            "org_uncovered": not is_cov,
            "work_covered": is_cov or active or ins,
            "work_uncovered": not is_cov and not active and not ins,
            "has_members": has_members,
            "has_effect": active,
            "three_haves": has_members and is_cov and active,
            "should_build": n_full.get(i, 0) >= SHOULD_BUILD_MIN_FULL and not own,
            "members_no_org": has_members and not is_cov,
            "uncovered_no_instructor": not is_cov and not ins,
            "has_instructor": ins,
        }
        for kind in {org["kind"], "all"} & set(out):
            for metric in METRICS:
                out[kind][metric] += int(bool(flags.get(metric)))
    return out


def snapshot_months(today: dt.date, months: int = 12) -> list[tuple[dt.date, dt.date]]:
    """(first day of the month, the day its figures are taken): the current month up to today."""
    out = []
    first = today.replace(day=1)
    for k in range(months):
        month = first
        for _ in range(k):
            month = (month - dt.timedelta(days=1)).replace(day=1)
        on = today if k == 0 else ((month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1))
        out.append((month, on))
    return out[::-1]


class _Builder:
    def __init__(self, profile: Profile, seed: str, *, tenant_name: str, today: dt.date, place: Place):
        self.p = profile
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.today = today
        self.place = place
        self.tenant_name = tenant_name
        self.plan = Plan()
        self.org_names: set[str] = set()
        self.codes: set[str] = set()
        self.po_names: set[str] = set()
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.members_by_org: dict[int, list[int]] = {}

    # --- small generators ---------------------------------------------------------------

    def trade_name(self) -> str:
        rng = self.rng
        head = rng.choice(TRADE_HEAD)
        tail = rng.choice(TRADE_TAIL)
        while tail == head:
            tail = rng.choice(TRADE_TAIL)
        return head + tail

    def phone(self) -> str:
        while True:
            number = self.rng.choice(("13", "15", "17", "18", "19")) + str(self.rng.randint(0, 9)) + \
                f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def credit_code(self) -> str:
        while True:
            code = validators.generate_credit_code(self.rng, self.rng.choice(self.place.credit_divisions))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def person(self, male: bool | None = None) -> tuple[str, bool]:
        if male is None:
            male = self.rng.random() < 0.58
        return (self.fake.name_male() if male else self.fake.name_female()), male

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def address(self) -> str:
        return f"{self.place.addr_prefix}{self.rng.choice(self.place.roads)}{self.rng.randint(1, 899)}号"

    # --- organizations ------------------------------------------------------------------

    def _unique_org_name(self, make: Callable[[], str]) -> str:
        for _ in range(200):
            name = make()
            if name not in self.org_names:
                self.org_names.add(name)
                return name
        name = make() + f"（{len(self.org_names)}）"
        self.org_names.add(name)
        return name

    def _enterprise(self, size: str) -> tuple[str, str, str]:
        rng, place = self.rng, self.place
        sub = _weighted(rng, ENTERPRISE_SUBKINDS)
        if size != "small" and sub in ("individual", "sole_proprietorship"):
            sub = "llc"
        industry = _weighted(rng, [(k, w) for k, (w, _) in INDUSTRY_WORDS.items()])
        words = INDUSTRY_WORDS[industry][1]
        if sub == "individual":
            industry, shop = rng.choice(SHOPS)
            name = self._unique_org_name(lambda: f"{place.district}{self.trade_name()}{shop}")
        elif sub == "sole_proprietorship":
            name = self._unique_org_name(
                lambda: f"{place.city}市{place.district}{self.trade_name()}{rng.choice(words)}经营部")
        elif sub == "partnership":
            name = self._unique_org_name(
                lambda: f"{place.city}{self.trade_name()}{rng.choice(words)}合伙企业（有限合伙）")
        elif sub == "joint_stock":
            name = self._unique_org_name(
                lambda: f"{place.province}{self.trade_name()}{rng.choice(words)}股份有限公司")
        elif sub == "foreign":
            name = self._unique_org_name(
                lambda: f"{place.city}{self.trade_name()}{rng.choice(words)}有限公司（外商独资）")
        else:
            prefix = rng.choice((place.city, place.city, place.province, f"{place.city}市"))
            name = self._unique_org_name(lambda: f"{prefix}{self.trade_name()}{rng.choice(words)}有限公司")
        return name, sub, industry

    def _social(self) -> tuple[str, str, str]:
        rng, place = self.rng, self.place
        sub = _weighted(rng, SOCIAL_SUBKINDS)
        d = place.district
        if sub == "private_non_enterprise":
            industry, tpl = rng.choice(PNE_TEMPLATES)
            name = self._unique_org_name(lambda: tpl.format(d=d, z=self.trade_name(), c=place.city))
        elif sub == "association":
            industry = "S"
            name = self._unique_org_name(
                lambda: rng.choice((f"{d}{rng.choice(ASSOCIATION_THEMES)}协会",
                                    f"{d}{self.trade_name()}商会",
                                    f"{d}{rng.choice(ASSOCIATION_THEMES)}{rng.choice(('协会', '联合会', '促进会'))}")))
        elif sub == "intermediary":
            industry, tpl = rng.choice(INTERMEDIARY_TEMPLATES)
            name = self._unique_org_name(lambda: tpl.format(p=place.province, z=self.trade_name()))
        elif sub == "foundation":
            industry = "S"
            name = self._unique_org_name(lambda: f"{place.province}省{self.trade_name()}公益基金会")
        else:
            industry = "S"
            name = self._unique_org_name(
                lambda: f"{d}{rng.choice(place.communities)}社区社会组织联合会"
                if rng.random() < 0.5 else f"{d}{self.trade_name()}志愿服务队")
        return name, sub, industry

    def organization(self, kind: str, *, size: str = "medium", community: str | None = None,
                     building: str | None = None, status: str = "operating", covered: bool = False) -> int:
        rng = self.rng
        if kind == "enterprise":
            name, sub, industry = self._enterprise(size)
        else:
            name, sub, industry = self._social()
        if sub == "individual":
            employees = rng.randint(1, 8)
        elif size == "large":
            employees = rng.randint(150, 1200)
        elif size == "medium":
            employees = rng.randint(20, 180)
        else:
            employees = rng.randint(3, 40)
        legal, _ = self.person()
        contact, _ = self.person()
        if sub in ("individual", "sole_proprietorship"):
            investor = legal
        elif kind == "enterprise":
            investor = legal if rng.random() < 0.6 else f"{legal}、{self.person()[0]}"
        else:
            investor = legal if sub == "private_non_enterprise" else ""
        phone = self.phone() if rng.random() < 0.85 else None
        org = {
            "name": name,
            "credit_code": self.credit_code(),
            "kind": kind,
            "sub_kind": sub,
            "industry": industry,
            "address": self.address(),
            "community": community or rng.choice(self.place.communities),
            "building": building if building is not None else (
                rng.choice(self.place.buildings) if rng.random() < 0.2 else ""),
            "employees": employees,
            "investor": investor,
            "legal_rep": legal,
            "contact_name": contact if rng.random() < 0.7 else legal,
            "contact_phone": phone,
            "status": status,
            "has_union": employees >= 25 and rng.random() < 0.75,
            "has_youth_league": employees >= 50 and rng.random() < 0.45,
            "has_womens_federation": employees >= 50 and rng.random() < 0.35,
            "is_internet_platform": industry == "I" and rng.random() < 0.08,
            "employs_new_groups": industry in ("G", "H", "O") and rng.random() < 0.45,
            "party_work_active": (rng.random() < 0.88) if covered else False,
            "notes": "",
        }
        if status == "closed":
            org["notes"] = "已办理注销登记。"
        elif status == "moved_out":
            org["notes"] = "已迁出辖区。"
        self.plan.organizations.append(org)
        return len(self.plan.organizations) - 1

    # --- party orgs ---------------------------------------------------------------------

    def _unique_po_name(self, base: str, numbered: Callable[[int], str] | None = None) -> str:
        if base not in self.po_names:
            self.po_names.add(base)
            return base
        n = 2
        while True:
            name = numbered(n) if numbered else f"{base}（{_cn(n)}）"
            if name not in self.po_names:
                self.po_names.add(name)
                return name
            n += 1

    def founded(self, *, recent: bool = False) -> dt.date:
        today = self.today
        if recent:
            return today - dt.timedelta(days=self.rng.randint(7, 350))
        year_back = int(self.rng.triangular(1.1, 16, 3))
        return today - dt.timedelta(days=365 * year_back + self.rng.randint(30, 330))

    def party_org(self, name: str, org_type: str, mode: str, parent: int | None, *,
                  founded: dt.date | None = None) -> int:
        founded = founded or self.founded()
        term_years = 5 if org_type == "committee" else 3
        term = add_years(founded, term_years)
        while term < self.today - dt.timedelta(days=90):
            term = add_years(term, term_years)
        self.plan.party_orgs.append({
            "name": name,
            "org_type": org_type,
            "parent": parent,
            "formation_mode": mode,
            "secretary_name": "",
            "founded_on": founded,
            "term_ends_on": term,
            "venue_class": None,
            "venue_accepted_on": None,
            "is_weak": False,
            "is_model": False,
            "dissolved_on": None,
            "dissolved_reason": "",
        })
        return len(self.plan.party_orgs) - 1

    # --- members ------------------------------------------------------------------------

    def member(self, status: str, party_org: int | None, organization: int | None, *,
               position: str = "") -> int:
        rng, today = self.rng, self.today
        name, male = self.person()
        oldest = today.year - 68
        youngest_age = {"full": 23, "probationary": 19, "candidate": 19, "activist": 18, "applicant": 18}[status]
        birth = dt.date(rng.randint(oldest, today.year - youngest_age - 1), rng.randint(1, 12), rng.randint(1, 28))
        adult = add_years(birth, 18)
        dates: dict[str, dt.date | None] = dict.fromkeys(
            ("applied_on", "activist_on", "candidate_on", "probationary_on", "full_on"))
        if status in ("full", "probationary"):
            if status == "full":
                prob = add_years(birth, rng.randint(19, 42)) + dt.timedelta(days=rng.randrange(365))
                latest = today - dt.timedelta(days=370)
                if prob > latest:
                    prob = latest - dt.timedelta(days=rng.randrange(900))
                prob = max(prob, adult + dt.timedelta(days=400))
                dates["full_on"] = add_years(prob, 1)
            else:
                prob = today - dt.timedelta(days=rng.randint(20, 360))
            dates["probationary_on"] = prob
            if prob.year >= 2000 or rng.random() < 0.4:
                cand = prob - dt.timedelta(days=rng.randint(90, 240))
                act = cand - dt.timedelta(days=rng.randint(365, 540))
                app = act - dt.timedelta(days=rng.randint(30, 180))
                if app >= adult:
                    dates.update(applied_on=app, activist_on=act, candidate_on=cand)
        elif status == "candidate":
            cand = today - dt.timedelta(days=rng.randint(10, 240))
            act = cand - dt.timedelta(days=rng.randint(365, 540))
            app = act - dt.timedelta(days=rng.randint(30, 180))
            dates.update(applied_on=max(app, adult), activist_on=max(act, adult), candidate_on=cand)
        elif status == "activist":
            act = today - dt.timedelta(days=rng.randint(10, 420))
            app = act - dt.timedelta(days=rng.randint(30, 180))
            dates.update(applied_on=max(app, adult), activist_on=max(act, adult))
        else:
            dates["applied_on"] = max(today - dt.timedelta(days=rng.randint(5, 200)), adult)
        id_number = None
        if rng.random() < 0.97:
            while True:
                id_number = validators.generate_id_number(rng, birth, male, rng.choice(self.place.id_divisions))
                if id_number not in self.id_numbers:
                    self.id_numbers.add(id_number)
                    break
        ethnicity = "汉族" if rng.random() < 0.94 else rng.choice(self.place.minorities)
        education = _weighted(rng, (("bachelor", 45), ("college", 25), ("master", 12), ("senior", 11),
                                    ("junior", 4), ("doctor", 3)))
        points = {"full": rng.randint(55, 100), "probationary": rng.randint(45, 90)}.get(status, rng.randint(0, 30))
        self.plan.members.append({
            "name": name,
            "gender": "male" if male else "female",
            "birth_date": birth,
            "ethnicity": ethnicity,
            "education": education,
            "id_number": id_number,
            "phone": self.phone() if rng.random() < 0.92 else None,
            "status": status,
            **dates,
            "party_org": party_org,
            "organization": organization,
            "position": position,
            "mobile": "",
            "mobile_counterpart": "",
            "transfer_rule": "",
            "transfer_state": "",
            "lost_contact": False,
            "points": points,
        })
        idx = len(self.plan.members) - 1
        if organization is not None:
            self.members_by_org.setdefault(organization, []).append(idx)
        return idx

    def pipeline_status(self) -> str:
        return _weighted(self.rng, (("probationary", 30), ("candidate", 20), ("activist", 30), ("applicant", 20)))

    def staff_branch(self, po: int, orgs: list[int], per_org: tuple[int, int], pipeline: tuple[int, int]) -> None:
        """Members of a branch: ``per_org`` formal members in each covered organization, a secretary."""
        rng = self.rng
        fulls: list[int] = []
        for org in orgs:
            for _ in range(rng.randint(*per_org)):
                fulls.append(self.member("full", po, org))
            for _ in range(rng.randint(*pipeline)):
                self.member(self.pipeline_status(), po, org)
        if not fulls:  # every branch has a secretary
            fulls.append(self.member("full", po, orgs[0] if orgs else None))
        self.appoint(po, fulls[0], "secretary")
        if len(fulls) >= 7:  # 支部委员会
            for i in fulls[1: 1 + rng.randint(1, 2)]:
                self.plan.members[i]["position"] = "committee"

    def appoint(self, po: int, member: int, position: str) -> None:
        self.plan.members[member]["position"] = position
        if position == "secretary":
            self.plan.party_orgs[po]["secretary_name"] = self.plan.members[member]["name"]

    # --- the whole tenant ----------------------------------------------------------------

    def build(self) -> Plan:
        p, rng = self.p, self.rng
        root_name = p.root or f"{self.tenant_name}两新综合党委"
        root = self.party_org(root_name, "committee", "area", None,
                              founded=self.today - dt.timedelta(days=365 * rng.randint(6, 12)))
        self.po_names.add(root_name)
        parents = {kind: root for kind in p.kinds}
        if p.mid_committees:
            short = self.place.district
            for kind, label in (("enterprise", "非公企业"), ("social", "社会组织")):
                if kind in p.kinds:
                    name = self._unique_po_name(f"{short}{label}综合党委")
                    parents[kind] = self.party_org(name, "committee", "area", root)

        # formations per kind: [(mode, n_cover)]
        plans: dict[str, list[tuple[str, int]]] = {}
        generals: dict[str, list[int]] = {}
        for kind, spec in p.kinds.items():
            items: list[tuple[str, int]] = []
            for mode, (count, (lo, hi)) in spec.formations.items():
                items += [(mode, rng.randint(lo, hi)) for _ in range(count)]
            plans[kind] = items
            generals[kind] = [rng.randint(2, 3) for _ in range(spec.general)]
        # single branches: fill the exact covered count, or the exact party-org total
        singles: dict[str, int] = {}
        if p.party_org_total is not None:
            fixed = sum(len(v) for v in plans.values()) + sum(1 + n for g in generals.values() for n in g) \
                + p.functional + sum(1 for v in plans.values() for mode, _ in v if mode == "lead")
            remainder = p.party_org_total - fixed
            assert remainder >= 0, "profile has more fixed party orgs than its total"
            shares = {k: s.single_share for k, s in p.kinds.items()}
            total_share = sum(shares.values())
            kinds = list(p.kinds)
            for k in kinds[:-1]:
                singles[k] = remainder * shares[k] // total_share
            singles[kinds[-1]] = remainder - sum(singles.values())
        else:
            for kind, spec in p.kinds.items():
                assert spec.covered is not None
                singles[kind] = spec.covered - sum(n for _, n in plans[kind]) - len(generals[kind])
                assert singles[kind] >= 0, "profile covers more organizations than requested"

        branch_orgs: list[tuple[int, str, list[int]]] = []  # (party org, mode, orgs) for members
        community_counters: dict[tuple[str, str], int] = {}
        building_counters: dict[str, int] = {}

        for kind in p.kinds:
            parent = parents[kind]
            # 党总支 of large organizations, with sub-branches
            for n_sub in generals[kind]:
                org = self.organization(kind, size="large", covered=True)
                oname = self.plan.organizations[org]["name"]
                general = self.party_org(self._unique_po_name(f"{oname}党总支"), "general_branch", "single", parent)
                self.plan.coverage.append((general, org))
                for i in range(1, n_sub + 1):
                    sub = self.party_org(self._unique_po_name(f"{oname}第{_cn(i)}党支部"), "branch", "single",
                                         general, founded=self.plan.party_orgs[general]["founded_on"])
                    self.plan.coverage.append((sub, org))
                    branch_orgs.append((sub, "sub", [org]))
                # the general branch's committee: secretary, deputy, a member
                for pos in ("secretary", "deputy_secretary", "committee"):
                    self.appoint(general, self.member("full", general, org), pos)
            # single branches (单独组建)
            for _ in range(singles[kind]):
                org = self.organization(kind, size=rng.choice(("medium", "medium", "large", "small")), covered=True)
                oname = self.plan.organizations[org]["name"]
                po = self.party_org(self._unique_po_name(f"{oname}党支部"), "branch", "single", parent)
                self.plan.coverage.append((po, org))
                branch_orgs.append((po, "single", [org]))
            # joint formations
            for mode, n_cover in plans[kind]:
                community = rng.choice(self.place.communities)
                building = rng.choice(self.place.buildings) if mode == "building" else None
                if mode == "lead":
                    # 龙头领建: the lead enterprise has its own branch and leads a joint branch of
                    # the small firms of its chain
                    lead = self.organization(kind, size="large", community=community, covered=True)
                    lead_name = self.plan.organizations[lead]["name"]
                    own = self.party_org(self._unique_po_name(f"{lead_name}党支部"), "branch", "single", parent)
                    self.plan.coverage.append((own, lead))
                    branch_orgs.append((own, "single", [lead]))
                    orgs = [self.organization(kind, size="small", community=community, covered=True)
                            for _ in range(n_cover - 1)]
                    name = self._unique_po_name(f"{lead_name}龙头领建联合党支部")
                else:
                    orgs = [self.organization(kind, size="small", community=community,
                                              building=building or "", covered=True)
                            for _ in range(n_cover)]
                    label = "非公企业" if kind == "enterprise" else "社会组织"
                    if mode == "building":
                        n = building_counters[building] = building_counters.get(building, 0) + 1
                        name = self._unique_po_name(
                            f"{building}楼宇联合党支部" if n == 1 else f"{building}楼宇第{_cn(n)}联合党支部")
                    elif mode == "fallback":
                        name = self._unique_po_name(f"{community}两新组织兜底党支部",
                                                    lambda n, c=community: f"{c}两新组织第{_cn(n)}兜底党支部")
                    elif mode == "area":
                        name = self._unique_po_name(f"{community}{label}区域联合党支部",
                                                    lambda n, c=community, lb=label: f"{c}{lb}区域第{_cn(n)}联合党支部")
                    elif mode == "platform":
                        name = self._unique_po_name(
                            f"{self.place.city}{INDUSTRY_SHORT.get(self.plan.organizations[orgs[0]]['industry'], '')}"
                            f"行业平台联合党支部")
                    else:
                        key = (community, kind)
                        n = community_counters[key] = community_counters.get(key, 0) + 1
                        if rng.random() < 0.4 and kind == "enterprise":
                            ind = INDUSTRY_SHORT.get(self.plan.organizations[orgs[0]]["industry"], "")
                            name = self._unique_po_name(f"{community}{ind}企业联合党支部")
                        else:
                            name = self._unique_po_name(f"{community}{label}第{_cn(n)}联合党支部")
                po = self.party_org(name, FORMATION_TYPE[mode], mode, parent)
                for org in orgs:
                    self.plan.coverage.append((po, org))
                branch_orgs.append((po, mode, orgs))

        functional: list[int] = []
        for i in range(p.functional):
            label = ("流动党员", "新就业群体", "项目")[i % 3]
            short = root_name.replace("两新综合党委", "").replace("两新组织综合党委", "")
            functional.append(self.party_org(self._unique_po_name(f"{short}{label}功能型党支部"),
                                             "functional_branch", "platform", root))

        # organizations without a party org
        uncovered: dict[str, list[int]] = {}
        closed: list[int] = []
        for kind, spec in p.kinds.items():
            uncovered[kind] = [self.organization(kind, size="small") for _ in range(spec.uncovered)]
            for _ in range(spec.closed):
                closed.append(self.organization(kind, size="small",
                                                status="closed" if rng.random() < 0.6 else "moved_out"))
        all_uncovered = [o for lst in uncovered.values() for o in lst]

        # new branches of the last 12 months (001: 38 a year), the others older
        candidates = [po for po, mode, _ in branch_orgs if mode not in ("sub",)]
        rng.shuffle(candidates)
        recent = set(candidates[: p.new_last_year])
        for po in recent:
            self.plan.party_orgs[po]["founded_on"] = self.founded(recent=True)
            self.plan.party_orgs[po]["term_ends_on"] = add_years(self.plan.party_orgs[po]["founded_on"], 3)
        if p.new_last_year:
            year_ago = self.today - dt.timedelta(days=365)
            for i, po in enumerate(self.plan.party_orgs):
                if i not in recent and po["founded_on"] > year_ago:
                    po["founded_on"] = year_ago - dt.timedelta(days=rng.randint(30, 900))
                    term = add_years(po["founded_on"], 3)
                    while term < self.today - dt.timedelta(days=90):
                        term = add_years(term, 3)
                    po["term_ends_on"] = term

        # members
        should_build = set()
        joint_orgs = [o for _, mode, orgs in branch_orgs if mode in ("joint", "building", "fallback", "area")
                      for o in orgs]
        rng.shuffle(joint_orgs)
        should_build.update(joint_orgs[: p.should_build])
        for po, mode, orgs in branch_orgs:
            if mode == "single":
                self.staff_branch(po, orgs, (3, 9), (0, 3))
            elif mode == "sub":
                self.staff_branch(po, orgs, (5, 14), (0, 3))
            else:
                self.staff_branch(po, orgs, (1, 2), (0, 1))
                for org in orgs:
                    if org in should_build:
                        have = sum(1 for m in self.members_by_org.get(org, ())
                                   if self.plan.members[m]["status"] == "full")
                        for _ in range(max(0, rng.randint(3, 5) - have)):
                            self.member("full", po, org)
        # members working in organizations without a party org ("有党员无组织")
        fallback_po = next((po for po, mode, _ in branch_orgs if mode == "fallback"), None)
        for org in all_uncovered[: p.members_without_org]:
            for _ in range(rng.randint(1, 2)):
                self.member("full", fallback_po, org)
        # mobile members (流动党员) and relation transfers (CORE-7)
        fulls = [i for i, m in enumerate(self.plan.members) if m["status"] == "full" and not m["position"]]
        rng.shuffle(fulls)
        for i in fulls[: p.mobile_out]:
            m = self.plan.members[i]
            m.update(mobile="out", mobile_counterpart=rng.choice(MOBILE_OUT),
                     transfer_rule=rng.choice(("must", "mobilize", "consult")),
                     transfer_state=rng.choice(("pending", "done", "kept")))
        for i in fulls[p.mobile_out: p.mobile_out + p.lost_contact]:
            self.plan.members[i]["lost_contact"] = True
            self.plan.members[i]["points"] = rng.randint(0, 20)
        for i in fulls[p.mobile_out + p.lost_contact: p.mobile_out + p.lost_contact + 3]:
            self.plan.members[i].update(transfer_rule="must", transfer_state="pending")
        if functional:
            home = functional[0]
            secretary = self.member("full", home, None)
            self.appoint(home, secretary, "secretary")
            # they work in organizations with a branch of their own (not to distort 应建未建)
            workplaces = [orgs[0] for _, mode, orgs in branch_orgs if mode in ("single", "sub")]
            for _ in range(p.mobile_in):
                m = self.member("full", home, rng.choice(workplaces))
                self.plan.members[m].update(mobile="in", mobile_counterpart=rng.choice(MOBILE_IN),
                                            transfer_rule=rng.choice(("mobilize", "consult")),
                                            transfer_state=rng.choice(("kept", "pending")))
            for po in functional[1:]:
                self.appoint(po, self.member("full", po, rng.choice(workplaces)), "secretary")
                for _ in range(rng.randint(3, 6)):
                    self.member("full", po, rng.choice(workplaces))
        root_secretary = self.member("full", root, None)
        self.appoint(root, root_secretary, "secretary")
        for po in range(len(self.plan.party_orgs)):
            if self.plan.party_orgs[po]["org_type"] == "committee" and po != root:
                self.appoint(po, self.member("full", po, None), "secretary")

        # weak (软弱涣散) and model (示范) party orgs, venues
        branch_ids = [po for po, mode, _ in branch_orgs if po not in recent]
        rng.shuffle(branch_ids)
        weak = branch_ids[: p.weak]
        model = [po for po in branch_ids[p.weak:] if self.plan.party_orgs[po]["org_type"] != "functional_branch"]
        model = model[: p.model]
        for po in weak:
            self.plan.party_orgs[po]["is_weak"] = True
        for po in model:
            self.plan.party_orgs[po]["is_model"] = True
        for po in self.plan.party_orgs:
            if po["is_model"] or po["org_type"] == "committee":
                cls = 1
            elif po["is_weak"]:
                cls = None
            else:
                cls = _weighted(rng, ((2, 40), (3, 30), (None, 30)))
            if cls:
                po["venue_class"] = cls
                po["venue_accepted_on"] = self.date_between(po["founded_on"] + dt.timedelta(days=30), self.today)
                if po["venue_accepted_on"] > self.today:
                    po["venue_accepted_on"] = self.today
        for org_idx in {o for po, o in self.plan.coverage if po in weak}:
            self.plan.organizations[org_idx]["party_work_active"] = False

        # dissolved party orgs: they covered organizations that are uncovered now
        leftovers = closed + all_uncovered[p.members_without_org:]
        for i in range(p.dissolved):
            org = leftovers[i % len(leftovers)] if leftovers else None
            oname = self.plan.organizations[org]["name"] if org is not None else f"{root_name}第{_cn(i + 1)}"
            founded = self.today - dt.timedelta(days=365 * rng.randint(4, 9))
            po = self.party_org(self._unique_po_name(f"{oname}党支部"), "branch", "single", parents[
                self.plan.organizations[org]["kind"] if org is not None else next(iter(p.kinds))], founded=founded)
            self.plan.party_orgs[po].update(
                dissolved_on=self.date_between(founded + dt.timedelta(days=400), self.today - dt.timedelta(days=30)),
                dissolved_reason=rng.choice(DISSOLVED_REASONS),
                term_ends_on=add_years(founded, 3),
                secretary_name=self.person()[0],
                venue_class=None, venue_accepted_on=None,
            )
            if org is not None:
                self.plan.coverage.append((po, org))

        self.instructors(all_uncovered)
        secretary_org = next((orgs[0] for _, mode, orgs in branch_orgs if mode == "single"), None)
        if p.secretary_user and secretary_org is not None:
            self.plan.user_links.append({"username": p.secretary_user, "organization": secretary_org})
        return self.plan

    # --- instructors (CORE-6) ------------------------------------------------------------

    def instructors(self, uncovered: list[int]) -> None:
        p, rng, today = self.p, self.rng, self.today
        if not p.instructors:
            return
        units = INSTRUCTOR_UNITS.get(p.level, INSTRUCTOR_UNITS["street"])
        district = self.place.district if p.level == "street" else self.tenant_name
        for i in range(p.instructors + p.inactive_instructors):
            name, _ = self.person()
            self.plan.instructors.append({
                "name": name,
                "unit": rng.choice(units).format(n=self.tenant_name, d=district),
                "phone": self.phone(),
                "active": i < p.instructors,
                "username": p.instructor_user if i == 0 else None,
            })
        targets = sorted(instructor_targets(self.plan))
        rng.shuffle(targets)
        if not p.assign_all_targets:  # leave some without an instructor (shown on the dashboard)
            targets = targets[: max(len(targets) * 4 // 5, min(len(targets), p.instructors))]
        covered_new = [o for po, o in self.plan.coverage if self.plan.party_orgs[po]["founded_on"]
                       > today - dt.timedelta(days=365) and self.plan.party_orgs[po]["dissolved_on"] is None]
        assignments: list[tuple[int, int, bool]] = []  # (instructor, org, open)
        for k, org in enumerate(targets):
            assignments.append((k % p.instructors, org, True))
        for k, org in enumerate(covered_new[: p.instructors * 2]):
            assignments.append((k % p.instructors, org, True))
        for j in range(p.inactive_instructors):  # a former instructor, assignments ended
            for org in targets[j * 3: j * 3 + 3]:
                assignments.append((p.instructors + j, org, False))
        seen: set[tuple[int, int]] = set()
        for inst, org, is_open in assignments:
            if (inst, org) in seen:
                continue
            seen.add((inst, org))
            start = today - dt.timedelta(days=rng.randint(40, 700))
            end = None if is_open else self.date_between(start + dt.timedelta(days=60), today - dt.timedelta(days=10))
            self.plan.assignments.append({"instructor": inst, "organization": org, "start_on": start, "end_on": end})
            last = end or today
            for _ in range(rng.randint(1, 3)):
                visited = self.date_between(start + dt.timedelta(days=3), last)
                recent = visited > today - dt.timedelta(days=45)
                follow = rng.choice(VISIT_FOLLOW_UPS)
                self.plan.visits.append({
                    "instructor": inst, "organization": org, "visited_on": visited,
                    "findings": rng.choice(VISIT_FINDINGS), "follow_up": follow,
                    "follow_up_done": bool(follow) and not recent and rng.random() < 0.7,
                })
            if not is_open:
                continue
            self.plan.organizations[org]["party_work_active"] = (
                self.plan.organizations[org]["party_work_active"] or rng.random() < 0.4)
        self.plan.visits.sort(key=lambda v: (v["visited_on"], v["instructor"], v["organization"]))


def _place_for(slug: str, region: str | None) -> Place:
    if slug in PLACES:
        return PLACES[slug]
    return PLACES.get(f"generic-{region or 'hunan'}", PLACES["generic-hunan"])


def build_plan(slug: str, *, name: str = "", level: str = "street", region: str | None = None,
               today: dt.date | None = None, seed: str | None = None) -> Plan | None:
    """The demo registry of tenant ``slug`` (``None``: this tenant gets no demo registry).

    ``region`` ("hunan", "yueyang", "zhejiang") picks place names for a street without a
    profile of its own; ``seed`` defaults to ``liandong:<slug>``.
    """
    profile = PROFILES.get(slug)
    if profile is None:
        if level != "street":
            return None
        profile = GENERIC_STREET
    seed = seed or f"liandong:{slug}"
    builder = _Builder(profile, seed, tenant_name=name or slug, today=today or clock.today(),
                       place=_place_for(slug, region))
    return builder.build()


# --------------------------------------------------------------------------------------------
# Writing a plan
# --------------------------------------------------------------------------------------------


def _region_of(session: Session, tenant) -> str:
    """"hunan", "yueyang" or "zhejiang" from the tenant's ancestors (for streets without a profile)."""
    from core.models import Tenant

    parent_id = getattr(tenant, "parent_id", None)
    slugs = []
    for _ in range(10):
        if parent_id is None:
            break
        row = session.get(Tenant, parent_id)
        if row is None:
            break
        slugs.append(row.slug)
        parent_id = row.parent_id
    if "jinhua" in slugs:
        return "zhejiang"
    if "yueyang" in slugs or "nanhu" in slugs:
        return "yueyang"
    return "hunan"


def _insert_ids(session: Session, model, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    # Core (not ORM) inserts: one executemany whatever the None pattern of the rows
    table = model.__table__
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, rows).scalars().all())


def write_plan(session: Session, tenant_id: int, plan: Plan) -> dict[str, int]:
    """Bulk-insert ``plan`` into ``tenant_id`` (the session's tenant); returns row counts.

    Core inserts bypass the flush, hence the per-row audit; one summary entry is recorded.
    """
    from core.audit import record
    from core.models import User

    now = dt.datetime.now(dt.timezone.utc)
    stamp = {"tenant_id": tenant_id, "created_at": now, "updated_at": now}

    org_rows = []
    for org in plan.organizations:
        row = {k: v for k, v in org.items() if k != "contact_phone"}
        phone = org.get("contact_phone")
        phone = validators.normalize_mobile(phone) if phone else None
        row.update(stamp, community_tenant_id=None,
                   contact_phone_enc=crypto.encrypt(phone) if phone else None,
                   contact_phone_hash=crypto.blind_index(phone, "phone") if phone else None)
        org_rows.append(row)
    org_ids = _insert_ids(session, Organization, org_rows)

    # party orgs level by level (parents first)
    po_ids: list[int | None] = [None] * len(plan.party_orgs)
    depth: list[int] = []
    for po in plan.party_orgs:
        depth.append(0 if po["parent"] is None else depth[po["parent"]] + 1)
    for level in range(max(depth, default=-1) + 1):
        idx = [i for i, d in enumerate(depth) if d == level]
        rows = []
        for i in idx:
            row = {k: v for k, v in plan.party_orgs[i].items() if k != "parent"}
            parent = plan.party_orgs[i]["parent"]
            row.update(stamp, parent_id=po_ids[parent] if parent is not None else None)
            rows.append(row)
        for i, new_id in zip(idx, _insert_ids(session, PartyOrg, rows), strict=True):
            po_ids[i] = new_id

    if plan.coverage:
        session.execute(insert(PartyOrgCoverage.__table__), [
            {"tenant_id": tenant_id, "party_org_id": po_ids[p], "organization_id": org_ids[o]}
            for p, o in plan.coverage
        ])

    member_rows = []
    for m in plan.members:
        row = {k: v for k, v in m.items() if k not in ("id_number", "phone", "party_org", "organization")}
        idn = validators.normalize_id_number(m["id_number"]) if m["id_number"] else None
        phone = validators.normalize_mobile(m["phone"]) if m["phone"] else None
        row.update(
            stamp,
            id_number_enc=crypto.encrypt(idn) if idn else None,
            id_number_hash=crypto.blind_index(idn, "id_number") if idn else None,
            phone_enc=crypto.encrypt(phone) if phone else None,
            phone_hash=crypto.blind_index(phone, "phone") if phone else None,
            party_org_id=po_ids[m["party_org"]] if m["party_org"] is not None else None,
            organization_id=org_ids[m["organization"]] if m["organization"] is not None else None,
        )
        member_rows.append(row)
    if member_rows:
        session.execute(insert(Member.__table__), member_rows)

    usernames = {i["username"] for i in plan.instructors if i.get("username")} | {
        link["username"] for link in plan.user_links}
    users = dict(session.execute(select(User.username, User.id).where(User.username.in_(usernames))).all()) \
        if usernames else {}
    inst_rows = [
        {"name": i["name"], "unit": i["unit"], "active": i["active"], "user_id": users.get(i.get("username")),
         "phone_enc": crypto.encrypt(validators.normalize_mobile(i["phone"])) if i["phone"] else None, **stamp}
        for i in plan.instructors
    ]
    inst_ids = _insert_ids(session, Instructor, inst_rows)
    if plan.assignments:
        session.execute(insert(InstructorAssignment.__table__), [
            {"tenant_id": tenant_id, "instructor_id": inst_ids[a["instructor"]],
             "organization_id": org_ids[a["organization"]], "start_on": a["start_on"], "end_on": a["end_on"]}
            for a in plan.assignments
        ])
    if plan.visits:
        session.execute(insert(InstructorVisit.__table__), [
            {**stamp, "instructor_id": inst_ids[v["instructor"]], "organization_id": org_ids[v["organization"]],
             "visited_on": v["visited_on"], "findings": v["findings"], "follow_up": v["follow_up"],
             "follow_up_done": v["follow_up_done"]}
            for v in plan.visits
        ])
    links = [{"tenant_id": tenant_id, "user_id": users[link["username"]],
              "organization_id": org_ids[link["organization"]]}
             for link in plan.user_links if link["username"] in users]
    if links:
        session.execute(insert(UserOrganization.__table__), links)
    snapshots = []
    for month, on in snapshot_months(clock.today()):
        figures = plan_figures(plan, on)
        if figures is not None:
            snapshots.append({"tenant_id": tenant_id, "month": month, "figures": figures})
    if snapshots:
        session.execute(insert(CoverageSnapshot.__table__), snapshots)
    counts = {
        "organizations": len(org_rows), "party_orgs": len(plan.party_orgs), "coverage": len(plan.coverage),
        "members": len(member_rows), "instructors": len(inst_rows), "assignments": len(plan.assignments),
        "visits": len(plan.visits),
    }
    record(session, "registry.demo_load", tenant_id=tenant_id, entity="organizations",
           summary="载入演示台账：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    session.flush()
    return counts


def load_demo_registry(session: Session, tenant) -> None:
    """Give a demo tenant its registry (idempotent: nothing happens if it has organizations).

    ``session`` is scoped to ``tenant`` (a ``TenantInfo`` or anything with id/slug/name/level/
    parent_id). Streets without a profile of their own get a small generic registry; other
    tenants without one get nothing.
    """
    if session.scalar(select(Organization.id).limit(1)) is not None:
        return
    level = getattr(tenant, "level", "street")
    region = None
    if tenant.slug not in PROFILES:
        if level != "street":
            return
        region = _region_of(session, tenant)
    plan = build_plan(tenant.slug, name=getattr(tenant, "name", "") or tenant.slug, level=level, region=region)
    if plan is not None:
        write_plan(session, tenant.id, plan)
