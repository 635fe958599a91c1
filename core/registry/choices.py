"""Code lists of the registry: stored as the English code, shown as the Chinese label."""

ORG_KINDS = {"enterprise": "非公企业", "social": "社会组织"}

ORG_SUB_KINDS = {
    "enterprise": {
        "llc": "有限责任公司",
        "joint_stock": "股份有限公司",
        "sole_proprietorship": "个人独资企业",
        "partnership": "合伙企业",
        "individual": "个体工商户",
        "foreign": "外商投资企业",
        "other_enterprise": "其他企业",
    },
    "social": {
        "association": "社会团体",
        "private_non_enterprise": "民办非企业单位",
        "foundation": "基金会",
        "intermediary": "中介组织",
        "other_social": "其他社会组织",
    },
}

#: GB/T 4754-2017 sections
INDUSTRIES = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}

ORG_STATUSES = {"operating": "在营", "closed": "已注销", "moved_out": "已迁出"}

PARTY_ORG_TYPES = {
    "committee": "党委",
    "general_branch": "党总支",
    "branch": "党支部",
    "joint_branch": "联合党支部",
    "temporary_branch": "临时党支部",
    "functional_branch": "功能型党支部",
}

FORMATION_MODES = {
    "single": "单独组建",
    "joint": "联合组建",
    "lead": "龙头领建",
    "platform": "平台统建",
    "building": "楼宇共建",
    "area": "区域合建",
    "fallback": "兜底组建",
}

VENUE_CLASSES = {1: "一类阵地", 2: "二类阵地", 3: "三类阵地"}

GENDERS = {"male": "男", "female": "女"}

EDUCATION = {
    "junior": "初中及以下",
    "senior": "高中/中专",
    "college": "大专",
    "bachelor": "本科",
    "master": "硕士",
    "doctor": "博士",
}

#: the pipeline, in order
MEMBER_STATUSES = {
    "applicant": "入党申请人",
    "activist": "入党积极分子",
    "candidate": "发展对象",
    "probationary": "预备党员",
    "full": "正式党员",
}

POSITIONS = {"": "无", "secretary": "书记", "deputy_secretary": "副书记", "committee": "委员"}

MOBILE_DIRECTIONS = {"": "否", "out": "流出", "in": "流入"}

#: relation transfer rules (003 §9): must / mobilise / consult
TRANSFER_RULES = {"": "无需转接", "must": "必须转", "mobilize": "动员转", "consult": "征求意见转"}
#: "out": the relation went to another party org outside the tenant (set by a transfer's acceptance)
TRANSFER_STATES = {"": "—", "pending": "待转接", "done": "已转接", "kept": "保留原关系", "out": "已转出"}
