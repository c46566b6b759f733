"""The demo county's reference data: units, users for every role, second-level categories.

Every function here is idempotent: rows are found by their natural key (unit code, username,
category code) and only missing ones are created; existing rows are never changed.
"""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Role, Unit, UnitKind, User
from petitions.models import Category, RoutingRule

BUREAU_CODE = "xfj"
LEADERSHIP_CODE = "xld"
# The unit of the plain `handler` and `leader` demo users: the township with the most petitions,
# so the two can work the same cases.
HOME_TOWNSHIP_CODE = "chengguan"
# Demo users get an address here (a reserved-style name that delivers nowhere) with e-mail
# notifications on, so the reminders' outbox has work; the console backend only prints them.
EMAIL_DOMAIN = "xinfang.example"

UNITS: list[tuple[str, str, str]] = [
    (BUREAU_CODE, "县信访局", UnitKind.BUREAU),
    (LEADERSHIP_CODE, "县委县政府领导", UnitKind.LEADERSHIP),
    ("gongan", "县公安局", UnitKind.DEPARTMENT),
    ("renshe", "县人力资源和社会保障局", UnitKind.DEPARTMENT),
    ("zhujian", "县住房和城乡建设局", UnitKind.DEPARTMENT),
    ("ziran", "县自然资源局", UnitKind.DEPARTMENT),
    ("jiaoyu", "县教育局", UnitKind.DEPARTMENT),
    ("weijian", "县卫生健康委员会", UnitKind.DEPARTMENT),
    ("shengtai", "市生态环境局县分局", UnitKind.DEPARTMENT),
    ("jiaotong", "县交通运输局", UnitKind.DEPARTMENT),
    ("minzheng", "县民政局", UnitKind.DEPARTMENT),
    ("nongye", "县农业农村局", UnitKind.DEPARTMENT),
    ("shichang", "县市场监督管理局", UnitKind.DEPARTMENT),
    ("sifa", "县司法局", UnitKind.DEPARTMENT),
    ("yibao", "县医疗保障局", UnitKind.DEPARTMENT),
    ("chengguan", "城关镇", UnitKind.TOWNSHIP),
    ("dongcheng", "东城街道", UnitKind.TOWNSHIP),
    ("qiaotou", "桥头镇", UnitKind.TOWNSHIP),
    ("liji", "李集镇", UnitKind.TOWNSHIP),
    ("hekou", "河口乡", UnitKind.TOWNSHIP),
    ("baiyang", "白杨镇", UnitKind.TOWNSHIP),
    ("shiqiao", "石桥乡", UnitKind.TOWNSHIP),
    ("xinzhuang", "新庄镇", UnitKind.TOWNSHIP),
    ("liulin", "柳林乡", UnitKind.TOWNSHIP),
    ("gaoping", "高坪镇", UnitKind.TOWNSHIP),
]

# Who decides a review of a unit's replies (Art. 35): for the county's townships and departments, the
# county government.
HIGHER_BODIES: dict[str, str] = {UnitKind.TOWNSHIP: "县人民政府", UnitKind.DEPARTMENT: "县人民政府"}

# Share of the county's petitions about each township (the county seat has the most).
TOWNSHIP_WEIGHTS = {
    "chengguan": 22,
    "dongcheng": 14,
    "qiaotou": 10,
    "liji": 9,
    "hekou": 8,
    "baiyang": 8,
    "shiqiao": 7,
    "xinzhuang": 8,
    "liulin": 6,
    "gaoping": 8,
}

# Second-level categories under the 17 first-level ones of migration petitions/0002, with the
# department that is usually competent for them (None: the township where it happened).
SUBCATEGORIES: dict[str, list[tuple[str, str, str | None]]] = {
    "01": [("0101", "治安管理", "gongan"), ("0102", "刑事案件", "gongan"), ("0103", "涉法涉诉", "sifa"), ("0104", "人民调解", "sifa")],
    "02": [("0201", "通信网络", "shichang"), ("0202", "科技管理", None), ("0203", "知识产权", "shichang")],
    "03": [("0301", "违反廉洁纪律", None), ("0302", "滥用职权", None), ("0303", "工作作风", None)],
    "04": [("0401", "政务公开", None), ("0402", "行政审批", None), ("0403", "机关作风", None), ("0404", "政策咨询", None)],
    "05": [
        ("0501", "土地征收补偿", "ziran"),
        ("0502", "土地权属争议", "ziran"),
        ("0503", "违法占地", "ziran"),
        ("0504", "矿产资源", "ziran"),
    ],
    "06": [("0601", "教师待遇", "jiaoyu"), ("0602", "入学招生", "jiaoyu"), ("0603", "学校管理", "jiaoyu"), ("0604", "校外培训", "jiaoyu")],
    "07": [
        ("0701", "拖欠工资", "renshe"),
        ("0702", "社会保险", "renshe"),
        ("0703", "劳动关系", "renshe"),
        ("0704", "退休待遇", "renshe"),
        ("0705", "工伤认定", "renshe"),
    ],
    "08": [
        ("0801", "房屋征收与拆迁", "zhujian"),
        ("0802", "物业管理", "zhujian"),
        ("0803", "商品房质量与交付", "zhujian"),
        ("0804", "违法建设", "zhujian"),
        ("0805", "市政设施", "zhujian"),
    ],
    "09": [
        ("0901", "土地承包经营", "nongye"),
        ("0902", "农村集体资产", "nongye"),
        ("0903", "惠农补贴", "nongye"),
        ("0904", "宅基地", "nongye"),
        ("0905", "村务管理", None),
    ],
    "10": [("1001", "医疗纠纷", "weijian"), ("1002", "医疗保障", "yibao"), ("1003", "公共卫生", "weijian")],
    "11": [
        ("1101", "大气污染", "shengtai"),
        ("1102", "水污染", "shengtai"),
        ("1103", "噪声污染", "shengtai"),
        ("1104", "固体废物", "shengtai"),
    ],
    "12": [("1201", "道路建设", "jiaotong"), ("1202", "客运出租", "jiaotong"), ("1203", "公路管理", "jiaotong")],
    "13": [
        ("1301", "低保救助", "minzheng"),
        ("1302", "养老服务", "minzheng"),
        ("1303", "优抚安置", "minzheng"),
        ("1304", "殡葬管理", "minzheng"),
    ],
    "14": [("1401", "企业改制", None), ("1402", "民间借贷", "gongan"), ("1403", "非法集资", "gongan")],
    "15": [("1501", "消费维权", "shichang"), ("1502", "市场管理", "shichang"), ("1503", "食品安全", "shichang")],
    "16": [("1601", "干部选任", None), ("1602", "人事调动", None), ("1603", "工资福利", "renshe")],
    "99": [("9901", "其他事项", None)],
}

# Family names weighted roughly by frequency, and the characters given names are made of.
SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAME_CHARACTERS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬建国文辉力永志春梅海燕金凤云飞德福成林庆荣贵明新宇浩然子轩佳怡欣雨晨"
)

STAFF_GIVEN_NAMES = [
    "晓明",
    "建华",
    "丽娟",
    "志强",
    "海燕",
    "国庆",
    "春梅",
    "文军",
    "红霞",
    "永刚",
    "秀兰",
    "立新",
    "卫东",
    "小平",
    "玉兰",
    "德胜",
    "美玲",
    "振华",
    "桂芳",
    "俊杰",
]


@dataclass
class CountyReport:
    """What the reference-data step created (existing rows are counted as kept)."""

    units_created: int = 0
    units_kept: int = 0
    users_created: int = 0
    users_kept: int = 0
    categories_created: int = 0
    categories_kept: int = 0
    created_usernames: list[str] = field(default_factory=list)


def demo_user_specs() -> list[tuple[str, str, str, list[Role]]]:
    """(username, full name, unit code, roles) for every demo user."""
    specs = [
        ("clerk", "张晓明", BUREAU_CODE, [Role.CLERK]),
        ("supervisor", "李建华", BUREAU_CODE, [Role.SUPERVISOR]),
        ("admin", "系统管理员", BUREAU_CODE, [Role.ADMIN]),
        ("handler", "王丽娟", HOME_TOWNSHIP_CODE, [Role.HANDLER]),
        ("leader", "刘志强", HOME_TOWNSHIP_CODE, [Role.LEADER]),
    ]
    for number, (code, _name, kind) in enumerate(UNITS):
        surname = SURNAMES[(number * 7) % len(SURNAMES)]
        roles = [Role.LEADER] if kind == UnitKind.LEADERSHIP else [Role.CLERK, Role.HANDLER, Role.LEADER]
        for offset, role in enumerate(roles):
            given = STAFF_GIVEN_NAMES[(number * 3 + offset) % len(STAFF_GIVEN_NAMES)]
            specs.append((f"{role}_{code}", f"{surname}{given}", code, [role]))
    return specs


@transaction.atomic
def county_create(*, password: str) -> tuple[CountyReport, dict[str, Unit], dict[str, User]]:
    """Create what is missing of the demo county; return the report, units by code, users by username."""
    report = CountyReport()
    units: dict[str, Unit] = {unit.code: unit for unit in Unit.objects.filter(code__in=[code for code, _n, _k in UNITS])}
    for code, name, kind in UNITS:
        if code in units:
            report.units_kept += 1
            continue
        units[code] = Unit.objects.create(code=code, name=name, kind=kind, higher_body=HIGHER_BODIES.get(kind, ""))
        report.units_created += 1

    specs = demo_user_specs()
    users: dict[str, User] = {user.username: user for user in User.objects.filter(username__in=[spec[0] for spec in specs])}
    password_hash = None
    for username, full_name, unit_code, roles in specs:
        if username in users:
            report.users_kept += 1
            continue
        # One hash for every demo account: hashing is deliberately slow (~0.5 s each).
        password_hash = password_hash or make_password(password)
        is_admin = Role.ADMIN in roles
        users[username] = User.objects.create(
            username=username,
            password=password_hash,
            full_name=full_name,
            email=f"{username}@{EMAIL_DOMAIN}",
            email_notifications=True,
            unit=units[unit_code],
            roles=[str(role) for role in roles],
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        report.users_created += 1
        report.created_usernames.append(username)

    first_level = {category.code: category for category in Category.objects.filter(parent__isnull=True)}
    existing_codes = set(Category.objects.values_list("code", flat=True))
    for parent_code, children in SUBCATEGORIES.items():
        parent = first_level.get(parent_code)
        if parent is None:  # The migration's row was removed by hand; the demo still needs it.
            raise LookupError(f"First-level category {parent_code} is missing; run migrate first.")
        for code, name, _department in children:
            if code in existing_codes:
                report.categories_kept += 1
                continue
            Category.objects.create(code=code, name=name, parent=parent)
            report.categories_created += 1
    routing_rules_create(units)
    return report, units, users


# Routing rules beyond the departments of SUBCATEGORIES: (category code, township code, unit code, why).
LOCAL_RULES = [
    ("0502", "chengguan", "chengguan", "个人之间的土地权属争议由乡镇人民政府处理（《土地管理法》第十四条）"),
    ("0502", "dongcheng", "dongcheng", "个人之间的土地权属争议由乡镇人民政府处理（《土地管理法》第十四条）"),
]


def routing_rules_create(units: dict[str, Unit]) -> None:
    """The county's routing table (谁主管、谁负责): each sub-category with a competent department goes to
    it whatever the township; a few local exceptions. Missing rules only, keyed by (category, locality)."""
    categories = {category.code: category for category in Category.objects.all()}
    wanted = [
        (code, None, department, f"谁主管、谁负责：{categories[code].name}由{units[department].name}主管")
        for children in SUBCATEGORIES.values()
        for code, _name, department in children
        if department is not None
    ] + LOCAL_RULES
    existing = set(RoutingRule.objects.values_list("category__code", "locality__code"))
    RoutingRule.objects.bulk_create(
        RoutingRule(
            category=categories[category_code],
            locality=units[township] if township else None,
            unit=units[unit_code],
            note=note,
        )
        for category_code, township, unit_code, note in wanted
        if (category_code, township) not in existing
    )
