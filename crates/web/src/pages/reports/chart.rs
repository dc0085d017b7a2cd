//! Horizontal bar charts drawn on the server as SVG: no script, no inline style (colours come from CSS
//! classes in app.css). A chart is an image with a text summary for screen readers; the table next to
//! it holds the figures.

/// One bar as given: its parts (CSS class and size) and the figure written after it.
pub struct Bar {
    pub parts: Vec<(&'static str, f64)>,
    pub text: String,
}

/// Bars under one label: one bar, or one per series (e.g. both classifications of a situation).
pub struct Group {
    pub label: String,
    pub bars: Vec<Bar>,
}

/// A chart as the template draws it: every coordinate computed here.
pub struct BarChart {
    /// Said by screen readers instead of the drawing: the title and every figure.
    pub summary: String,
    pub width: u32,
    pub height: u32,
    pub labels: Vec<LabelView>,
    pub bars: Vec<BarView>,
    /// The series and outcomes the classes stand for: (CSS class, name).
    pub legend: Vec<(&'static str, &'static str)>,
}

pub struct LabelView {
    pub text: String,
    pub x: u32,
    pub y: f64,
}

pub struct BarView {
    pub y: u32,
    pub height: u32,
    pub parts: Vec<PartView>,
    pub text: String,
    pub text_x: f64,
    pub text_y: f64,
}

pub struct PartView {
    pub class: &'static str,
    pub x: f64,
    pub width: f64,
}

const WIDTH: u32 = 400;
/// Room for the labels on the left and the figure after the longest bar.
const LABEL_WIDTH: u32 = 150;
const TEXT_WIDTH: u32 = 50;
const ROW: u32 = 26;
const BAR_HEIGHT: u32 = 18;
const GROUP_GAP: u32 = 10;
/// Longer labels are cut (the table has them whole).
const LABEL_CHARS: usize = 20;

impl BarChart {
    /// Bars scaled so that `max` (or the largest bar, if larger) fills the width.
    pub fn new(summary: String, groups: Vec<Group>, max: f64, legend: Vec<(&'static str, &'static str)>) -> Self {
        let largest = groups.iter().flat_map(|g| &g.bars).map(|b| b.parts.iter().map(|p| p.1).sum::<f64>());
        let max = largest.fold(max, f64::max);
        let plot = f64::from(WIDTH - LABEL_WIDTH - TEXT_WIDTH);
        let scale = if max > 0.0 { plot / max } else { 0.0 };
        let (mut labels, mut bars) = (Vec::new(), Vec::new());
        let mut y = GROUP_GAP / 2;
        for group in groups {
            let rows = u32::try_from(group.bars.len()).unwrap_or(0);
            labels.push(LabelView {
                text: cut(&group.label),
                x: LABEL_WIDTH - 8,
                y: f64::from(y) + f64::from(rows * ROW) / 2.0 + 5.0,
            });
            for bar in group.bars {
                let mut x = f64::from(LABEL_WIDTH);
                let mut parts = Vec::new();
                for (class, value) in bar.parts {
                    let width = (value * scale * 10.0).round() / 10.0;
                    if width > 0.0 {
                        parts.push(PartView { class, x, width });
                        x += width;
                    }
                }
                let top = y + (ROW - BAR_HEIGHT) / 2;
                bars.push(BarView {
                    y: top,
                    height: BAR_HEIGHT,
                    parts,
                    text: bar.text,
                    text_x: x + 6.0,
                    text_y: f64::from(top) + 14.0,
                });
                y += ROW;
            }
            y += GROUP_GAP;
        }
        BarChart { summary, width: WIDTH, height: y.max(ROW), labels, bars, legend }
    }
}

fn cut(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut cut: String = label.chars().take(LABEL_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(parts: Vec<(&'static str, f64)>) -> Bar {
        Bar { parts, text: String::new() }
    }

    #[test]
    fn bars_are_scaled_to_the_largest_and_stacked() {
        let groups = vec![
            Group { label: "a".into(), bars: vec![bar(vec![("x", 2.0), ("y", 1.0)])] },
            Group { label: "b".into(), bars: vec![bar(vec![("x", 1.0), ("y", 0.0)]), bar(vec![("x", 0.0)])] },
        ];
        let chart = BarChart::new("s".into(), groups, 0.0, Vec::new());
        let plot = f64::from(WIDTH - LABEL_WIDTH - TEXT_WIDTH);
        assert_eq!(chart.bars.len(), 3);
        assert_eq!(chart.labels.len(), 2);
        let first = &chart.bars[0].parts;
        assert_eq!(first.len(), 2);
        assert!((first[0].width + first[1].width - plot).abs() < 0.2, "the largest bar fills the plot");
        assert!((first[1].x - (f64::from(LABEL_WIDTH) + first[0].width)).abs() < 1e-9, "stacked");
        assert_eq!(chart.bars[1].parts.len(), 1, "empty parts are not drawn");
        assert!(chart.bars[2].parts.is_empty());
        // A scale maximum above the data (100 %) keeps bars short.
        let chart = BarChart::new(
            "s".into(),
            vec![Group { label: "c".into(), bars: vec![bar(vec![("x", 50.0)])] }],
            100.0,
            Vec::new(),
        );
        assert!((chart.bars[0].parts[0].width - plot / 2.0).abs() < 0.2);
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(cut("Järva"), "Järva");
        assert_eq!(cut(&"x".repeat(40)).chars().count(), LABEL_CHARS);
    }
}
