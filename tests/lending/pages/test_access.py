"""Lending pages: who may open which, and the navigation."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/products/", "/products/1/apply/", "/applications/", "/applications/1/", "/dashboard/", "/events/", "/matches/"],
)
def test_the_pages_need_a_login(client, path):
    response = client.get(path)

    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/applications/", ["enterprise_admin", "bank_officer", "outsider"]),
        ("/applications/new-demand/", ["enterprise_admin", "outsider"]),
        ("/dashboard/", ["regulator_user", "operator"]),
        ("/matches/", ["bank_officer"]),
        ("/events/", ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]),
    ],
)
def test_each_page_opens_for_its_kinds_and_refuses_the_others(logged_in, request, path, allowed):
    for persona in ["enterprise_admin", "bank_officer", "regulator_user", "platform_admin", "operator", "outsider"]:
        response = logged_in(request.getfixturevalue(persona)).get(path)

        assert response.status_code == (200 if persona in allowed else 403), persona


@pytest.mark.parametrize("page", ["²", "99999999999999999999", "-1", "x"])
def test_a_page_number_that_is_not_one_shows_the_first_page(logged_in, enterprise_admin, page):
    assert logged_in(enterprise_admin).get("/products/", {"page": page}).status_code == 200


@pytest.mark.parametrize(
    "persona, shown, hidden",
    [
        ("enterprise_admin", ["/products/", "/applications/"], ["/dashboard/", "/matches/", "/events/"]),
        ("bank_officer", ["/products/", "/applications/", "/matches/"], ["/dashboard/", "/events/"]),
        ("regulator_user", ["/dashboard/", "/events/"], ["/products/", "/applications/", "/matches/"]),
        ("operator", ["/dashboard/", "/events/"], ["/applications/", "/matches/"]),
        ("platform_admin", ["/events/"], ["/dashboard/", "/applications/", "/matches/"]),
    ],
)
def test_the_navigation_shows_the_lending_pages_of_the_organization_kind(logged_in, request, persona, shown, hidden):
    html = logged_in(request.getfixturevalue(persona)).get("/").content.decode()

    assert all(f'href="{path}"' in html for path in shown)
    assert not any(f'href="{path}"' in html for path in hidden)
