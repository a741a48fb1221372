from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fascia import form_tokens


def fresh_form_tokens(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Give each response a fresh enquiry form token, also when it comes from the page cache."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and form_tokens.PLACEHOLDER.encode() in response.content
        ):
            response.content = form_tokens.fill(response.content)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response

    return middleware
