"""Standard checklists from the seed documents, offered by the block to every tenant that keeps
the ``standard_templates`` setting on (programs may register them again under their own key, or
their own variants). Which items need evidence is a default the seeds do not state: a tenant that
wants other rules defines its own template in the UI."""

from __future__ import annotations

from plugins.checklists.types import ChecklistTemplate, ItemSpec

#: 004 JH-2: 党建联盟 "六专"
LIUZHUAN = ChecklistTemplate(
    key="checklists.liuzhuan", label="党建联盟“六专”建设", subject_kinds=("cluster",), order=10,
    description="金华：每个党建联盟对照“六专”逐项建设（专门机构、专职人员、专门场地、专门牌子、专项经费、专业队伍）。",
    items=(ItemSpec("organ", "专门机构", True, guidance="联盟党组织或工作机构的成立文件"),
           ItemSpec("staff", "专职人员", True, guidance="专职党务工作者名单及聘用材料"),
           ItemSpec("venue", "专门场地", True, guidance="活动场地照片"),
           ItemSpec("sign", "专门牌子", True, guidance="挂牌照片"),
           ItemSpec("funds", "专项经费", True, guidance="经费预算或拨付凭证"),
           ItemSpec("team", "专业队伍", False, guidance="志愿服务、专业服务队伍名单")))

#: 003 CS-1: 楼宇商圈党建点 "三项保障"
SANXIANG = ChecklistTemplate(
    key="checklists.sanxiang", label="楼宇商圈党建点“三项保障”", order=20,
    subject_kinds=("cluster", "site"),
    description="长沙：每个楼宇、商圈、专业市场党建点落实专职人员、启动和运行经费、活动阵地三项保障。",
    items=(ItemSpec("staff", "配备专职党务工作者", True, guidance="人员名单及聘用（选派）文件"),
           ItemSpec("funds", "落实启动经费和运行经费", True, guidance="经费拨付凭证"),
           ItemSpec("venue", "有固定的党群活动阵地", True, guidance="阵地照片")))

#: 004 JH-6: 产业示范集群 "六个有"
LIUGEYOU = ChecklistTemplate(
    key="checklists.liugeyou", label="两新党建产业示范集群“六个有”", subject_kinds=("cluster",), order=30,
    description="金华：按“六个有”标准打造两新党建产业示范集群，每个县（市、区）每年至少建成 1 个。",
    items=(ItemSpec("industry", "有别具特色的产业集群"),
           ItemSpec("party_org", "有坚强有力的产业链党组织", True),
           ItemSpec("self_rule", "有健全完善的行业自治机制", True),
           ItemSpec("centre", "有功能齐全的区域性党群服务中心", True),
           ItemSpec("results", "有国内领先的发展业绩"),
           ItemSpec("image", "有良好的社会形象")))

STANDARD = (LIUZHUAN, SANXIANG, LIUGEYOU)
