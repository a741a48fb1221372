"""Reading the staff pages (and the PDFs they make) in HTTP tests, the way every app's tests
read them."""

from io import BytesIO

from bs4 import BeautifulSoup
from pypdf import PdfReader


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


def field_errors(response, name: str) -> str:
    """The errors shown with the field named `name` (in its fieldset or its field group)."""
    field = soup_of(response).select_one(f"[name={name}]")
    container = field.find_parent("fieldset") or field.find_parent("div")
    return " ".join(e.get_text(" ", strip=True) for e in container.select(".errorlist"))


def text_of_pdf(response) -> str:
    """The text of a PDF response (every page), with runs of white space made one space."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(BytesIO(response.content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())
