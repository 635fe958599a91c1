"""The two points rule sets the membership plugin ships (registered through its own hook
``register_points_rule_sets``, like any program would):

* 金华 12 分制 (004 JH-6: 推行党员目标管理、评星定级、"12 分制"积分管理): every member starts the
  year with 12 points; each breach deducts per rule; the year's remainder gives the 五星 grade.
* 长沙分类积分 (003 CS-4: 出台全市两新组织党员分类积分管理办法): rules differ by member class —
  在职 / 流动 / 离退休 / 新就业群体 — on a base of 60 points.

The seeds name the schemes, not their point values or grade limits: the values below are the
defaults, and a tenant overrides the grade limits in its settings (``star_grades``).
"""

from __future__ import annotations

from plugins.membership.types import PointsRule, PointsRuleSet

JINHUA_12 = PointsRuleSet(
    key="membership.jinhua_12",
    label="金华“12分制”积分（五星评定）",
    base=12,
    rules=(
        PointsRule("absent_meeting", "无故不参加组织生活（每次）", -1),
        PointsRule("dues_late", "未按规定交纳党费（每月）", -1),
        PointsRule("no_study", "未完成年度学习任务", -2),
        PointsRule("no_service", "未参加志愿服务或“亮身份”活动", -1),
        PointsRule("no_role", "在急难险重任务中未发挥作用", -2),
        PointsRule("complaint", "被群众有效投诉（每次）", -2),
        PointsRule("warning", "受到党内警告处分", -6),
        PointsRule("serious", "受到党内严重警告及以上处分", -12),
    ),
    grades=(("五星", 12), ("四星", 10), ("三星", 8), ("二星", 6), ("一星", 0)),
    description="每名党员年初 12 分，按规则扣分，年底按剩余分值评定星级。",
)

CHANGSHA_CLASSIFIED = PointsRuleSet(
    key="membership.changsha_classified",
    label="长沙两新组织党员分类积分",
    base=60,
    classified=True,
    rules=(
        PointsRule("meeting", "参加“三会一课”等组织生活（每次）", 1),
        PointsRule("absent_meeting", "无故不参加组织生活（每次）", -2),
        PointsRule("dues_on_time", "按时足额交纳党费（每季度）", 1),
        PointsRule("post_merit", "岗位建功、业绩突出", 5, ("employed", "new_group")),
        PointsRule("pioneer_post", "获评共产党员先锋岗、示范岗", 5, ("employed",)),
        PointsRule("report_back", "主动向党组织报告流动去向和思想工作情况", 3, ("mobile",)),
        PointsRule("join_local", "参加流入地党组织活动（每次）", 2, ("mobile",)),
        PointsRule("community_service", "参加社区志愿服务（每次）", 2, ("retired", "mobile")),
        PointsRule("red_station", "参与“红色之家”驿站服务（每次）", 2, ("new_group",)),
        PointsRule("show_identity", "亮身份、作表率，获服务对象好评", 2, ("new_group",)),
        PointsRule("mentor", "传帮带、结对帮扶青年党员", 3, ("retired",)),
        PointsRule("complaint", "被群众有效投诉（每次）", -5),
    ),
    grades=(("优秀", 90), ("良好", 75), ("合格", 60), ("基本合格", 45), ("不合格", 0)),
    description="基础分 60 分，在职、流动、离退休、新就业群体党员按各自的规则加减分。",
)
