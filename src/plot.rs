//! `mirrorlab plot RUN`: the run folder's metrics.csv drawn as PNG files with plotters, into
//! `RUN/plots/`: the learning curve (mean episodic return per update with a band of ± one
//! standard deviation over that update's episodes), the losses and diagnostics, and the
//! throughput. Text is drawn with a font compiled into the binary (DejaVu Sans Mono,
//! `assets/fonts/`), so plots render on a machine with no system fonts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use plotters::prelude::*;

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSansMono.ttf");

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure would only lose the text.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// metrics.csv as columns.
pub struct Metrics {
    pub header: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl Metrics {
    pub fn read(path: &Path) -> Result<Metrics> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .with_context(|| format!("{}: empty", path.display()))?
            .split(',')
            .map(String::from)
            .collect();
        if !header.iter().any(|h| h == "global_step") {
            bail!(
                "{}: not a mirrorlab metrics file (no global_step column)",
                path.display()
            );
        }
        let mut rows = Vec::new();
        for (i, l) in lines.enumerate() {
            let row: Vec<f64> = l
                .split(',')
                .map(|v| v.parse::<f64>().unwrap_or(f64::NAN))
                .collect();
            if row.len() != header.len() {
                bail!(
                    "{}:{}: {} values; expected {}",
                    path.display(),
                    i + 2,
                    row.len(),
                    header.len()
                );
            }
            rows.push(row);
        }
        Ok(Metrics { header, rows })
    }

    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.header.iter().position(|h| h == name)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }
}

fn finite_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        return (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// One chart of several series against the global step.
fn chart(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    title: &str,
    x: &[f64],
    series: &[(&str, Vec<f64>)],
    band: Option<(&[f64], &[f64])>,
) -> DrawResult {
    let (x0, x1) = finite_range(x.iter().copied());
    let mut all: Vec<f64> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    if let Some((lo, hi)) = band {
        all.extend(lo.iter().chain(hi.iter()).copied());
    }
    let (y0, y1) = finite_range(all.into_iter());
    let mut c = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(x0.max(0.0)..x1, y0..y1)?;
    c.configure_mesh()
        .x_desc("environment steps")
        .label_style(("sans-serif", 12))
        .x_label_formatter(&|v| human(*v))
        .draw()?;
    let colors = [BLUE, RED, GREEN, MAGENTA, CYAN, BLACK];
    if let Some((lo, hi)) = band {
        let pts: Vec<(f64, f64)> = x
            .iter()
            .zip(hi)
            .map(|(a, b)| (*a, *b))
            .chain(x.iter().zip(lo).rev().map(|(a, b)| (*a, *b)))
            .filter(|p| p.1.is_finite())
            .collect();
        c.draw_series(std::iter::once(Polygon::new(pts, BLUE.mix(0.15))))?;
    }
    for (i, (name, ys)) in series.iter().enumerate() {
        let color = colors[i % colors.len()];
        c.draw_series(LineSeries::new(
            x.iter()
                .zip(ys)
                .filter(|p| p.1.is_finite())
                .map(|(a, b)| (*a, *b)),
            color.stroke_width(2),
        ))?
        .label(*name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    if series.len() > 1 {
        c.configure_series_labels()
            .label_font(("sans-serif", 12))
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    Ok(())
}

fn human(v: f64) -> String {
    if v.abs() >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if v.abs() >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

/// Draws the plots of a run folder; returns the files written.
pub fn plot_run(dir: &Path) -> Result<Vec<PathBuf>> {
    register_font();
    let m = Metrics::read(&dir.join("metrics.csv"))?;
    if m.rows.is_empty() {
        bail!("{}: metrics.csv has no rows yet", dir.display());
    }
    let out = dir.join("plots");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let col = |n: &str| m.column(n).unwrap_or_default();
    let x = col("global_step");
    let ret = col("charts/episodic_return");
    let sd = col("charts/episodic_return_std");
    let lo: Vec<f64> = ret.iter().zip(&sd).map(|(r, s)| r - s).collect();
    let hi: Vec<f64> = ret.iter().zip(&sd).map(|(r, s)| r + s).collect();
    let mut written = Vec::new();
    let draw = |name: &str,
                f: &dyn Fn(
        &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    ) -> DrawResult|
     -> Result<PathBuf> {
        let path = out.join(name);
        let tmp = out.join(format!(".{name}.tmp.png"));
        {
            let root = BitMapBackend::new(&tmp, (1000, 600)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| anyhow::anyhow!("{e}"))?;
            f(&root).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            root.present().map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        }
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    };
    written.push(draw("learning_curve.png", &|a| {
        chart(
            a,
            "episodic return (mean per update, band: ± 1 sd over its episodes)",
            &x,
            &[("return", ret.clone())],
            Some((&lo, &hi)),
        )
    })?);
    written.push(draw("losses.png", &|a| {
        let parts = a.split_evenly((2, 3));
        for (p, (title, name)) in parts.iter().zip([
            ("policy loss", "losses/policy_loss"),
            ("value loss", "losses/value_loss"),
            ("entropy", "losses/entropy"),
            ("approx. KL", "losses/approx_kl"),
            ("clip fraction", "losses/clipfrac"),
            ("explained variance", "losses/explained_variance"),
        ]) {
            chart(p, title, &x, &[(title, col(name))], None)?;
        }
        Ok(())
    })?);
    written.push(draw("sps.png", &|a| {
        chart(
            a,
            "training throughput (environment steps per second)",
            &x,
            &[("SPS", col("charts/SPS"))],
            None,
        )
    })?);
    Ok(written)
}
