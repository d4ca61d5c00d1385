//! Rendering of the results view: a pure function of [`Results`]. The contents on the left
//! (a run's summary, its charts, its tables), the chosen item on the right: a chart of a
//! metric against the global step (the return with a band of one standard deviation over
//! the update's episodes), a table with the chosen cell, or text.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table, Wrap,
};

use crate::results::{Item, Results, Series};

fn fg(color: bool, c: Color) -> Style {
    if color {
        Style::default().fg(c)
    } else {
        Style::default()
    }
}

/// A number as an axis label: 1.2M, 35k, 0.0012.
pub fn short_number(x: f64) -> String {
    let a = x.abs();
    if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", x / 1e3)
    } else if a >= 100.0 || a == 0.0 {
        format!("{x:.0}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 1e-3 {
        format!("{x:.4}")
    } else {
        format!("{x:.1e}")
    }
}

pub fn render(app: &Results, f: &mut Frame) {
    let area = f.area();
    let [status, body, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    // The notice first: a long path must not push it off the line.
    let mut spans = vec![Span::styled(
        format!(" {} ", app.doc.kind),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    if !app.notice.is_empty() {
        spans.push(Span::styled(
            format!("{} ", app.notice),
            fg(app.color, Color::Yellow),
        ));
    }
    spans.push(Span::raw(format!("· {}", app.doc.path.display())));
    f.render_widget(Paragraph::new(Line::from(spans)), status);
    let list_w = (body.width / 5).clamp(18, 30);
    let [list, main] =
        Layout::horizontal([Constraint::Length(list_w), Constraint::Min(20)]).areas(body);
    contents(app, f, list);
    match app.doc.items.get(app.selected) {
        Some(Item::Chart(s)) => chart(app, s, f, main),
        Some(Item::Table(_)) => table(app, f, main),
        Some(Item::Text { title, lines }) => {
            let text: Vec<Line> = lines
                .iter()
                .skip(app.scroll)
                .map(|l| Line::from(l.clone()))
                .collect();
            let title = if app.scroll > 0 || lines.len() + 2 > main.height as usize {
                format!(" {title} (from line {}; pgup/pgdn) ", app.scroll + 1)
            } else {
                format!(" {title} ")
            };
            f.render_widget(
                Paragraph::new(text)
                    .block(Block::default().borders(Borders::ALL).title(title))
                    .wrap(Wrap { trim: false }),
                main,
            );
        }
        None => {}
    }
    let launchable = app.table().is_some_and(|t| t.source.is_some());
    let hint = if app.cell.is_some() && launchable {
        "arrows: cell · enter: watch this cell's episode · esc: contents · ? help · q quit"
    } else if app.cell.is_some() {
        "arrows: cell · esc: contents · ? help · q quit"
    } else {
        "↑/↓ item · enter: a table's cells · ? help · q quit"
    };
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            hint,
            fg(app.color, Color::DarkGray),
        ))),
        keys,
    );
    if app.help {
        help(app, f, area);
    }
}

fn contents(app: &Results, f: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(" contents ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let start = app.selected.saturating_sub(rows.saturating_sub(1));
    let lines: Vec<Line> = app
        .doc
        .items
        .iter()
        .enumerate()
        .skip(start)
        .take(rows)
        .map(|(i, item)| {
            let sel = i == app.selected;
            let title: String = item
                .title()
                .chars()
                .take((inner.width as usize).saturating_sub(1))
                .collect();
            Line::from(vec![
                Span::raw(if sel { "▸" } else { " " }),
                Span::styled(
                    title,
                    if sel {
                        Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
                    } else {
                        Style::default()
                    },
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn chart(app: &Results, s: &Series, f: &mut Frame, area: Rect) {
    let mut all: Vec<f64> = s.points.iter().map(|p| p.1).collect();
    all.extend(s.band.iter().flat_map(|b| [b.1, b.2]));
    let (mut lo, mut hi) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &y| {
            (l.min(y), h.max(y))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let x_max = s.points.last().map(|p| p.0).unwrap_or(1.0).max(1.0);
    let lower: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, b.1)).collect();
    let upper: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, b.2)).collect();
    let mut data = Vec::new();
    if !s.band.is_empty() {
        for pts in [&lower, &upper] {
            data.push(
                Dataset::default()
                    // Without colour, the band is drawn in dots, apart from the mean.
                    .marker(if app.color {
                        Marker::Braille
                    } else {
                        Marker::Dot
                    })
                    .graph_type(GraphType::Line)
                    .style(fg(app.color, Color::DarkGray))
                    .data(pts),
            );
        }
    }
    data.push(
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(fg(app.color, Color::Cyan))
            .data(&s.points),
    );
    let last = s
        .points
        .last()
        .map(|p| format!(" · last {}", short_number(p.1)))
        .unwrap_or_else(|| " · no values".into());
    let band = if s.band.is_empty() {
        ""
    } else if app.color {
        " · grey: ± 1 std over the update's episodes"
    } else {
        " · dots: ± 1 std over the update's episodes"
    };
    let title = format!(" {} ({}){last}{band} ", s.label, s.column);
    let chart = Chart::new(data)
        .block(Block::default().borders(Borders::ALL).title(title))
        .x_axis(Axis::default().title("step").bounds([0.0, x_max]).labels([
            "0".to_string(),
            short_number(x_max / 2.0),
            short_number(x_max),
        ]))
        .y_axis(Axis::default().bounds([lo, hi]).labels([
            short_number(lo),
            short_number((lo + hi) / 2.0),
            short_number(hi),
        ]));
    f.render_widget(chart, area);
}

fn table(app: &Results, f: &mut Frame, area: Rect) {
    let Some(t) = app.table() else { return };
    let block = Block::default().borders(Borders::ALL).title(" table ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let caption_h = if t.caption.is_empty() { 0 } else { 3 };
    let [cap, grid] =
        Layout::vertical([Constraint::Length(caption_h), Constraint::Min(1)]).areas(inner);
    f.render_widget(
        Paragraph::new(t.caption.replace('`', "")).wrap(Wrap { trim: true }),
        cap,
    );
    // Only the rows in view are laid out (a table may have many thousands), the chosen row
    // kept in view; columns after the first scroll sideways to keep the chosen one in view.
    let visible = grid.height.saturating_sub(1) as usize;
    let (row_at, col_at) = app.cell.unwrap_or((0, 0));
    let first = row_at.saturating_sub(visible.saturating_sub(1));
    let shown = &t.rows[first.min(t.rows.len())..(first + visible).min(t.rows.len())];
    let cols = t.header.len().max(1);
    let width_of = |c: usize| {
        std::iter::once(&t.header)
            .chain(shown)
            .filter_map(|r| r.get(c))
            .map(|s| s.replace("**", "").chars().count())
            .max()
            .unwrap_or(1)
            .max(1)
    };
    let widths: Vec<usize> = (0..cols).map(width_of).collect();
    let spacing = 2;
    let fits = |from: usize| {
        widths[0]
            + (from..=col_at.max(from))
                .map(|c| widths[c] + spacing)
                .sum::<usize>()
            <= grid.width as usize
    };
    let mut from = 1;
    while from < col_at && !fits(from) {
        from += 1;
    }
    let columns: Vec<usize> = std::iter::once(0).chain(from.max(1)..cols).collect();
    let hidden = from > 1;
    let header = Row::new(columns.iter().map(|&c| {
        let h = t.header.get(c).cloned().unwrap_or_default();
        let h = if hidden && c == 0 {
            format!("{h} ◂")
        } else {
            h
        };
        Cell::from(h).style(Style::default().add_modifier(Modifier::BOLD))
    }));
    let rows: Vec<Row> = shown
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let r = first + i;
            Row::new(columns.iter().map(|&c| {
                let v = row.get(c).map(String::as_str).unwrap_or("");
                let mut style = Style::default();
                if v.contains("**") {
                    style = style.add_modifier(Modifier::BOLD);
                }
                if t.launch(r, c).is_some() {
                    style = style.patch(fg(app.color, Color::Cyan));
                }
                if app.cell == Some((r, c)) {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                Cell::from(v.replace("**", "")).style(style)
            }))
        })
        .collect();
    let constraints: Vec<Constraint> = columns
        .iter()
        .map(|&c| Constraint::Length((widths[c] + if hidden && c == 0 { 2 } else { 0 }) as u16))
        .collect();
    f.render_widget(
        Table::new(rows, constraints)
            .header(header)
            .column_spacing(spacing as u16),
        grid,
    );
}

fn help(app: &Results, f: &mut Frame, area: Rect) {
    let text = [
        "↑ / ↓      the item before / after (contents)",
        "enter      into a table's cells",
        "pgup/pgdn  scroll a text (the run's summary)",
        "arrows     move between cells",
        "enter      on an evaluation cell: watch its episode",
        "           (episode 0 of the cell; n / N in the viewer",
        "           for the cell's other episodes; q returns here)",
        "esc        back to the contents, close this help",
        "?          this help",
        "q          quit",
    ];
    crate::view::key_help(f, area, &text, fg(app.color, Color::Yellow));
}
