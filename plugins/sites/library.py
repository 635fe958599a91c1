"""The kinds of place the seeds name, offered by the block to every tenant that keeps the
``builtin_kinds`` setting on. Grades and suggested services are defaults a tenant may ignore."""

from __future__ import annotations

from plugins.sites.types import SiteKind

VENUE = SiteKind("sites.venue", "党员活动阵地", grades=(("1", "一类阵地"), ("2", "二类阵地"), ("3", "三类阵地")),
                 grade_label="阵地类别", services=("组织生活", "党员教育", "党建展示"), order=10,
                 description="两新组织党员活动阵地，按一、二、三类验收（东方红 DFH-5）。")
SERVICE_CENTRE = SiteKind("sites.service_centre", "党群服务中心", grades=(("street", "街道级"), ("community", "社区（村）级"),
                                                                    ("area", "区域性")),
                          grade_label="层级", services=("党建服务", "企业服务", "群众服务"), order=20)
RED_STATION = SiteKind("sites.red_station", "红色驿站", services=("休息饮水", "手机充电", "应急药箱", "政策宣传"), order=30,
                       description="服务新就业群体的红色驿站（27 个，002）。")
GIG_STATION = SiteKind("sites.gig_station", "零工驿站", services=("求职登记", "岗位推荐", "技能培训"), order=31)
LOVE_STATION = SiteKind("sites.love_station", "爱心驿站", services=("休息饮水", "爱心餐", "应急帮扶"), order=32)
CG_STATION = SiteKind("sites.cg_station", "城管驿站", services=("休息饮水", "便民服务"), order=33)
RED_HOME = SiteKind("sites.red_home", "红色之家", services=("学习教育", "休息服务", "权益维护"), order=40,
                    description="货车司机、快递外卖小哥的红色之家（003 CS-2）。")
SANJI_BASE = SiteKind("sites.sanji_base", "“三基”基地", services=("党建基地", "孵化基地", "服务基地"), order=50,
                      description="社会组织党建基地、孵化基地、服务基地（003）。")
PARTY_SCHOOL = SiteKind("sites.party_school", "街道党校", services=("主题沙龙", "培训讲堂", "实践教学"), order=60)

BUILTIN = (VENUE, SERVICE_CENTRE, RED_STATION, GIG_STATION, LOVE_STATION, CG_STATION, RED_HOME, SANJI_BASE,
           PARTY_SCHOOL)
