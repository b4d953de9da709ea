"""No page carries code or styles of its own: no inline script, no ``<style>``, no ``style``
attribute, no ``on…`` event handler and no ``javascript:`` URL, so the content security
policy can allow the hub's own static files and nothing else. Every template is read, and
every page of every role is rendered (as tests/test_pages_in_chinese.py finds them), with the
administration, the API docs, the error pages and the e-licence simulator's login page."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from hub.verification.e_license_simulator import ProviderConfig, start_e_license_provider
from tests.test_pages_in_chinese import _page_paths, objects  # noqa: F401 (objects is a fixture)

pytestmark = pytest.mark.django_db

# <script type=…> blocks that hold data, not code (json_script): the policy does not apply.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
EVENT_HANDLER = re.compile(r"^on[a-z]+$")
URL_ATTRIBUTES = {"href", "src", "action", "formaction"}


class _InlineCode(HTMLParser):
    """Collects every piece of a document that a strict policy would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src") and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            elif EVENT_HANDLER.match(name):
                self.found.append(f'<{tag} {name}="{value}">')
            elif name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def _template_files() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [
        Path(config.path) / "templates"
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in ("hub", "connectors", "lending", "whitelist")
    ]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_the_checker_finds_each_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{}</script><style>p{}</style>'
        '<p style="color:red">x</p><select onchange="go()"></select><a href="javascript:go()">y</a>'
    )

    assert len(inline_code(html)) == 5


def _without_template_language(source: str) -> str:
    """The template as HTML: tags and comments dropped (so that an attribute inside an
    ``{% if %}`` is read as one), variables as a placeholder."""
    source = re.sub(r"{#.*?#}", "", source, flags=re.DOTALL)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.DOTALL)
    return re.sub(r"{{.*?}}", "x", source, flags=re.DOTALL)


def test_no_template_holds_inline_script_style_or_handler():
    templates = _template_files()
    found = {str(path): inline_code(_without_template_language(path.read_text(encoding="utf-8"))) for path in templates}

    assert len(templates) > 40
    assert {path: pieces for path, pieces in found.items() if pieces} == {}


@pytest.mark.parametrize(
    "persona",
    ["enterprise_admin", "bank_officer", "bank_admin", "regulator_user", "platform_admin", "operator", None],
)
def test_no_page_of_any_role_holds_inline_code(client, request, persona, objects):  # noqa: F811
    if persona:
        client.force_login(request.getfixturevalue(persona))
    found, seen = {}, 0
    for path in [*_page_paths(), *objects]:
        response = client.get(path, follow=True)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        seen += 1
        pieces = inline_code(response.content.decode())
        if pieces:
            found[path] = pieces[:5]

    assert seen > 10
    assert found == {}


def test_no_administration_page_holds_inline_code(client, operator):
    client.force_login(operator)
    paths = [reverse("admin:index"), reverse("admin:hub_user_change", args=[operator.pk])]
    for model in admin.site._registry:
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    found = {}
    for path in paths:
        response = client.get(path)
        if response.status_code == 403:  # read-only models: no add form
            continue
        assert response.status_code == 200, path
        if pieces := inline_code(response.content.decode()):
            found[path] = pieces[:5]

    assert found == {}


def test_the_api_docs_hold_no_inline_code(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("status", [400, 403, 404, 500])
def test_no_error_page_holds_inline_code(rf, status):
    from hub.views import health

    view = {400: health.bad_request, 403: health.permission_denied, 404: health.page_not_found}.get(status)
    request = rf.get("/somewhere/")
    response = view(request, Exception()) if view else health.server_error(request)

    assert response.status_code == status
    assert inline_code(response.content.decode()) == []


def test_the_e_licence_simulators_login_page_holds_no_inline_code():
    import requests

    query = {
        "response_type": "code",
        "client_id": "hub",
        "redirect_uri": "http://127.0.0.1:8000/verification/e-license/callback/",
        "scope": "openid",
        "state": "s",
        "code_challenge": "c" * 43,
        "code_challenge_method": "S256",
    }
    with start_e_license_provider(ProviderConfig("hub", "secret")) as provider:
        login = requests.get(f"{provider.base_url}/authorize?{urlencode(query)}", timeout=10)
        unknown_client = requests.get(
            f"{provider.base_url}/authorize?{urlencode(query | {'client_id': 'x'})}", timeout=10
        )

    assert login.status_code == 200 and 'data-testid="identity-0"' in login.text
    assert inline_code(login.text) == []
    assert unknown_client.status_code == 400
    assert inline_code(unknown_client.text) == []
