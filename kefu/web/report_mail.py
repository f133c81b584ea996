"""A scheduled report as an e-mail in the shop's language: subject, plain-text and HTML
bodies (the HTML through the pages' auto-escaping templates, so a shop or agent name
is never markup) and the leaderboard as a CSV attachment. Figures are shown per unit:
seconds as 1分20秒, rates as 87.5%, money as ¥12.34."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from kefu.models.reports import ReportFrequency
from kefu.reports.digest import Digest, Figure, leaderboard_kpis
from kefu.reports.kpis import Unit
from kefu.reports.periods import Period
from kefu.web import i18n
from kefu.web.i18n import N_
from kefu.web.i18n import gettext as _
from kefu.web.pages.rendering import environment, money
from kefu.web.report_labels import KPI_NAMES

SUBJECTS = {
    ReportFrequency.DAILY: N_("%(shop)s daily service report %(period)s"),
    ReportFrequency.WEEKLY: N_("%(shop)s weekly service report %(period)s"),
    ReportFrequency.MONTHLY: N_("%(shop)s monthly service report %(period)s"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ReportMail:
    subject: str
    text: str
    html: str
    attachment: bytes | None  # the leaderboard CSV (UTF-8 with BOM, for Excel)
    attachment_name: str


def period_label(frequency: ReportFrequency, period: Period) -> str:
    if frequency == ReportFrequency.DAILY:
        return period.first_day.isoformat()
    if frequency == ReportFrequency.MONTHLY:
        return period.first_day.strftime("%Y-%m")
    return f"{period.first_day.isoformat()} – {period.last_day.isoformat()}"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return _("%(s)s s") % {"s": whole}
    if whole < 3600:
        return _("%(m)s min %(s)s s") % {"m": whole // 60, "s": whole % 60}
    return _("%(h)s h %(m)s min") % {"h": whole // 3600, "m": whole % 3600 // 60}


def format_figure(value: float | None, unit: Unit, currency: str = "CNY") -> str:
    """A KPI as people read it, in the current language; "—" when there is none."""
    if value is None:
        return "—"
    if unit == Unit.SECONDS:
        return _duration(value)
    if unit == Unit.RATIO:
        return f"{value * 100:.1f}%"
    if unit == Unit.CENTS:
        return money(round(value), currency)
    if unit == Unit.STARS:
        return f"{value:.2f}"
    if unit == Unit.SCORE:
        return f"{value:.1f}"
    return f"{round(value):,}"


def format_change(figure: Figure) -> str:
    """+12.5% for most figures, +2.5 percentage points for rates; "—" for none."""
    change = figure.change
    if change is None:
        return "—"
    if figure.kpi.unit == Unit.RATIO:
        return _("%(n)s pp") % {"n": f"{change:+.1f}"}
    return f"{change:+.1f}%"


def _csv_value(value: float | None, unit: Unit) -> str:
    """Plain numbers a spreadsheet reads: seconds, percent, yuan."""
    if value is None:
        return ""
    if unit == Unit.RATIO:
        return f"{value * 100:.1f}"
    if unit == Unit.CENTS:
        return f"{value / 100:.2f}"
    return f"{value:.1f}"


def _cell(text: str) -> str:
    """A name a spreadsheet must not run as a formula."""
    return "'" + text if text.startswith(_FORMULA) else text


def leaderboard_csv(digest: Digest) -> bytes:
    kpis = leaderboard_kpis()
    out = io.StringIO()
    writer = csv.writer(out)
    header = [_("Agent"), _("First responses")]
    header += [f"{_(KPI_NAMES[k.code])}{_unit_suffix(k.unit)}" for k in kpis]
    writer.writerow(header)
    for row in digest.leaderboard or []:
        answered = int(row.kpis["first_response_seconds"].denominator)
        values = [_csv_value(row.kpis[k.code].value, k.unit) for k in kpis]
        writer.writerow([_cell(row.name), answered, *values])
    return out.getvalue().encode("utf-8-sig")


def _unit_suffix(unit: Unit) -> str:
    return {
        Unit.SECONDS: _(" (seconds)"),
        Unit.RATIO: " (%)",
        Unit.CENTS: _(" (yuan)"),
    }.get(unit, "")


def _rows(digest: Digest, currency: str) -> list[dict[str, object]]:
    return [
        {
            "label": _(KPI_NAMES[f.kpi.code]),
            "value": format_figure(f.value, f.kpi.unit, currency),
            "previous": format_figure(f.previous, f.kpi.unit, currency),
            "change": format_change(f),
            "improved": f.improved,
        }
        for f in digest.figures
    ]


def _text(digest: Digest, title: str, compared: str, rows: list[dict[str, object]]) -> str:
    lines = [title, "", _("Compared with %(period)s") % {"period": compared}, ""]
    for row in rows:
        lines.append(f"{row['label']}: {row['value']}  ({row['previous']}, {row['change']})")
    if digest.leaderboard is not None:
        lines += ["", _("Each agent's figures are in the attached CSV file.")]
    lines += ["", _("Sent by Kefu: this shop's owner or supervisors decide who gets it.")]
    return "\n".join(lines) + "\n"


def render_report_mail(digest: Digest, currency: str = "CNY") -> ReportMail:
    """The e-mail of ``digest`` in the shop's language (Chinese unless it chose English)."""
    locale = i18n.normalise(digest.locale) or i18n.LOCALES[0]
    token = i18n.activate(locale)
    try:
        shop = _CONTROL.sub(" ", digest.shop_name).strip()
        label = period_label(digest.frequency, digest.period)
        compared = period_label(digest.frequency, digest.compared)
        subject = _(SUBJECTS[digest.frequency]) % {"shop": shop, "period": label}
        rows = _rows(digest, currency)
        html = environment.get_template("mail/report.html").render(
            title=subject,
            compared=compared,
            rows=rows,
            leaderboard=digest.leaderboard is not None,
            html_lang=i18n.HTML_LANG[locale],
        )
        attachment = leaderboard_csv(digest) if digest.leaderboard is not None else None
        return ReportMail(
            subject,
            _text(digest, subject, compared, rows),
            html,
            attachment,
            f"agents-{digest.period.first_day.isoformat()}.csv",
        )
    finally:
        i18n.deactivate(token)
