"""The simulated electronic business licence provider's people and its login page: the demo
identities, and the page on which whoever opens it chooses or types who they are (a real
provider asks for the licence on a phone or a USB key instead)."""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

from hub.identifiers import make_uscc, uscc_errors

# The role claim's values.
ROLE_LEGAL_REPRESENTATIVE = "法定代表人"
ROLE_AGENT = "经办人"
# What the login page's forms carry from the authorization request to its answer.
PASSED_ON = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


@dataclass(frozen=True)
class Identity:
    """Who signs in: a person acting for an enterprise in a role, as the licence says."""

    uscc: str
    enterprise_name: str
    role: str
    name: str
    sub: str

    def claims(self) -> dict:
        return {
            "sub": self.sub,
            "name": self.name,
            "uscc": self.uscc,
            "enterprise_name": self.enterprise_name,
            "role": self.role,
        }


def person_subject(name: str, id_number: str = "") -> str:
    """The provider's stable subject for a person (a real one derives it from the ID card)."""
    return "p-" + hashlib.sha256(f"person|{id_number or name}".encode()).hexdigest()[:24]


# The demo enterprise that `manage.py load_demo` registers (郑州示例科技有限公司), its legal
# representative and an agent, one enterprise the demo has not registered (a mismatch), and
# the demo's unverified enterprise.
DEMO_USCC = make_uscc(region_code="410100", serial=1)
DEMO_IDENTITIES = (
    Identity(DEMO_USCC, "郑州示例科技有限公司", ROLE_LEGAL_REPRESENTATIVE, "李明", person_subject("李明")),
    Identity(DEMO_USCC, "郑州示例科技有限公司", ROLE_AGENT, "王芳", person_subject("王芳")),
    Identity(
        make_uscc(region_code="410100", serial=2),
        "郑州另一家商贸有限公司",
        ROLE_LEGAL_REPRESENTATIVE,
        "赵强",
        person_subject("赵强"),
    ),
    # The demo's unverified enterprise (洛阳待核验商贸有限公司): verify it with its licence.
    Identity(
        make_uscc(region_code="410300", serial=3),
        "洛阳待核验商贸有限公司",
        ROLE_LEGAL_REPRESENTATIVE,
        "周洛",
        person_subject("周洛"),
    ),
)


def chosen_identity(params: dict, identities: tuple[Identity, ...]) -> tuple[Identity | None, str]:
    """A demo identity by its index, or one typed in on the login page."""
    if params.get("identity", "") != "":
        index = params["identity"]
        if index.isdigit() and int(index) < len(identities):
            return identities[int(index)], ""
        return None, "请选择一个身份。"
    uscc = params.get("uscc", "").strip().upper()
    name, enterprise_name = params.get("name", "").strip(), params.get("enterprise_name", "").strip()
    role = params.get("role", "")
    if uscc_errors(uscc):
        return None, "统一社会信用代码无效。"
    if role not in (ROLE_LEGAL_REPRESENTATIVE, ROLE_AGENT) or not name or not enterprise_name:
        return None, "请填写企业名称、身份和姓名。"
    return Identity(uscc, enterprise_name, role, name, person_subject(name, params.get("id_number", "").strip())), ""


# The login page's looks, served as a file of its own (STYLESHEET_PATH): like the hub's, its
# pages carry no inline style, so their content security policy allows only its own files.
STYLESHEET_PATH = "/login.css"
STYLESHEET = (
    b"body{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
    b"form{margin:.5rem 0}label{display:block;margin:.4rem 0}.problem{color:#b00}"
    b"button{padding:.3rem 1rem}\n"
)


def page(body: str) -> bytes:
    """A whole HTML document around ``body``."""
    document = (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>电子营业执照登录(模拟)</title>'
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}"></head><body><h1>电子营业执照登录(模拟)</h1>'
        f"{body}</body></html>"
    )
    return document.encode()


def login_page(params: dict, identities: tuple[Identity, ...], problem: str = "") -> bytes:
    """The choice of a demo identity, a form to type one, and a cancel button; every form
    carries the authorization request on to ``POST /authorize``."""
    e = html.escape
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{e(params[name])}">' for name in PASSED_ON if name in params
    )
    choices = "".join(
        f'<form method="post" action="/authorize">{hidden}<input type="hidden" name="identity" value="{index}">'
        f'<button type="submit" data-testid="identity-{index}">{e(identity.name)}({e(identity.role)})· '
        f"{e(identity.enterprise_name)} {e(identity.uscc)}</button></form>"
        for index, identity in enumerate(identities)
    )
    roles = "".join(f'<option value="{role}">{role}</option>' for role in (ROLE_LEGAL_REPRESENTATIVE, ROLE_AGENT))
    body = (
        (f'<p class="problem" data-testid="problem">{e(problem)}</p>' if problem else "")
        + "<p>选择一个演示身份:</p>"
        + choices
        + '<p>或填写身份:</p><form method="post" action="/authorize" data-testid="custom-identity">'
        + hidden
        + '<label>统一社会信用代码 <input name="uscc" maxlength="18"></label>'
        + '<label>企业名称 <input name="enterprise_name"></label>'
        + f'<label>身份 <select name="role">{roles}</select></label>'
        + '<label>姓名 <input name="name"></label>'
        + '<label>证件号码(可选) <input name="id_number"></label>'
        + '<button type="submit">登录</button></form>'
        + f'<form method="post" action="/authorize">{hidden}<input type="hidden" name="action" value="cancel">'
        + '<button type="submit" data-testid="cancel">取消</button></form>'
    )
    return page(body)
