"""Delivery channels a tenant configures: email over SMTP and group robots of 企业微信 and 钉钉.

* 企业微信 group robot: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` with
  ``{"msgtype": "text", "text": {"content": "…"}}``; answers ``{"errcode": 0, "errmsg": "ok"}``.
* 钉钉 custom robot: ``POST https://oapi.dingtalk.com/robot/send?access_token=…`` with the same
  ``{"msgtype": "text", "text": {"content": "…"}}``; with 加签 (a ``SEC…`` secret) the URL also
  carries ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")),
  URL-encoded; answers ``{"errcode": 0, …}``.
* email: ``smtplib`` (STARTTLS or SSL optional, login optional), one message to the configured
  addresses.

Secrets (the SMTP password, the robot URL with its key, the signing secret) are stored
encrypted (:mod:`core.crypto`) as one JSON object and never shown again once saved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import smtplib
import ssl
import time
import urllib.parse
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

import httpx

from core import crypto
from core.forms import FormErrors, text, text_problem
from core.notify.models import CHANNEL_EVENTS, CHANNEL_KINDS, NotificationChannel

TIMEOUT = 10.0
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOST = re.compile(r"^[A-Za-z0-9.\-]+$")
SECURITY = {"none": "不加密", "starttls": "STARTTLS", "ssl": "SSL/TLS"}


class DeliveryError(RuntimeError):
    """The receiver refused or did not answer; the message says why (kept on the delivery)."""


# --- secrets ---------------------------------------------------------------------------------


def secrets_of(channel: NotificationChannel) -> dict[str, str]:
    if not channel.secret:
        return {}
    return json.loads(crypto.decrypt(channel.secret) or "{}")


def _seal(values: Mapping[str, str]) -> str | None:
    kept = {k: v for k, v in values.items() if v}
    return crypto.encrypt(json.dumps(kept, ensure_ascii=False)) if kept else None


# --- the form --------------------------------------------------------------------------------


def clean_channel(raw: Mapping[str, Any], existing: NotificationChannel | None = None
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Validated ``(fields, secrets)`` of a channel form; :class:`FormErrors` in Chinese.

    A secret left empty when editing keeps the stored one."""
    errors: dict[str, str] = {}
    old = secrets_of(existing) if existing is not None else {}
    name = text(raw, "name")
    kind = existing.kind if existing is not None else text(raw, "kind")
    if not name:
        errors["name"] = "请填写名称"
    elif len(name) > 100 or text_problem(name):
        errors["name"] = "名称不能超过100个字符" if len(name) > 100 else "名称" + (text_problem(name) or "")
    if kind not in CHANNEL_KINDS:
        errors["kind"] = "请选择渠道类型"
    events = raw.get("events", [])
    events = [events] if isinstance(events, str) else list(events or [])
    events = [e for e in dict.fromkeys(str(e) for e in events)]
    if any(e not in CHANNEL_EVENTS for e in events):
        errors["events"] = "发送内容不正确"
    elif not events:
        errors["events"] = "请至少选择一项发送内容"
    enabled = text(raw, "enabled", "1") not in ("", "0", "false", "off")
    config: dict[str, Any] = {}
    secret: dict[str, str] = {}
    if kind == "email":
        host = text(raw, "host")
        if not host or not HOST.match(host) or len(host) > 255:
            errors["host"] = "请填写正确的 SMTP 服务器地址"
        port_text = text(raw, "port", "25")
        port = int(port_text) if port_text.isascii() and port_text.isdigit() and len(port_text) <= 5 else 0
        if not 1 <= port <= 65535:
            errors["port"] = "端口应为 1–65535 的整数"
        security = text(raw, "security", "none")
        if security not in SECURITY:
            errors["security"] = "请选择加密方式"
        sender = text(raw, "sender")
        if not EMAIL.match(sender) or len(sender) > 200:
            errors["sender"] = "请填写正确的发件人邮箱"
        to = [a for a in re.split(r"[,，;；\s]+", text(raw, "to")) if a]
        if not to:
            errors["to"] = "请填写收件人邮箱"
        elif len(to) > 50 or any(not EMAIL.match(a) or len(a) > 200 for a in to):
            errors["to"] = "收件人邮箱格式不正确（多个用逗号分隔，最多50个）"
        username = text(raw, "username")
        if len(username) > 200 or text_problem(username):
            errors["username"] = "用户名不正确"
        password = text(raw, "password") or old.get("password", "")
        if len(password) > 500:
            errors["password"] = "密码过长"
        config = {"host": host, "port": port, "security": security, "sender": sender, "to": to,
                  "username": username}
        secret = {"password": password}
    elif kind in ("wecom", "dingtalk"):
        url = text(raw, "url") or old.get("url", "")
        parsed = urllib.parse.urlsplit(url)
        if not url:
            errors["url"] = "请填写机器人的 Webhook 地址"
        elif parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 1000 or text_problem(url):
            errors["url"] = "Webhook 地址应以 https:// 开头"
        sign_secret = ""
        if kind == "dingtalk":
            sign_secret = text(raw, "sign_secret") or old.get("sign_secret", "")
            if len(sign_secret) > 200 or text_problem(sign_secret):
                errors["sign_secret"] = "加签密钥不正确"
        config = {"host": parsed.netloc}
        secret = {"url": url, "sign_secret": sign_secret}
    if errors:
        raise FormErrors(errors)
    return {"name": name, "kind": kind, "enabled": enabled, "events": events, "config": config}, secret


def apply_channel(channel: NotificationChannel, fields: Mapping[str, Any], secret: Mapping[str, str]) -> None:
    for key, value in fields.items():
        setattr(channel, key, value)
    channel.secret = _seal(secret)


# --- sending ---------------------------------------------------------------------------------


def message_text(title: str, body: str, link: str) -> str:
    return "\n".join(p for p in (f"【联动】{title}", body, link) if p)


def send(channel: NotificationChannel, title: str, body: str, link: str) -> None:
    """Send one message through ``channel``; :class:`DeliveryError` when it is refused."""
    secret = secrets_of(channel)
    if channel.kind == "email":
        _send_email(channel.config, secret, title, body, link)
    elif channel.kind in ("wecom", "dingtalk"):
        url = secret.get("url", "")
        if channel.kind == "dingtalk" and secret.get("sign_secret"):
            url = dingtalk_signed_url(url, secret["sign_secret"])
        _post_robot(url, {"msgtype": "text", "text": {"content": message_text(title, body, link)}})
    else:
        raise DeliveryError(f"未知的渠道类型 {channel.kind}")


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    """钉钉 加签: ``timestamp`` and ``sign`` added to the robot's URL."""
    ts = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={ts}&sign={sign}"


def _post_robot(url: str, payload: dict[str, Any]) -> None:
    try:
        response = httpx.post(url, json=payload, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"无法连接机器人地址：{type(exc).__name__}") from exc
    if response.status_code != 200:
        raise DeliveryError(f"机器人地址回答 HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise DeliveryError(f"机器人拒绝了消息：{answer.get('errcode')} {str(answer.get('errmsg', ''))[:200]}")


def _send_email(config: Mapping[str, Any], secret: Mapping[str, str], title: str, body: str, link: str) -> None:
    msg = EmailMessage()
    msg["Subject"] = f"【联动】{title}"
    msg["From"] = formataddr(("联动", config["sender"]))
    msg["To"] = ", ".join(config["to"])
    msg.set_content("\n\n".join(p for p in (body, link) if p) or title)
    security = config.get("security", "none")
    try:
        if security == "ssl":
            smtp = smtplib.SMTP_SSL(config["host"], config["port"], timeout=TIMEOUT,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["host"], config["port"], timeout=TIMEOUT)
        with smtp:
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("username"):
                smtp.login(config["username"], secret.get("password", ""))
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"邮件发送失败：{type(exc).__name__} {str(exc)[:200]}") from exc
