"""The lists' states and their machines: demand and work-item statuses with their labels,
the allowed transitions, and the refusals (``FormErrors`` keyed ``status``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from core.forms import FormErrors
from plugins.lists.models import ListDemand

STATUSES = {"submitted": "已提交", "accepted": "已受理", "in_progress": "办理中", "resolved": "已解决",
            "rated": "已评价", "rejected": "已退回"}
OPEN_STATUSES = ("submitted", "accepted", "in_progress")
SOLVED_STATUSES = ("resolved", "rated")
CHANNELS = {"secretary": "书记提交", "staff": "专干代录", "station": "服务站接单"}
ESCALATION_STATUSES = {"pending": "待上级答复", "answered": "上级已答复"}
WORK_STATUSES = {"claimed": "待确认", "open": "进行中", "done": "已完成", "cancelled": "已取消"}
WORK_ACTIVE = ("claimed", "open")
CLAIM_SIDES = {"staff": "专干匹配", "requester": "需求方认领", "provider": "资源方认领"}
RESOURCE_STATUSES = {"active": "有效", "withdrawn": "已撤回"}
STATION_LEVELS = {"street": "街道", "community": "社区（村）"}
SLA_STATES = {"overdue": "已超期", "due_soon": "即将到期", "ok": "未到期"}


@dataclass(frozen=True)
class Transition:
    action: str
    verb: str  # for the message: 不能「verb」
    sources: tuple[str, ...]
    target: str


#: the demand's state machine; everything not listed here is refused
TRANSITIONS = {
    "accept": Transition("accept", "受理", ("submitted",), "accepted"),
    "start": Transition("start", "开始办理", ("accepted",), "in_progress"),
    "resolve": Transition("resolve", "办结", ("in_progress",), "resolved"),
    "rate": Transition("rate", "评价", ("resolved",), "rated"),
    "reject": Transition("reject", "退回", ("submitted", "accepted"), "rejected"),
}
#: other actions on a demand and the states they need
ACTION_STATES = {
    "match": ("匹配资源", OPEN_STATUSES),
    "claim": ("认领", OPEN_STATUSES),
    "escalate": ("上报", ("accepted", "in_progress")),
    "edit": ("修改", ("submitted",)),
}
WORK_TRANSITIONS = {
    "confirm": Transition("confirm", "确认认领", ("claimed",), "open"),
    "complete": Transition("complete", "完成", ("open",), "done"),
    "cancel": Transition("cancel", "取消", ("claimed", "open"), "cancelled"),
}


def refuse_state(current: str, verb: str, labels: Mapping[str, str] = STATUSES) -> FormErrors:
    return FormErrors({"status": f"当前状态为「{labels.get(current, current)}」，不能{verb}"})


def check_transition(demand: ListDemand, action: str) -> Transition:
    t = TRANSITIONS[action]
    if demand.status not in t.sources:
        raise refuse_state(demand.status, t.verb)
    return t


def check_action(demand: ListDemand, action: str) -> None:
    verb, states = ACTION_STATES[action]
    if demand.status not in states:
        raise refuse_state(demand.status, verb)


def allowed_actions(demand: ListDemand) -> set[str]:
    """Transitions and actions the demand's state allows (rights are checked separately)."""
    out = {a for a, t in TRANSITIONS.items() if demand.status in t.sources}
    out |= {a for a, (_verb, states) in ACTION_STATES.items() if demand.status in states}
    if demand.escalation_status == "pending":
        out.discard("escalate")
    return out
