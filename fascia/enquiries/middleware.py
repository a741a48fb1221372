from . import tokens


def fresh_form_tokens(get_response):
    """Give each response a fresh enquiry form token, also when it comes from the page cache."""

    def middleware(request):
        response = get_response(request)
        if (
            not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and tokens.PLACEHOLDER.encode() in response.content
        ):
            response.content = tokens.fill(response.content)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response

    return middleware
