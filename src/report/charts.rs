//! Charts as SVG (plotters' SVG backend; text sizes are estimated, no system fonts needed). Every
//! chart aggregates first — percentiles, weekly counts, top-N — so a 10-million-incident store
//! draws as fast as a small one. Colours are fixed per priority across all charts.

use plotters::chart::{MeshStyle, SeriesAnno};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{Ranged, SegmentedCoord, ValueFormatter};
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// Chart size in SVG units; `--png` renders at this size too.
pub const WIDTH: u32 = 600;
pub const HEIGHT: u32 = 340;
const W: u32 = WIDTH;
const H: u32 = HEIGHT;
const FONT: &str = "sans-serif";
const GREY: RGBColor = RGBColor(90, 90, 90);

/// The one font scale of every chart (plotters units; the SVG's `font-size` is this / 1.24):
/// ticks, axis names and legends at [`TEXT`], the title at [`TITLE`]. At the narrowest width the
/// page gives a chart ([`MIN_RENDERED_WIDTH`]) tick labels are ≥ 11 px high (tested).
pub const TEXT: u32 = 19;
pub const TITLE: u32 = 23;

/// The narrowest width (CSS px) a chart is drawn at in `index.html`: the grid's 460 px column
/// minimum less the figure's padding and border (see `html.rs`); narrower only below a 560 px window.
pub const MIN_RENDERED_WIDTH: f64 = 446.0;

/// The width plotters reserves for `chars` characters at [`TEXT`] (its estimate: 0.455 × size each).
fn text_width(chars: usize) -> u32 {
    (0.455 * f64::from(TEXT) * chars as f64).ceil() as u32
}

type Res = Result<String, String>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn nice_max(v: f64) -> f64 {
    if v.is_nan() || v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    v * 1.12
}

/// A tick label: whole numbers without decimals and with thousands separators (`12,000`), others
/// with at most two decimals, trailing zeros dropped (`0.5`, `2.25`).
pub fn tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let r = (v * 100.0).round() / 100.0;
    let whole = r.trunc();
    let mut frac = format!("{:.2}", (r - whole).abs());
    frac = frac
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    if frac == "." {
        frac.clear();
    }
    let digits = format!("{}", whole.abs() as u64);
    let mut grouped = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if r < 0.0 && (whole != 0.0 || !frac.is_empty()) {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}{frac}")
}

/// `text` cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars()
            .take(max.saturating_sub(1).max(1))
            .collect::<String>()
            + "…"
    }
}

/// How many x labels of `chars` characters fit side by side on a plot `width` wide.
fn labels_that_fit(width: u32, chars: usize) -> usize {
    ((width / (text_width(chars) + 14)) as usize).max(2)
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

fn bars_top(items: &[Bar]) -> f64 {
    items
        .iter()
        .flat_map(|b| [Some(b.value), b.high, b.target])
        .flatten()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The label of a category axis position: the label of its segment (nothing past the last).
fn segment_label(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
            labels.get(*i).cloned().unwrap_or_default()
        }
        SegmentValue::Last => String::new(),
    }
}

/// Draws a configured mesh with the one font scale: tick labels and axis names at [`TEXT`].
fn finish_mesh<X, Y, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'_, '_, X, Y, DB>,
) -> Result<(), String>
where
    X: Ranged + ValueFormatter<X::ValueType>,
    Y: Ranged + ValueFormatter<Y::ValueType>,
{
    mesh.label_style((FONT, TEXT))
        .axis_desc_style((FONT, TEXT))
        .draw()
        .map_err(err)
}

/// The filled rectangle of one bar between two corners, with its margins (top, bottom, left,
/// right) in pixels.
fn bar_rect<C>(corners: [C; 2], b: &Bar, [top, bottom, left, right]: [u32; 4]) -> Rectangle<C> {
    let mut rect = Rectangle::new(corners, b.colour.mix(0.85).filled());
    rect.set_margin(top, bottom, left, right);
    rect
}

/// Vertical bars, one per item, with its label clipped to the bar's width.
pub fn bars(title: &str, y_desc: &str, items: &[Bar]) -> Res {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = items.len().max(1);
        let y_area = text_width(6) + 34;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, TITLE))
            .margin(10)
            .x_label_area_size(TEXT * 2 + 8)
            .y_label_area_size(y_area)
            .build_cartesian_2d(
                (0..n.saturating_sub(1)).into_segmented(),
                0.0..nice_max(bars_top(items)),
            )
            .map_err(err)?;
        // Each label gets its bar's width.
        let per_bar = (W - y_area - 20) / n as u32;
        let max_chars = ((f64::from(per_bar) - 6.0) / (0.455 * f64::from(TEXT))).floor() as usize;
        let labels: Vec<String> = items
            .iter()
            .map(|b| clip(&b.label, max_chars.max(2)))
            .collect();
        finish_mesh(
            chart
                .configure_mesh()
                .disable_x_mesh()
                .y_desc(y_desc)
                .y_labels(6)
                .x_labels(n)
                .x_label_formatter(&|v| segment_label(&labels, v))
                .y_label_formatter(&|v| tick(*v)),
        )?;
        for (i, b) in items.iter().enumerate() {
            draw_bar(&mut chart, i, b)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// One vertical bar (nothing for a value that is not finite), its 95 % CI whisker when both ends
/// are finite, and its target as a thick line across it.
fn draw_bar<'a, 's: 'a>(
    chart: &mut ChartContext<
        'a,
        SVGBackend<'s>,
        Cartesian2d<SegmentedCoord<RangedCoordusize>, RangedCoordf64>,
    >,
    i: usize,
    b: &Bar,
) -> Result<(), String> {
    if !b.value.is_finite() {
        return Ok(());
    }
    let corners = [
        (SegmentValue::Exact(i), 0.0),
        (SegmentValue::Exact(i + 1), b.value),
    ];
    chart
        .draw_series(std::iter::once(bar_rect(corners, b, [0, 0, 12, 12])))
        .map_err(err)?;
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
    Ok(())
}

/// Horizontal bars (long category names, e.g. recurring clusters), the first item on top.
pub fn hbars(title: &str, x_desc: &str, items: &[Bar]) -> Res {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = items.len().max(1);
        let longest = items
            .iter()
            .map(|b| b.label.chars().count())
            .max()
            .unwrap_or(4);
        let max_chars = longest.clamp(4, 22);
        let labels: Vec<String> = items
            .iter()
            .rev()
            .map(|b| clip(&b.label, max_chars))
            .collect();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, TITLE))
            .margin(10)
            .margin_right(24)
            .x_label_area_size(TEXT * 2 + 24)
            .y_label_area_size(text_width(max_chars) + 16)
            .build_cartesian_2d(
                0.0..nice_max(bars_top(items)),
                (0..n.saturating_sub(1)).into_segmented(),
            )
            .map_err(err)?;
        finish_mesh(
            chart
                .configure_mesh()
                .disable_y_mesh()
                .x_desc(x_desc)
                .y_labels(n)
                .x_labels(6)
                .y_label_formatter(&|v| segment_label(&labels, v))
                .x_label_formatter(&|v| tick(*v)),
        )?;
        for (k, b) in items.iter().rev().enumerate() {
            if !b.value.is_finite() {
                continue;
            }
            let corners = [
                (0.0, SegmentValue::Exact(k)),
                (b.value, SegmentValue::Exact(k + 1)),
            ];
            chart
                .draw_series(std::iter::once(bar_rect(corners, b, [3, 3, 0, 0])))
                .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The series legend at [`TEXT`] size.
fn legend<'a, 's: 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'s>, CT>,
    pos: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .border_style(GREY)
        .background_style(WHITE.mix(0.9))
        .label_font((FONT, TEXT))
        .position(pos)
        .draw()
        .map_err(err)
}

/// One named line (an empty name keeps it out of the legend).
pub struct Line {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    pub colour: RGBColor,
    pub dashed: bool,
}

/// A shaded stretch of the x axis with a label at its top (e.g. months still resolving): the chart
/// states what its figures leave out.
pub struct Band {
    pub from: f64,
    pub to: f64,
    pub label: String,
    pub colour: RGBColor,
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
    line_chart(&LineChart {
        title,
        x_desc,
        y_desc,
        series,
        x_labels,
        log_x,
        y_max,
        bands: &[],
    })
}

/// A line chart: the [`lines`] arguments and shaded [`Band`]s behind the lines (not on log axes).
pub struct LineChart<'a> {
    pub title: &'a str,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub series: &'a [Line],
    /// Texts of the whole x positions (weeks, months); None: numeric ticks.
    pub x_labels: Option<&'a [String]>,
    /// A log x axis (ECDFs).
    pub log_x: bool,
    /// A fixed top of the y axis (percentages); None: fitted to the data with headroom.
    pub y_max: Option<f64>,
    pub bands: &'a [Band],
}

/// Draws a [`LineChart`].
pub fn line_chart(c: &LineChart<'_>) -> Res {
    let (series, bands) = (c.series, c.bands);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (x0, x1) = x_range(series, bands);
        let frame = Frame {
            x0,
            x1,
            ytop: y_top(series, c.y_max, !bands.is_empty()),
            fixed_y: c.y_max.is_some(),
        };
        let y_area = text_width(6) + 34;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(c.title, (FONT, TITLE))
            .margin(10)
            .margin_right(30)
            .x_label_area_size(TEXT * 2 + 24)
            .y_label_area_size(y_area);
        let axes = Axes {
            x_desc: c.x_desc,
            y_desc: c.y_desc,
            labels: c.x_labels.unwrap_or(&[]),
        };
        if c.log_x {
            log_lines(&mut builder, &axes, series, &frame)?;
        } else {
            linear_lines(&mut builder, &axes, series, bands, &frame, W - y_area - 40)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The axis names of a line chart and the texts of its x positions (empty: numeric ticks).
struct Axes<'a> {
    x_desc: &'a str,
    y_desc: &'a str,
    labels: &'a [String],
}

/// The plotted area of a line chart: the x range, the top of the y axis, and whether that top is
/// fixed (a percentage axis) rather than fitted to the data.
struct Frame {
    x0: f64,
    x1: f64,
    ytop: f64,
    fixed_y: bool,
}

/// The x range of the finite points and bands ([0, 1] when there are none; never empty).
fn x_range(series: &[Line], bands: &[Band]) -> (f64, f64) {
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(bands.iter().flat_map(|b| [b.from, b.to]))
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
    (x0, x1)
}

/// The top of the y axis: `y_max` when given; else the data's top with headroom for the legend
/// (one row per series) and the band labels, so that neither covers a line.
fn y_top(series: &[Line], y_max: Option<f64>, banded: bool) -> f64 {
    let headroom = 1.0 + 0.12 * series.len() as f64 + if banded { 0.1 } else { 0.0 };
    y_max.unwrap_or_else(|| {
        nice_max(
            series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max),
        ) * headroom
    })
}

/// The text at x: its label when the chart has labels and x is a whole position, else nothing;
/// a numeric tick without labels.
fn x_label(labels: &[String], x: f64) -> String {
    if labels.is_empty() {
        return tick(x);
    }
    let k = x.round();
    if (x - k).abs() < 1e-6 && k >= 0.0 {
        labels.get(k as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

/// How many x labels a linear axis `plot_w` wide shows: as many as fit, at most 10 ticks or 12
/// labels.
fn x_label_count(labels: &[String], plot_w: u32) -> usize {
    if labels.is_empty() {
        return labels_that_fit(plot_w, 6).min(10);
    }
    let chars = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4);
    labels.len().min(labels_that_fit(plot_w, chars)).min(12)
}

/// Names a drawn series in the legend (a line sample in its style), unless its name is empty.
fn name_series<'a, DB: DrawingBackend + 'a>(
    drawn: &mut SeriesAnno<'a, DB>,
    s: &Line,
    style: ShapeStyle,
) {
    if !s.name.is_empty() {
        drawn
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
    }
}

/// The mesh of a line chart on any x axis: the axis names, six y ticks, `x_labels` x ticks (None:
/// plotters' choice), x positions by [`x_label`] and y ticks by [`tick`].
fn line_mesh<'a, 's: 'a, X>(
    chart: &mut ChartContext<'a, SVGBackend<'s>, Cartesian2d<X, RangedCoordf64>>,
    axes: &Axes<'_>,
    x_labels: Option<usize>,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let fmt_x = |x: &f64| x_label(axes.labels, *x);
    let fmt_y = |y: &f64| tick(*y);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(axes.x_desc).y_desc(axes.y_desc).y_labels(6);
    if let Some(n) = x_labels {
        mesh.x_labels(n);
    }
    finish_mesh(mesh.x_label_formatter(&fmt_x).y_label_formatter(&fmt_y))
}

/// Lines on a log x axis (ECDFs): points at x ≤ 0 are left out; the legend at the lower right.
fn log_lines<'a, 's: 'a>(
    builder: &mut ChartBuilder<'a, '_, SVGBackend<'s>>,
    axes: &Axes<'_>,
    series: &[Line],
    f: &Frame,
) -> Result<(), String> {
    let mut chart = builder
        .build_cartesian_2d((f.x0.max(1e-3)..f.x1).log_scale(), 0.0..f.ytop)
        .map_err(err)?;
    line_mesh(&mut chart, axes, None)?;
    for s in series {
        let style = s.colour.stroke_width(2);
        let points = s.points.iter().copied();
        let drawn = chart
            .draw_series(LineSeries::new(
                points.filter(|p| p.0 > 0.0 && p.1.is_finite()),
                style,
            ))
            .map_err(err)?;
        name_series(drawn, s, style);
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

/// A line chart on linear axes.
type LinearChart<'a, 's> =
    ChartContext<'a, SVGBackend<'s>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Lines on linear axes over shaded bands; the legend at the bottom of a fixed (percentage) axis,
/// else at the top (in the middle when band labels take the right).
fn linear_lines<'a, 's: 'a>(
    builder: &mut ChartBuilder<'a, '_, SVGBackend<'s>>,
    axes: &Axes<'_>,
    series: &[Line],
    bands: &[Band],
    f: &Frame,
    plot_w: u32,
) -> Result<(), String> {
    let mut chart = builder
        .build_cartesian_2d(f.x0..f.x1, 0.0..f.ytop)
        .map_err(err)?;
    line_mesh(&mut chart, axes, Some(x_label_count(axes.labels, plot_w)))?;
    for b in bands {
        draw_band(&mut chart, b, f)?;
    }
    for s in series {
        let style = s.colour.stroke_width(2);
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
        name_series(drawn.map_err(err)?, s, style);
    }
    let pos = match (f.fixed_y, bands.is_empty()) {
        (true, _) => SeriesLabelPosition::LowerMiddle,
        (false, true) => SeriesLabelPosition::UpperRight,
        (false, false) => SeriesLabelPosition::UpperMiddle,
    };
    legend(&mut chart, pos)
}

/// One shaded band over the whole height, its label at the top: hanging right from the band's
/// left edge, or left from its right edge for bands in the right half.
fn draw_band(chart: &mut LinearChart<'_, '_>, b: &Band, f: &Frame) -> Result<(), String> {
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(b.from, 0.0), (b.to, f.ytop)],
            b.colour.mix(0.16).filled(),
        )))
        .map_err(err)?;
    let right = b.from > (f.x0 + f.x1) / 2.0;
    let (x, h) = if right {
        (b.to.min(f.x1), HPos::Right)
    } else {
        (b.from.max(f.x0), HPos::Left)
    };
    let style = (FONT, TEXT)
        .into_font()
        .color(&GREY)
        .pos(Pos::new(h, VPos::Top));
    chart
        .draw_series(std::iter::once(Text::new(
            b.label.clone(),
            (x, f.ytop),
            style,
        )))
        .map_err(err)?;
    Ok(())
}

/// Every text element of an SVG drawn here: (font-size, text).
pub fn texts(svg: &str) -> Vec<(f64, String)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find("<text") {
        rest = &rest[i..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        let size = tag
            .find("font-size=\"")
            .and_then(|k| {
                let v = &tag[k + 11..];
                v[..v.find('"')?].parse::<f64>().ok()
            })
            .unwrap_or(f64::NAN);
        let body_end = rest.find("</text>").unwrap_or(rest.len());
        out.push((size, rest[close + 1..body_end].trim().to_string()));
        rest = &rest[body_end.min(rest.len())..];
        if rest.len() > 7 {
            rest = &rest[7..];
        } else {
            break;
        }
    }
    out
}

/// What makes a chart of this module hard to read, if anything: a text off the one font scale
/// ([`TEXT`] or [`TITLE`]), under 11 px high at [`MIN_RENDERED_WIDTH`], a number ending in `.0`, or a
/// text wider (at a generous 0.6 em per character) than the chart.
pub fn legibility_problems(svg: &str) -> Vec<String> {
    let scale = MIN_RENDERED_WIDTH / f64::from(WIDTH);
    let mut problems = Vec::new();
    let all = texts(svg);
    if all.is_empty() {
        problems.push("a chart without text".to_string());
    }
    for (size, text) in &all {
        if ![TEXT, TITLE]
            .iter()
            .any(|s| (size - f64::from(*s) / 1.24).abs() < 0.01)
        {
            problems.push(format!("'{text}': font-size {size} is off the scale"));
        }
        if size.is_nan() || size * scale < 11.0 {
            problems.push(format!(
                "'{text}': {:.1} px at the narrowest width",
                size * scale
            ));
        }
        let numeric = text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',' || c == '-');
        if numeric && text.ends_with(".0") {
            problems.push(format!("'{text}' ends in .0"));
        }
        if 0.6 * size * text.chars().count() as f64 > f64::from(WIDTH) {
            problems.push(format!("'{text}' is wider than the chart"));
        }
    }
    problems
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

    #[test]
    fn tick_labels_read_as_people_write_numbers() {
        assert_eq!(tick(120.0), "120");
        assert_eq!(tick(1.0), "1");
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(12000.0), "12,000");
        assert_eq!(tick(1234567.0), "1,234,567");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(2.25), "2.25");
        assert_eq!(tick(1500.5), "1,500.5");
        assert_eq!(tick(-3.0), "-3");
        assert_eq!(tick(0.1 + 0.2), "0.3");
    }

    #[test]
    fn texts_are_read_with_their_sizes() {
        let svg = "<text x=\"1\" font-size=\"15.3\" opacity=\"1\">\n1,200\n</text><text font-size=\"9\">a</text>";
        assert_eq!(
            texts(svg),
            vec![(15.3, "1,200".to_string()), (9.0, "a".to_string())]
        );
    }

    #[test]
    fn text_is_legible_at_the_narrowest_page_width_and_numbers_have_no_dot_zero() {
        let b = bars(
            "MTTR by priority",
            "hours",
            &[Bar {
                label: "P1".into(),
                value: 1200.0,
                low: None,
                high: None,
                target: Some(4.0),
                colour: priority_colour("P1"),
            }],
        )
        .unwrap();
        let months: Vec<String> = (1..=12).map(|m| format!("2025-{m:02}")).collect();
        let l = line_chart(&LineChart {
            title: "Monthly MTTR",
            x_desc: "month opened",
            y_desc: "hours",
            series: &[Line {
                name: "mean".into(),
                points: (0..12).map(|k| (k as f64, 100.0 * k as f64)).collect(),
                colour: BLUE,
                dashed: false,
            }],
            x_labels: Some(&months),
            log_x: false,
            y_max: None,
            bands: &[Band {
                from: 10.0,
                to: 11.0,
                label: "still resolving".into(),
                colour: GREY,
            }],
        })
        .unwrap();
        let h = hbars(
            "Top clusters",
            "incidents",
            &[Bar {
                label: "Network / Router / Down".into(),
                value: 7.0,
                low: None,
                high: None,
                target: None,
                colour: GREY,
            }],
        )
        .unwrap();
        for svg in [&b, &l, &h] {
            assert_eq!(legibility_problems(svg), Vec::<String>::new());
        }
        let shown: Vec<String> = texts(&b).into_iter().map(|t| t.1).collect();
        assert!(
            shown.iter().any(|t| t == "1,000" || t == "1,200"),
            "thousands are separated: {shown:?}"
        );
        assert!(texts(&l).iter().any(|t| t.1 == "still resolving"));
        // The check itself catches what it is for.
        let small = b.replace(
            &format!("font-size=\"{}\"", f64::from(TEXT) / 1.24),
            "font-size=\"9.677\"",
        );
        assert!(legibility_problems(&small)
            .iter()
            .any(|p| p.contains("off the scale")));
    }
}
