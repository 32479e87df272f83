"""A PNG bar chart of a cost report (estimated monthly and to-date cost per group), drawn
on matplotlib's Agg canvas: no GUI, no global pyplot state."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from tmux_builder.platform.ops.costs.report import CostReport

MAX_GROUPS = 25
LABEL_CHARS = 28


def _label(row: dict[str, object], by: list[str]) -> str:
    text = " / ".join(str(row[key]) for key in by)
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def render_chart(report: CostReport, path: Path) -> Path:
    rows = report.rows[:MAX_GROUPS]
    labels = [_label(row, report.by) for row in rows] or ["(no stacks)"]
    monthly = [row["monthly_usd"] for row in rows] or [0.0]
    to_date = [row["to_date_usd"] for row in rows] or [0.0]
    positions = range(len(labels))
    figure = Figure(figsize=(max(6.0, 0.6 * len(labels) + 3), 4.5), dpi=100)
    axes = figure.subplots()
    axes.bar([p - 0.2 for p in positions], monthly, width=0.4, label="estimated monthly")
    axes.bar([p + 0.2 for p in positions], to_date, width=0.4, label="to date")
    axes.set_xticks(list(positions), labels, rotation=30, ha="right", fontsize=8)
    axes.set_ylabel(report.currency)
    axes.set_ylim(0, max([*monthly, *to_date, 0.0]) * 1.15 or 1.0)
    axes.set_title(f"Cost by {', '.join(report.by)} (prices {report.price_table_version}; "
                   f"{report.monthly_usd:.2f} {report.currency}/month)")
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
