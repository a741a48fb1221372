"""Lighthouse on a cheap phone: page quality of the public site of a fresh Fascia.

A fresh app is started (see harness.py) and its pages are found by type: the home page,
the first live treatment, condition and article pages, and the enquiry form (/enquire/).
Each page is fetched once to fill the page cache, as nearly every visitor finds it, then
Lighthouse (`npm ci --prefix bench --ignore-scripts`) audits it `--runs` times in headless
Chromium (/usr/bin/chromium, or CHROME_PATH) with its default mobile emulation and
simulated throttling. Nothing outside the machine is fetched.

Run it with `.venv/bin/python bench/pages.py` (`--runs 3` for medians, `--pages home
article` for some pages only, `--keep DIR` to keep the JSON reports). Per page it prints
the four category scores, LCP, TBT, CLS, the bytes transferred (all, and without images)
and Lighthouse's benchmark index of the machine (lower on a slower or busier machine,
whose longer tasks add to TBT), then whether the targets are met; the audits that did not
pass go to stderr. Figures are printed last, one a line (`home performance 100`). Exits
with 1 if the app or Lighthouse could not run; missed targets are reported, not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness import ROOT, App, Figures, cpu_count, say, stop_cleanly_on_sigterm

LIGHTHOUSE = ROOT / "bench" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
# Headless Chromium that asks nothing of the network but the page under test.
CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
)
CATEGORIES = {
    "performance": "performance",
    "accessibility": "accessibility",
    "best-practices": "best_practices",
    "seo": "seo",
}
LIGHTHOUSE_SECONDS = 180
# Lighthouse now and then fails to record a page load ("NO_NAVSTART", "run Lighthouse
# again"), more often on a busy machine: a run is tried this many times.
ATTEMPTS = 2
# The page types audited, with the Wagtail model that gives each one's URL.
PAGE_MODELS = {
    "home": "HomePage",
    "treatment": "TreatmentPage",
    "condition": "ConditionPage",
    "article": "ArticlePage",
}
FIXED_PATHS = {"enquiry": "/enquire/"}
PAGES = (*PAGE_MODELS, *FIXED_PATHS)
PATHS_CODE = (
    "import json\n"
    "from fascia.website import models\n"
    "def url(name):\n"
    "    page = getattr(models, name).objects.live().public().order_by('path').first()\n"
    "    return page.get_url() if page else None\n"
    f"print(json.dumps({{key: url(name) for key, name in {PAGE_MODELS!r}.items()}}))"
)
MIN_SCORES = {"performance": 98, "accessibility": 100, "best_practices": 100, "seo": 100}
MAX_LCP_MS = 1500
MAX_BYTES_WITHOUT_IMAGES = 100_000
# Audits that are not pass or fail: they never explain a missed score.
NOT_SCORED = ("notApplicable", "informative", "manual")


class LighthouseFailed(Exception):
    """Lighthouse exited with an error or wrote no usable report."""


@dataclass
class Audit:
    """The figures of one Lighthouse run on one page."""

    scores: dict[str, int]
    lcp_ms: float
    tbt_ms: float
    cls: float
    transferred_bytes: int
    transferred_bytes_without_images: int
    benchmark_index: float
    failing: list[str] = field(default_factory=list)


def page_paths(app: App, names: list[str]) -> dict[str, str]:
    """The path of each page to audit, looked up by page type in the running app."""
    urls = {**app.query(PATHS_CODE), **FIXED_PATHS}
    missing = [name for name in names if not urls.get(name)]
    if missing:
        raise RuntimeError(f"no live page for: {', '.join(missing)}")
    return {name: urlsplit(urls[name]).path for name in names}


def warm(app: App, path: str) -> None:
    """One GET first, so that Lighthouse gets the page from the page cache."""
    status, _body = app.get(path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")


def lighthouse(url: str, report: Path) -> dict[str, Any]:
    """Run Lighthouse once on `url` in a fresh Chromium profile; its JSON report."""
    report.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="fascia-chromium-") as profile:
        flags = " ".join((*CHROME_FLAGS, f"--user-data-dir={profile}"))
        command = [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            f"--output-path={report}",
            f"--chrome-flags={flags}",
            "--quiet",
        ]
        try:
            result = subprocess.run(
                command,
                env={**os.environ, "CHROME_PATH": CHROMIUM},
                capture_output=True,
                text=True,
                timeout=LIGHTHOUSE_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise LighthouseFailed(f"{url}: {error}") from error
    if result.returncode != 0 or not report.exists():
        raise LighthouseFailed(f"{url}: exit {result.returncode}\n{result.stderr[-2000:]}")
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        raise LighthouseFailed(f"{url}: {data['runtimeError'].get('message')}")
    unscored = [name for name in CATEGORIES if data["categories"][name]["score"] is None]
    if unscored:
        raise LighthouseFailed(f"{url}: no {', '.join(unscored)} score (an audit failed to run)")
    return data


def lighthouse_again_if_failed(url: str, report: Path) -> dict[str, Any]:
    """Lighthouse on `url`, tried up to ATTEMPTS times."""
    for _ in range(ATTEMPTS - 1):
        try:
            return lighthouse(url, report)
        except LighthouseFailed as error:
            say(f"Lighthouse failed, trying again: {str(error).strip().splitlines()[-1]}")
    return lighthouse(url, report)


def summarise(data: dict[str, Any]) -> Audit:
    """The figures of one Lighthouse report."""
    audits = data["audits"]
    requests = audits["network-requests"]["details"]["items"]
    return Audit(
        scores={
            name: round(data["categories"][category]["score"] * 100)
            for category, name in CATEGORIES.items()
        },
        lcp_ms=audits["largest-contentful-paint"]["numericValue"],
        tbt_ms=audits["total-blocking-time"]["numericValue"],
        cls=float(audits["cumulative-layout-shift"]["numericValue"]),
        transferred_bytes=sum(r.get("transferSize", 0) for r in requests),
        transferred_bytes_without_images=sum(
            r.get("transferSize", 0) for r in requests if r.get("resourceType") != "Image"
        ),
        benchmark_index=data["environment"]["benchmarkIndex"],
        failing=failing_audits(data),
    )


def failing_audits(data: dict[str, Any]) -> list[str]:
    """The audits of the four categories that did not fully pass, as `id: title`."""
    ids = {ref["id"] for category in data["categories"].values() for ref in category["auditRefs"]}
    return sorted(
        f"{audit_id}: {audit['title']}"
        for audit_id, audit in data["audits"].items()
        if audit_id in ids
        and audit.get("scoreDisplayMode") not in NOT_SCORED
        and audit.get("score") is not None
        and audit["score"] < 1
    )


def median(audits: list[Audit]) -> Audit:
    """Every figure's median over the runs, and the audits that failed in any of them."""
    failing = Counter(line for audit in audits for line in audit.failing)
    return Audit(
        scores={
            name: round(statistics.median(a.scores[name] for a in audits))
            for name in CATEGORIES.values()
        },
        lcp_ms=statistics.median(a.lcp_ms for a in audits),
        tbt_ms=statistics.median(a.tbt_ms for a in audits),
        cls=statistics.median(a.cls for a in audits),
        transferred_bytes=round(statistics.median(a.transferred_bytes for a in audits)),
        transferred_bytes_without_images=round(
            statistics.median(a.transferred_bytes_without_images for a in audits)
        ),
        benchmark_index=statistics.median(a.benchmark_index for a in audits),
        failing=[
            f"{line} ({count} of {len(audits)} runs)" if len(audits) > 1 else line
            for line, count in sorted(failing.items())
        ],
    )


def missed_targets(audit: Audit) -> list[str]:
    """What this page misses of the targets, in words; empty when all are met."""
    missed = [
        f"{name} {audit.scores[name]} < {minimum}"
        for name, minimum in MIN_SCORES.items()
        if audit.scores[name] < minimum
    ]
    if audit.lcp_ms > MAX_LCP_MS:
        missed.append(f"LCP {audit.lcp_ms:.0f} ms > {MAX_LCP_MS} ms")
    if audit.transferred_bytes_without_images > MAX_BYTES_WITHOUT_IMAGES:
        missed.append(
            f"{audit.transferred_bytes_without_images} bytes without images "
            f"> {MAX_BYTES_WITHOUT_IMAGES}"
        )
    return missed


def audit_page(app: App, name: str, path: str, runs: int, reports: Path) -> Audit:
    warm(app, path)
    results = []
    for run in range(1, runs + 1):
        say(f"[{name}] Lighthouse run {run} of {runs}: {path}")
        report = reports / f"{name}-{run}.json"
        results.append(summarise(lighthouse_again_if_failed(app.url + path, report)))
    return median(results)


def add_figures(figures: Figures, name: str, audit: Audit) -> bool:
    """Add one page's figures; whether it met every target."""
    for category, score in audit.scores.items():
        figures.add(name, category, score)
    figures.add(name, "lcp_ms", round(audit.lcp_ms))
    figures.add(name, "tbt_ms", round(audit.tbt_ms))
    figures.add(name, "cls", audit.cls, digits=3)
    figures.add(name, "transferred_bytes", audit.transferred_bytes)
    figures.add(name, "transferred_bytes_without_images", audit.transferred_bytes_without_images)
    figures.add(name, "benchmark_index", round(audit.benchmark_index))
    missed = missed_targets(audit)
    for line in audit.failing:
        say(f"[{name}] not passed: {line}")
    for line in missed:
        say(f"[{name}] TARGET MISSED: {line}")
    figures.add(name, "targets_met", not missed)
    return not missed


def bench(args: argparse.Namespace, reports: Path, figures: Figures) -> bool:
    """Audit every page on one fresh app; whether every page met every target."""
    met = []
    with App("sqlite") as app:
        try:
            for name, path in page_paths(app, args.pages).items():
                audit = audit_page(app, name, path, args.runs, reports)
                met.append(add_figures(figures, name, audit))
        except LighthouseFailed:
            say(f"the end of the server's log:\n{app.log_tail()}")
            raise
    return all(met)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=1, help="Lighthouse runs per page; medians are reported (1)"
    )
    parser.add_argument(
        "--pages", nargs="+", choices=PAGES, default=list(PAGES), help="pages to audit (all)"
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="write the Lighthouse JSON reports to DIR"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not LIGHTHOUSE.exists():
        parser.error(f"{LIGHTHOUSE} is missing: npm ci --prefix bench --ignore-scripts")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_cleanly_on_sigterm()
    figures = Figures()
    figures.add("machine", "nproc", cpu_count())
    figures.add("machine", "runs_per_page", args.runs)
    try:
        with tempfile.TemporaryDirectory(prefix="fascia-lighthouse-") as scratch:
            reports = args.keep or Path(scratch)
            reports.mkdir(parents=True, exist_ok=True)
            met = bench(args, reports, figures)
    except Exception:
        say(traceback.format_exc())
        figures.print()
        return 1
    if args.keep:
        say(f"Lighthouse reports kept in {args.keep}")
    figures.add("all", "targets_met", met)
    figures.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
