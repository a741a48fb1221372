"""Reading the staff pages in HTTP tests, the way every app's tests read them."""

from bs4 import BeautifulSoup


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def text_of(response) -> str:
    """The page's text, with runs of white space made one space."""
    return " ".join(soup_of(response).get_text(" ").split())


def messages_on(response) -> list[str]:
    """The messages (success, error) the page shows at its top."""
    soup = BeautifulSoup(response.content, "html.parser")
    return [item.get_text(" ", strip=True) for item in soup.select(".messages .message")]
