//! Charts as SVG (plotters' SVG backend; text sizes are estimated, no system fonts needed). Every
//! chart aggregates first — percentiles, weekly counts, top-N — so a 10-million-incident store
//! draws as fast as a small one. Colours are fixed per priority across all charts.

use plotters::prelude::*;

/// Consistent colours: P1 red, P2 orange, P3 blue, P4 green, P5 purple, others grey.
pub fn priority_colour(label: &str) -> RGBColor {
    match label.trim_start_matches('P') {
        "1" => RGBColor(214, 39, 40),
        "2" => RGBColor(255, 127, 14),
        "3" => RGBColor(31, 119, 180),
        "4" => RGBColor(44, 160, 44),
        "5" => RGBColor(148, 103, 189),
        _ => RGBColor(127, 127, 127),
    }
}

const W: u32 = 720;
const H: u32 = 360;
const FONT: &str = "sans-serif";
const GREY: RGBColor = RGBColor(90, 90, 90);

type Res = Result<String, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn nice_max(v: f64) -> f64 {
    if !(v > 0.0) || !v.is_finite() {
        return 1.0;
    }
    v * 1.12
}

/// Vertical bars with optional error whiskers and a per-bar target marker.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub target: Option<f64>,
    pub colour: RGBColor,
}

pub fn bars(title: &str, y_desc: &str, items: &[Bar]) -> Res {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = items.len().max(1);
        let top = items
            .iter()
            .flat_map(|b| [Some(b.value), b.high, b.target])
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(
                (0..n.saturating_sub(1)).into_segmented(),
                0.0..nice_max(top),
            )
            .map_err(err)?;
        let labels: Vec<String> = items
            .iter()
            .map(|b| b.label.chars().take(18).collect())
            .collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .y_desc(y_desc)
            .x_labels(n)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                    labels.get(*i).cloned().unwrap_or_default()
                }
                SegmentValue::Last => String::new(),
            })
            .label_style((FONT, 12))
            .draw()
            .map_err(err)?;
        for (i, b) in items.iter().enumerate() {
            if !b.value.is_finite() {
                continue;
            }
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), b.value),
                ],
                b.colour.mix(0.85).filled(),
            );
            bar.set_margin(0, 0, 12, 12);
            chart.draw_series(std::iter::once(bar)).map_err(err)?;
            if let (Some(lo), Some(hi)) = (b.low, b.high) {
                if lo.is_finite() && hi.is_finite() {
                    chart
                        .draw_series(std::iter::once(ErrorBar::new_vertical(
                            SegmentValue::CenterOf(i),
                            lo,
                            b.value,
                            hi,
                            BLACK.stroke_width(2),
                            12,
                        )))
                        .map_err(err)?;
                }
            }
            if let Some(t) = b.target.filter(|t| t.is_finite()) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(SegmentValue::Exact(i), t), (SegmentValue::Exact(i + 1), t)],
                        BLACK.stroke_width(3),
                    )))
                    .map_err(err)?;
            }
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One named line.
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: RGBColor,
    pub dashed: bool,
}

/// Lines on numeric axes; `x_labels` maps x positions to text (weeks, months); `log_x` for ECDFs.
pub fn lines(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Line],
    x_labels: Option<&[String]>,
    log_x: bool,
    y_max: Option<f64>,
) -> Res {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let xs = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|x| x.is_finite());
        let (mut x0, mut x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        if !x0.is_finite() {
            (x0, x1) = (0.0, 1.0);
        }
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let ytop = y_max.unwrap_or_else(|| {
            nice_max(
                series
                    .iter()
                    .flat_map(|s| s.points.iter().map(|p| p.1))
                    .filter(|v| v.is_finite())
                    .fold(0.0, f64::max),
            )
        });
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(title, (FONT, 18))
            .margin(12)
            .margin_right(36)
            .x_label_area_size(48)
            .y_label_area_size(64);
        let labels_owned: Vec<String> = x_labels.map(|l| l.to_vec()).unwrap_or_default();
        let fmt_x = |x: &f64| -> String {
            if labels_owned.is_empty() {
                if log_x {
                    format!("{x:.1}")
                } else {
                    format!("{x:.0}")
                }
            } else {
                let k = x.round();
                if (x - k).abs() < 1e-6 && k >= 0.0 {
                    labels_owned.get(k as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            }
        };
        if log_x {
            let mut chart = builder
                .build_cartesian_2d((x0.max(1e-3)..x1).log_scale(), 0.0..ytop)
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_label_formatter(&fmt_x)
                .label_style((FONT, 12))
                .draw()
                .map_err(err)?;
            for s in series {
                let style = s.colour.stroke_width(2);
                chart
                    .draw_series(LineSeries::new(
                        s.points
                            .iter()
                            .copied()
                            .filter(|p| p.0 > 0.0 && p.1.is_finite()),
                        style,
                    ))
                    .map_err(err)?
                    .label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
            chart
                .configure_series_labels()
                .border_style(GREY)
                .background_style(WHITE.mix(0.9))
                .label_font((FONT, 12))
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(err)?;
        } else {
            let mut chart = builder.build_cartesian_2d(x0..x1, 0.0..ytop).map_err(err)?;
            let n_labels = if labels_owned.is_empty() {
                10
            } else {
                labels_owned.len().min(12)
            };
            chart
                .configure_mesh()
                .x_desc(x_desc)
                .y_desc(y_desc)
                .x_labels(n_labels)
                .x_label_formatter(&fmt_x)
                .label_style((FONT, 12))
                .draw()
                .map_err(err)?;
            for s in series {
                let style = if s.dashed {
                    s.colour.stroke_width(2)
                } else {
                    s.colour.stroke_width(2)
                };
                let pts: Vec<(f64, f64)> = s
                    .points
                    .iter()
                    .copied()
                    .filter(|p| p.1.is_finite())
                    .collect();
                let drawn = if s.dashed {
                    chart.draw_series(DashedLineSeries::new(pts, 8, 5, style))
                } else {
                    chart.draw_series(LineSeries::new(pts, style))
                };
                drawn
                    .map_err(err)?
                    .label(s.name.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
            chart
                .configure_series_labels()
                .border_style(GREY)
                .background_style(WHITE.mix(0.9))
                .label_font((FONT, 12))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_escaped_labels_and_shapes() {
        let svg = bars(
            "MTTR <by> priority",
            "hours",
            &[Bar {
                label: "<script>".into(),
                value: 3.0,
                low: Some(2.0),
                high: Some(4.0),
                target: Some(4.0),
                colour: priority_colour("P1"),
            }],
        )
        .unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<rect"));
        assert!(
            !svg.contains("<script>"),
            "labels must be escaped by the SVG backend"
        );
        let l = lines(
            "t",
            "x",
            "y",
            &[Line {
                name: "a".into(),
                points: vec![(1.0, 1.0), (10.0, 2.0)],
                colour: BLUE,
                dashed: false,
            }],
            None,
            true,
            None,
        )
        .unwrap();
        assert!(l.contains("<polyline") || l.contains("<path"));
    }
}
