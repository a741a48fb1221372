"""What a strict Content-Security-Policy is, for the tests that check it on every page
(`test_access.py` on the staff and CMS pages, `test_strict_csp.py` on the rest)."""


def strict_policy_problem(response) -> str | None:
    policy = response.get("Content-Security-Policy")
    if policy is None:
        return "no Content-Security-Policy"
    for weakness in ("unsafe-inline", "unsafe-eval", "http:", "https:"):
        if weakness in policy:
            return f"{weakness} in {policy!r}"
    if "default-src 'self'" not in policy:
        return f"no default-src 'self' in {policy!r}"
    return None
