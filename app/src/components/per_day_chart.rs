//! A bar chart of recordings imported per day, drawn as inline SVG.
//!
//! The geometry ([`chart_layout`]) is plain arithmetic, tested below; the
//! component only turns it into elements. No chart library, no script, no
//! `viewBox`: x is in percent so the chart fills any width, y in pixels so
//! its text stays legible at any size.

use chrono::{Datelike, NaiveDate};
use dioxus::prelude::*;
use earshot_shared::dto::DayCount;

use crate::format;

/// Room above the plot for the count over the tallest bar, in px.
const TOP: f64 = 20.0;
/// Height of the plot area, in px.
const PLOT: f64 = 180.0;
/// Room below the plot for the day labels, in px.
const BOTTOM: f64 = 24.0;
/// Share of a day's slot its bar takes.
const BAR_SHARE: f64 = 0.6;
/// Height a non-zero bar never goes below, so a 1 next to a 500 still shows.
const MIN_BAR: f64 = 2.0;

/// One bar. Horizontal positions are percentages of the chart's width (the
/// chart stretches to its container while its text keeps its size); vertical
/// ones are pixels, y growing downwards.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// The day it counts.
    pub date: NaiveDate,
    /// Recordings imported that day.
    pub count: u64,
    /// Left edge, in % of the width.
    pub x: f64,
    /// Width, in % of the width.
    pub width: f64,
    /// The middle of the day's slot, in % of the width (for its labels).
    pub center: f64,
    /// Top edge, in px.
    pub y: f64,
    /// Height, in px (0 for a day without imports).
    pub height: f64,
}

/// Where everything of the chart goes.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartLayout {
    /// The chart's height in px.
    pub height: f64,
    /// The count a bar reaching the top of the plot stands for.
    pub scale_max: u64,
    /// The y of the top of the plot.
    pub top: f64,
    /// The y of the baseline.
    pub baseline: f64,
    /// One bar per day, in the order given.
    pub bars: Vec<Bar>,
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) that is at
/// least `max`, and at least 1 so an empty chart still has a scale.
pub fn nice_ceiling(max: u64) -> u64 {
    let mut step = 1u64;
    loop {
        for factor in [1, 2, 5] {
            let candidate = step.saturating_mul(factor);
            if candidate >= max {
                return candidate;
            }
        }
        if step > u64::MAX / 10 {
            return u64::MAX;
        }
        step *= 10;
    }
}

/// Lays out one bar per day, in equal slots across the width, against a
/// round top value.
pub fn chart_layout(days: &[DayCount]) -> ChartLayout {
    let max = days.iter().map(|day| day.count).max().unwrap_or(0);
    let scale_max = nice_ceiling(max);
    let baseline = TOP + PLOT;
    let slot = 100.0 / days.len().max(1) as f64;
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let height = if day.count == 0 {
                0.0
            } else {
                (day.count as f64 / scale_max as f64 * PLOT).max(MIN_BAR)
            };
            let center = (i as f64 + 0.5) * slot;
            Bar {
                date: day.date,
                count: day.count,
                x: center - slot * BAR_SHARE / 2.0,
                width: slot * BAR_SHARE,
                center,
                y: baseline - height,
                height,
            }
        })
        .collect();
    ChartLayout {
        height: TOP + PLOT + BOTTOM,
        scale_max,
        top: TOP,
        baseline,
        bars,
    }
}

/// The days a chart covers, for its title: `12–25 Nov`, `28 Oct – 10 Nov`.
pub fn covered_days(days: &[DayCount]) -> Option<String> {
    let (first, last) = (days.first()?.date, days.last()?.date);
    Some(if first == last {
        first.format("%-d %b").to_string()
    } else if first.format("%Y-%m").to_string() == last.format("%Y-%m").to_string() {
        format!("{}–{}", first.format("%-d"), last.format("%-d %b"))
    } else {
        format!("{} – {}", first.format("%-d %b"), last.format("%-d %b"))
    })
}

/// Recordings imported per day, oldest on the left, today on the right:
/// a bar and its count per day, the day of the month below.
#[component]
pub fn PerDayChart(days: Vec<DayCount>) -> Element {
    let layout = chart_layout(&days);
    let total: u64 = days.iter().map(|day| day.count).sum();
    let summary = format!(
        "{} over the last {} days",
        format::count(total, "recording imported", "recordings imported"),
        days.len()
    );
    let last = layout.bars.len().saturating_sub(1);
    rsx! {
        svg {
            class: "per-day-chart",
            width: "100%",
            height: "{layout.height}",
            role: "img",
            "aria-label": "{summary}",
            line {
                class: "chart-baseline",
                x1: "0",
                x2: "100%",
                y1: "{layout.baseline}",
                y2: "{layout.baseline}",
            }
            for (i, bar) in layout.bars.iter().enumerate() {
                g { key: "{bar.date}",
                    class: if i == last { "chart-day today" } else { "chart-day" },
                    "aria-label": "{format::day_long(bar.date)}: {bar.count}",
                    if bar.count > 0 {
                        rect {
                            class: "chart-bar",
                            x: "{bar.x}%",
                            y: "{bar.y}",
                            width: "{bar.width}%",
                            height: "{bar.height}",
                            rx: "3",
                        }
                        text {
                            class: "chart-count",
                            x: "{bar.center}%",
                            y: "{bar.y - 6.0}",
                            text_anchor: "middle",
                            "{bar.count}"
                        }
                    }
                    text {
                        class: "chart-day-label",
                        x: "{bar.center}%",
                        y: "{layout.baseline + 17.0}",
                        text_anchor: "middle",
                        "{bar.date.day()}"
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(counts: &[u64]) -> Vec<DayCount> {
        let first = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| DayCount {
                date: first + chrono::Days::new(i as u64),
                count,
            })
            .collect()
    }

    #[test]
    fn the_scale_rounds_up_to_one_two_or_five_times_a_power_of_ten() {
        let cases = [
            (0, 1),
            (1, 1),
            (2, 2),
            (3, 5),
            (5, 5),
            (6, 10),
            (11, 20),
            (499, 500),
        ];
        for (max, want) in cases {
            assert_eq!(nice_ceiling(max), want, "max {max}");
        }
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }

    #[test]
    fn a_bar_at_the_scale_maximum_fills_the_plot() {
        let layout = chart_layout(&days(&[0, 5, 10]));
        assert_eq!(layout.scale_max, 10);
        let tallest = &layout.bars[2];
        assert_eq!(tallest.y, layout.top);
        assert_eq!(tallest.y + tallest.height, layout.baseline);
        assert_eq!(layout.bars[1].height, PLOT / 2.0);
    }

    #[test]
    fn empty_days_have_no_height_and_small_counts_stay_visible() {
        let layout = chart_layout(&days(&[0, 1, 1000]));
        assert_eq!(layout.bars[0].height, 0.0);
        assert_eq!(layout.bars[0].y, layout.baseline);
        assert_eq!(layout.bars[1].height, MIN_BAR);
    }

    #[test]
    fn bars_sit_in_order_in_equal_slots_across_the_width() {
        let layout = chart_layout(&days(&[3; 14]));
        assert_eq!(layout.bars.len(), 14);
        for pair in layout.bars.windows(2) {
            assert!(pair[0].x + pair[0].width < pair[1].x);
            assert!(pair[0].date < pair[1].date);
            let gap = pair[1].center - pair[0].center;
            assert!((gap - 100.0 / 14.0).abs() < 1e-9);
        }
        let (first, last) = (&layout.bars[0], layout.bars.last().unwrap());
        assert!(first.x > 0.0);
        assert!(last.x + last.width < 100.0);
        assert!(layout.baseline + BOTTOM <= layout.height);
    }

    #[test]
    fn no_days_still_gives_a_drawable_chart() {
        let layout = chart_layout(&[]);
        assert!(layout.bars.is_empty());
        assert_eq!(layout.scale_max, 1);
        assert!(layout.height > 0.0);
    }

    #[test]
    fn the_covered_days_name_the_month_once_when_they_share_it() {
        assert_eq!(covered_days(&days(&[0; 14])).as_deref(), Some("1–14 Nov"));
        let late = |d| DayCount {
            date: NaiveDate::from_ymd_opt(2025, 10, d).unwrap(),
            count: 0,
        };
        let across = [late(28), days(&[0])[0]];
        assert_eq!(covered_days(&across).as_deref(), Some("28 Oct – 1 Nov"));
        assert_eq!(covered_days(&[]), None);
    }
}
