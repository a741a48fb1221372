"""Outcomes of an episode: its measures by session, progress as the engine judges it, and the
outcome chart.

Session 0 is the baseline (`fascia.pathways.BASELINE`): the measures taken at the
assessment, which have no session number. A treatment session's measures carry its number
(`Measurement.session_number`). A LEFS the patient answered through a private link has no
number either: it counts for the latest session started at or before it was taken, or for
the baseline when no session had started. Of several scores of one measure at one session
the latest counts; at the baseline, the first (as the episode's "Latest measures" reads it).

Only the rating that tracks progress is read: a measure taken once at a time (qualifier "")
and the pain now (NPRS "now"), never the pain after a session or the worst and least pain
of the last week. The engine (`fascia.pathways.progress`) is the only judge of change,
responder status and review flags; nothing here decides them.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import StringIO
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from matplotlib import rcParams
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fascia.pathways import (
    BASELINE,
    Change,
    Measure,
    Pathway,
    Progress,
    ResponderStatus,
    meaningful_line,
    progress,
    score,
    score_range,
)
from fascia.pathways.examination import LEFS, PSFS
from fascia.pathways.models import Direction
from fascia.records import events as record_events
from fascia.records.actions import ActionError
from fascia.records.models import Episode, Measurement
from fascia.records.screening import pathway_of

from .models import TreatmentSession

PROGRESS_QUALIFIERS = ("", "now")
"""The ratings that track progress: one score at a time, or the pain now."""

STATUS_LABELS = {
    ResponderStatus.RESPONDER: gettext_lazy("Responding: a meaningful improvement"),
    ResponderStatus.NOT_YET: gettext_lazy("No meaningful improvement yet"),
    ResponderStatus.FLAG_FOR_REVIEW: gettext_lazy("Not responding: review the care plan"),
    ResponderStatus.INSUFFICIENT_DATA: gettext_lazy("Not enough measurements to judge"),
}
"""The engine's responder status in words (`fascia.pathways.ResponderStatus`)."""


class SessionStart(NamedTuple):
    """A treatment session of the episode: its number, when it started, its id."""

    number: int
    started_at: datetime
    id: int


@dataclass(frozen=True)
class Point:
    session: int
    value: Decimal


@dataclass(frozen=True)
class Series:
    """One measure's scores by session, with what the chart draws beside them."""

    measure: Measure
    points: tuple[Point, ...]
    baseline: Decimal | None
    """The score at session 0, when the measure was taken before treatment."""
    line: Decimal | None
    """Where a meaningful improvement from the baseline starts (`meaningful_line`)."""
    change: Change | None
    """The engine's change from the first score to the latest; None with one score."""

    def value_at(self, session: int) -> Decimal | None:
        return next((p.value for p in self.points if p.session == session), None)


@dataclass(frozen=True)
class Outcomes:
    pathway: Pathway
    by_session: dict[int, dict[str, Decimal]]
    """What the engine was given: session number → measure id → score."""
    progress: Progress
    series: tuple[Series, ...]
    """Every measure of the pathway with a score, in the pathway's order."""
    sessions: tuple[SessionStart, ...]
    """The episode's treatment sessions, by number."""

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.progress.status])

    @property
    def flagged(self) -> bool:
        """Whether the engine flags the episode for review."""
        return bool(self.progress.flags)

    @property
    def latest_session(self) -> SessionStart | None:
        return self.sessions[-1] if self.sessions else None

    @property
    def chart_title(self) -> str:
        return chart_title(self)

    @property
    def charted(self) -> tuple[Series, ...]:
        """The measures the chart and its table show: those of the pathway's review rule."""
        reviewed = self.pathway.care_plan.review_rule.measures
        return tuple(s for s in self.series if s.measure.id in reviewed)

    @property
    def chart_sessions(self) -> list[int]:
        return sorted({p.session for s in self.charted for p in s.points})

    def table(self) -> list[tuple[int, list[Decimal | None]]]:
        """The chart's data as rows: (session, [score of each charted measure or None])."""
        return [(n, [s.value_at(n) for s in self.charted]) for n in self.chart_sessions]


def session_of(measurement: Measurement, sessions: Sequence[SessionStart]) -> int:
    """The session a measurement counts for."""
    if measurement.session_number is not None:
        return measurement.session_number
    if measurement.assessment_id is not None:
        return BASELINE
    started = [s.number for s in sessions if s.started_at <= measurement.taken_at]
    return max(started, default=BASELINE)


def _plain(value: Decimal) -> Decimal:
    """A stored score without the column's trailing zeros (6.00 is 6, 3.50 is 3.5), so the
    engine's messages say it as it was scored."""
    return Decimal(format(value.normalize(), "f"))


def outcomes_from(
    pathway: Pathway,
    measurements: Iterable[Measurement],
    sessions: Sequence[SessionStart],
) -> Outcomes:
    """The outcomes of one episode from its measurements (by time taken) and its sessions
    (by number)."""
    known = {m.id: m for m in pathway.measures}
    by_session: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in measurements:
        if row.measure not in known or row.qualifier not in PROGRESS_QUALIFIERS:
            continue
        session = session_of(row, sessions)
        if session == BASELINE and row.measure in by_session[session]:
            continue
        by_session[session][row.measure] = _plain(row.value)
    scores = {n: dict(by_session[n]) for n in sorted(by_session)}
    judged = progress(pathway, scores)
    series = []
    for measure in pathway.measures:
        points = tuple(Point(n, s[measure.id]) for n, s in scores.items() if measure.id in s)
        if not points:
            continue
        baseline = points[0].value if points[0].session == BASELINE else None
        found = judged.changes.get(measure.id)
        series.append(
            Series(
                measure=measure,
                points=points,
                baseline=baseline,
                line=meaningful_line(measure, baseline) if baseline is not None else None,
                change=found.change if found else None,
            )
        )
    return Outcomes(
        pathway=pathway,
        by_session=scores,
        progress=judged,
        series=tuple(series),
        sessions=tuple(sessions),
    )


def _progress_rows(episode_ids: Iterable[int]) -> Q:
    return Q(episode__in=episode_ids, qualifier__in=PROGRESS_QUALIFIERS)


def outcomes_for(episodes: Sequence[Episode]) -> dict[int, Outcomes]:
    """The outcomes of each episode by id, in two queries however many episodes."""
    ids = [e.pk for e in episodes]
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    for row in Measurement.objects.filter(_progress_rows(ids)).order_by("taken_at", "pk"):
        measurements[row.episode_id].append(row)
    starts: dict[int, list[SessionStart]] = defaultdict(list)
    for episode_id, *start in (
        TreatmentSession.objects.filter(episode__in=ids)
        .order_by("episode", "number")
        .values_list("episode_id", "number", "started_at", "pk")
    ):
        starts[episode_id].append(SessionStart(*start))
    return {e.pk: outcomes_from(pathway_of(e), measurements[e.pk], starts[e.pk]) for e in episodes}


def episode_outcomes(episode: Episode) -> Outcomes:
    """The outcomes of one episode (two queries). No audit event: the caller records the
    read it makes."""
    return outcomes_for([episode])[episode.pk]


# -- Measures re-taken at a session --------------------------------------------------------


def psfs_activities(episode: Episode) -> list[str]:
    """The activities the patient named for the PSFS when it was first taken ([] if never)."""
    first = (
        Measurement.objects.filter(episode=episode, measure=PSFS, qualifier="")
        .order_by("taken_at", "pk")
        .first()
    )
    return [name for name, _rating in first.item_pairs] if first else []


def session_measures_record(
    *,
    session: TreatmentSession,
    lefs: Mapping[str, int],
    psfs: Mapping[str, int],
    by: object,
    ip: str | None,
) -> list[Measurement]:
    """Store the LEFS and the PSFS re-taken at `session` (either may be empty), scored by the
    engine (`ScoreError` for anything it refuses, and nothing stored), with the session's
    number; ActionError when the episode is closed."""
    pathway = pathway_of(session.episode)
    scored = [
        (measure.id, score(measure, answers), dict(answers))
        for measure, answers in ((pathway.measure(LEFS), lefs), (pathway.measure(PSFS), psfs))
        if answers
    ]
    if not scored:
        raise ActionError(_("Answer the LEFS items or rate the PSFS activities (or both)."))
    with transaction.atomic():
        episode = Episode.objects.select_for_update().get(pk=session.episode_id)
        if not episode.is_open:
            raise ActionError(_("This episode is closed, so no measures can be recorded in it."))
        rows = []
        for measure_id, value, items in scored:
            row = Measurement.objects.create(
                episode=episode,
                measure=measure_id,
                value=value,
                items=items,
                taken_at=timezone.now(),
                recorded_by=by,
                session_number=session.number,
            )
            record_events.record(
                record_events.MEASUREMENT_RECORDED,
                row,
                about=episode,
                by=by,
                ip=ip,
                detail={"measure": measure_id, "session": session.number},
            )
            rows.append(row)
    return rows


# -- The outcome chart -------------------------------------------------------------------------

CHART_SIZE = (6.4, 5.2)
"""Inches; the page scales the picture to its column."""
NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
"""No <metadata> block: no date (the same data gives the same bytes) and no outside URIs."""
FONT_SIZE = 11
GREY, GREEN, BLUE = "#595959", "#1a7f37", "#0b5cad"
"""Baseline, meaningful-change line, scores: each at least 4.5:1 against white."""

# Text stays text (the browser's sans-serif; no font is embedded or fetched), and element ids
# do not change from one render to the next. matplotlib reads these when it writes an SVG;
# only the outcome chart writes SVG here, so they are set once for the process rather than
# copying every setting on each render (`rc_context`).
rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "fascia-outcomes"})


def _session_label(number: int) -> str:
    return _("Baseline") if number == BASELINE else str(number)


def _session_name(number: int) -> str:
    return _("baseline") if number == BASELINE else _("session %(n)s") % {"n": number}


def _score(value: Decimal) -> str:
    return format(value.normalize(), "f")


def chart_title(outcomes: Outcomes) -> str:
    names = _(" and ").join(s.measure.abbreviation for s in outcomes.charted)
    return _("Outcome chart: %(measures)s by session") % {"measures": names or _("measures")}


def chart_description(outcomes: Outcomes) -> str:
    """The chart in words: each measure's scores, baseline and meaningful-change line."""
    if not outcomes.charted:
        return _("Nothing has been measured yet.")
    said = []
    for series in outcomes.charted:
        scores = ", ".join(f"{_session_name(p.session)} {_score(p.value)}" for p in series.points)
        line = (
            _("a meaningful improvement is %(line)s or %(side)s")
            % {
                "line": _score(series.line),
                "side": _("higher")
                if series.measure.direction is Direction.HIGHER_IS_BETTER
                else _("lower"),
            }
            if series.line is not None
            else _("no meaningful-change line")
        )
        said.append(f"{series.measure.abbreviation}: {scores}; {line}.")
    return " ".join(said)


def chart_svg(outcomes: Outcomes) -> str:
    """The outcome chart as an SVG document: each charted measure against session number on
    an axis of its own, the baseline (session 0, "Baseline") and the meaningful-change line
    drawn and labelled, with a <title> and <desc> inside it."""
    # Fixed margins and positions, labels instead of a legend, no grid: a layout engine, a
    # legend placing itself and tick lines are most of the time matplotlib takes.
    figure = Figure(figsize=CHART_SIZE)
    figure.subplots_adjust(left=0.09, right=0.98, top=0.94, bottom=0.11, hspace=0.3)
    charted = outcomes.charted or ()
    sessions = outcomes.chart_sessions or [BASELINE]
    axes_list = figure.subplots(max(len(charted), 1), 1, sharex=True, squeeze=False)[:, 0]
    for axes, series in zip(axes_list, charted, strict=False):
        _draw(axes, series)
    if not charted:
        axes_list[0].text(0.5, 0.5, _("Nothing measured yet"), ha="center", va="center")
        axes_list[0].set_yticks([])
    last = axes_list[-1]
    last.set_xlim(min(sessions) - 0.5, max(sessions) + 0.5)
    last.set_xlabel(_("Treatment session"), fontsize=FONT_SIZE, labelpad=16)
    for axes in axes_list:
        axes.set_xticks([])
        axes.tick_params(labelsize=FONT_SIZE - 1)
    # The sessions are labelled as text under the axis: matplotlib's ticks are costly objects.
    for number in sessions:
        last.text(
            number,
            -0.02,
            _session_label(number),
            transform=last.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=FONT_SIZE - 1,
        )
    out = StringIO()
    FigureCanvasSVG(figure).print_svg(out, metadata=NO_METADATA)
    return _with_text_alternative(
        _without_css(out.getvalue()), chart_title(outcomes), chart_description(outcomes)
    )


def _label(axes, value: Decimal, text: str, color: str) -> None:
    """A horizontal line's label, at the right end of the line."""
    axes.text(
        0.99,
        float(value),
        text,
        transform=axes.get_yaxis_transform(),
        ha="right",
        va="bottom",
        fontsize=FONT_SIZE - 1,
        color=color,
    )


def _draw(axes, series: Series) -> None:
    measure = series.measure
    better = (
        _("higher is better")
        if measure.direction is Direction.HIGHER_IS_BETTER
        else _("lower is better")
    )
    axes.set_title(f"{measure.abbreviation} ({better})", loc="left", y=1.0, fontsize=FONT_SIZE)
    low, high = score_range(measure)
    top = high if high is not None else max(p.value for p in series.points) * Decimal("1.2")
    axes.set_ylim(float(low), float(top))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=measure.whole_number))
    if series.baseline is not None:
        axes.axhline(float(series.baseline), color=GREY, linestyle="--", linewidth=1)
        _label(
            axes,
            series.baseline,
            _("Baseline (%(value)s)") % {"value": _score(series.baseline)},
            GREY,
        )
    if series.line is not None:
        axes.axhline(float(series.line), color=GREEN, linestyle=":", linewidth=1.5)
        _label(
            axes,
            series.line,
            _("Meaningful change (%(value)s)") % {"value": _score(series.line)},
            GREEN,
        )
    axes.plot(
        [p.session for p in series.points],
        [float(p.value) for p in series.points],
        color=BLUE,
        marker="o",
        linewidth=2,
    )


# What matplotlib writes as CSS, each also an SVG presentation attribute: written as
# attributes instead, the chart needs no `style` (the policy allows no inline styles).
PRESENTATION_ATTRIBUTES = frozenset(
    {
        "fill",
        "fill-opacity",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-opacity",
        "stroke-width",
        "text-anchor",
    }
)
STYLE_ATTRIBUTE = re.compile(r'style="([^"]*)"')
STYLE_ELEMENT = re.compile(r"<style[^>]*>\*\{([^}]*)\}</style>")


def _attributes(css: str) -> str:
    """`a: b; c: d` as SVG attributes `a="b" c="d"`; ValueError for any other property."""
    pairs = []
    for declaration in filter(None, (part.strip() for part in css.split(";"))):
        name, _colon, value = (text.strip() for text in declaration.partition(":"))
        if name not in PRESENTATION_ATTRIBUTES:
            raise ValueError(f"no SVG attribute for the style {name!r}")
        pairs.append(f"{name}={quoteattr(value)}")
    return " ".join(pairs)


def _without_css(svg: str) -> str:
    """The SVG with its `style` attributes and its one rule for every element (`*{…}`) as
    presentation attributes: the latter on the root, whence they are inherited."""
    root_rule = STYLE_ELEMENT.search(svg)
    svg = STYLE_ELEMENT.sub("", svg)
    svg = STYLE_ATTRIBUTE.sub(lambda found: _attributes(found.group(1)), svg)
    if root_rule is not None:
        start = svg.index("<svg")
        end = svg.index(">", start)
        svg = f"{svg[:end]} {_attributes(root_rule.group(1))}{svg[end:]}"
    return svg


def _with_text_alternative(svg: str, title: str, description: str) -> str:
    """The SVG with `role="img"`, a <title> and a <desc> naming it, first in its root."""
    start = svg.index("<svg")
    end = svg.index(">", start)
    root = svg[start:end] + ' role="img" aria-labelledby="outcome-chart-title outcome-chart-desc">'
    text = (
        f'<title id="outcome-chart-title">{escape(title)}</title>'
        f'<desc id="outcome-chart-desc">{escape(description)}</desc>'
    )
    return svg[:start] + root + text + svg[end + 1 :]
