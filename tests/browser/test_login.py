import pytest

from tests.factories import EntityFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_signs_in_sees_their_portfolio_and_signs_out(page, live_server):
    owner = UserFactory(username="owner", first_name="Olive", last_name="Owner")
    MembershipFactory(user=owner, entity=EntityFactory(slug="jada", name="JADA"))
    EntityFactory(slug="qos", name="Queen of San Diego")

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text() == "Your portfolio"
    assert page.locator("table.grid").inner_text().count("JADA") == 1
    assert "Queen of San Diego" not in page.content()
    assert page.locator(".who").inner_text() == "Olive Owner"
    # The stylesheet really loaded: the top bar is not the browser's default white.
    background = page.eval_on_selector(".topbar", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(18, 53, 91)"

    page.click("text=Sign out")
    page.wait_for_url(f"{live_server.url}/login/")


def test_a_wrong_password_is_told_plainly(page, live_server):
    UserFactory(username="owner")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "owner")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "do not match" in page.locator("[role=alert]").inner_text()
