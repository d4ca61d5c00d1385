//! Rendering: a pure function of the [`App`] (it mutates nothing). Layout, top to bottom: a
//! status line; the network map beside the step's events and the selected host; the score
//! over time; the key hints. Colours carry meaning only together with text labels, so the
//! view reads the same with `NO_COLOR`.

use mirrorlab_sim::model::RedKind;
use mirrorlab_sim::model::{AlertKind, BlueKind};
use mirrorlab_sim::trace::{Alert, AlertCause, Event, EventKind, tenths};
use mirrorlab_sim::{BlueAction, HostView, RedAction, RedHold};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Clear, Dataset, GraphType, Paragraph, Wrap};

use crate::app::App;
use crate::episode::{Frame as EpFrame, Timeline};

/// Styles, or none at all (`NO_COLOR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }
    fn bold(self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }
    fn hold(self, v: &HostView) -> Style {
        let c = if v.impacted {
            Color::Magenta
        } else {
            match v.hold {
                RedHold::Unknown => Color::DarkGray,
                RedHold::Discovered => Color::Blue,
                RedHold::Scanned => Color::Cyan,
                RedHold::User => Color::Yellow,
                RedHold::Privileged => Color::Red,
            }
        };
        let s = self.fg(c);
        if v.impacted || v.hold == RedHold::Privileged {
            s.add_modifier(Modifier::BOLD)
        } else {
            s
        }
    }
}

/// What red holds on a host, as the map writes it.
pub fn hold_label(v: &HostView) -> &'static str {
    if v.impacted {
        return "IMPACT";
    }
    if v.entry {
        return "entry";
    }
    match v.hold {
        RedHold::Unknown => "clean",
        RedHold::Discovered => "found",
        RedHold::Scanned => "scanned",
        RedHold::User => "USER",
        RedHold::Privileged => "ROOT",
    }
}

/// Blue's compromise estimate, as the map writes it.
pub fn belief_label(b: u8) -> &'static str {
    match b {
        1 => "b:?",
        2 => "b:user",
        3 => "b:root",
        _ => "",
    }
}

/// Draws the whole viewer.
pub fn render(app: &App, f: &mut Frame) {
    if app.other.is_some() {
        return render_compare(app, f);
    }
    let theme = Theme { color: app.color };
    let area = f.area();
    let [status, body, chart, keys] = screen(area);
    let Some(frame) = app.timeline.made_frame(app.cursor) else {
        return;
    };
    status_line(app, f, status, theme);
    let [map, side] = body_columns(body);
    network_map(app, f, map, theme);
    let [events, details] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(side);
    event_log(app, f, events, theme);
    host_details(app, frame, f, details, theme);
    score_chart(
        app,
        f,
        chart,
        theme,
        &[(&app.timeline, Color::Cyan)],
        " blue's score over time ".into(),
    );
    let hint = if app.timeline.scenario.sensors.is_empty() {
        "space play/pause · ←/→ step · +/- speed · c p i r next event · tab host · ? help · q quit"
    } else {
        "space play/pause · ←/→ step · +/- speed · c p i r a next event · u users · tab host · ? help · q quit"
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![Span::styled(
            hint,
            theme.fg(Color::DarkGray),
        )])),
        keys,
    );
    if app.help {
        help(f, area, theme);
    }
}

/// Draws a status line: the tick and playback state first (what changes, and what must
/// survive a narrow terminal), then any notice, then `tail`.
fn draw_status(app: &App, f: &mut Frame, area: Rect, theme: Theme, tail: Vec<Span<'static>>) {
    let mut spans = vec![Span::styled(
        format!(
            " tick {}/{} · {} {}/s ",
            app.cursor,
            app.timeline.info.length,
            if app.paused { "paused" } else { "playing" },
            app.ticks_per_second()
        ),
        theme.bold(),
    )];
    if !app.notice.is_empty() {
        spans.push(Span::styled(
            format!("{} ", app.notice),
            theme.fg(Color::Yellow),
        ));
    }
    spans.extend(tail);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn status_line(app: &App, f: &mut Frame, area: Rect, theme: Theme) {
    let i = &app.timeline.info;
    let tail = vec![Span::raw(format!(
        "│ {} · {} vs {} · seed {} · episode {}",
        i.scenario,
        short_agent(&i.red),
        short_agent(&i.blue),
        i.seed,
        i.episode
    ))];
    draw_status(app, f, area, theme, tail);
}

/// An agent spec as the status line writes it: a checkpoint path shortened to its run
/// folder's name (`ppo:runs/x/policy.safetensors` → `ppo:x`) or its file name.
pub fn short_agent(spec: &str) -> String {
    spec.split(',')
        .map(|part| match part.split_once(':') {
            Some((kind, path)) if path.contains('/') || path.ends_with(".safetensors") => {
                let p = std::path::Path::new(path);
                let file = p.file_name().and_then(|f| f.to_str()).unwrap_or(path);
                let short = match (file, p.parent().and_then(|d| d.file_name())) {
                    ("policy.safetensors", Some(dir)) => dir.to_str().unwrap_or(file),
                    _ => file,
                };
                format!("{kind}:{short}")
            }
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Lanes of red's edges beside a listed map: each lane holds edges (top row, bottom row)
/// that do not overlap, the most recent edges placed first; at most `most` lanes (edges that
/// do not fit are left out: the details panel lists the whole path).
fn edge_lanes(edges: &[(usize, usize)], most: usize) -> Vec<Vec<(usize, usize, bool)>> {
    let mut lanes: Vec<Vec<(usize, usize, bool)>> = Vec::new();
    for &(from, to) in edges.iter().rev() {
        let (lo, hi) = (from.min(to), from.max(to));
        let free =
            |lane: &Vec<(usize, usize, bool)>| lane.iter().all(|&(a, b, _)| b < lo || a > hi);
        // `true`: the edge runs downwards (its target is the lower row).
        let edge = (lo, hi, to > from);
        match lanes.iter().position(free) {
            Some(i) => lanes[i].push(edge),
            None if lanes.len() < most => lanes.push(vec![edge]),
            None => {}
        }
    }
    lanes
}

/// The gutter's characters on row `r`: each lane's line (╭ │ ╰), connectors from a lane to
/// its endpoint's host (─, crossing ┼), and an arrowhead (▶) at a target host.
fn gutter_spans(lanes: &[Vec<(usize, usize, bool)>], r: usize, theme: Theme) -> Vec<Span<'static>> {
    if lanes.is_empty() {
        return Vec::new();
    }
    let mut out = String::new();
    // An endpoint on this row (lanes to its right are crossed), and whether one is a target.
    let (mut connect, mut arrow) = (false, false);
    for lane in lanes {
        let c = match lane.iter().find(|&&(a, b, _)| a <= r && r <= b) {
            Some(&(a, b, down)) if a == r || b == r => {
                connect = true;
                arrow |= (b == r) == down;
                if a == r { '╭' } else { '╰' }
            }
            Some(_) if connect => '┼',
            Some(_) => '│',
            None if connect => '─',
            None => ' ',
        };
        out.push(c);
    }
    out.push(match (arrow, connect) {
        (true, _) => '▶',
        (false, true) => '─',
        _ => ' ',
    });
    vec![Span::styled(out, theme.fg(Color::Red))]
}

/// One host's line on the map; `gained`: the tick red gained a session here (shown when the
/// line has room); `alerts`: the alerts raised on it this step.
#[allow(clippy::too_many_arguments)]
fn host_line(
    app: &App,
    tl: &Timeline,
    h: usize,
    v: &HostView,
    gained: Option<u32>,
    alerts: u32,
    width: usize,
    theme: Theme,
) -> Line<'static> {
    let s = &tl.scenario;
    let sel = app.selected == Some(h);
    let label = gained.map(|t| format!(" @{t}")).unwrap_or_default();
    // As wide as the longest name (at most 24), so the columns line up with room to spare.
    let name_w = width.saturating_sub(19).min(tl.longest_name.min(24)).max(6);
    let mut name: String = s.hosts[h].name.chars().take(name_w).collect();
    while name.chars().count() < name_w {
        name.push(' ');
    }
    let mut spans = vec![
        Span::raw(if sel { "▸" } else { " " }),
        Span::styled(
            name,
            if sel {
                theme.bold().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            },
        ),
        Span::raw(" "),
        Span::styled(format!("{:<8}", hold_label(v)), theme.hold(v)),
        Span::styled(
            format!("{:<7}", belief_label(v.belief)),
            theme.fg(Color::Blue),
        ),
    ];
    if v.decoys > 0 {
        spans.push(Span::styled(
            format!("d{}", v.decoys),
            theme.fg(Color::Green),
        ));
    }
    if v.restoring {
        spans.push(Span::styled(" ⟳", theme.fg(Color::Green)));
    }
    if v.isolated {
        spans.push(Span::styled(" iso", theme.fg(Color::Green)));
    }
    if v.exfiltrated {
        spans.push(Span::styled(" exf", theme.fg(Color::Magenta)));
    }
    if v.encrypted {
        spans.push(Span::styled(
            " ENC",
            theme.fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    if alerts > 0 {
        spans.push(Span::styled(format!(" !{alerts}"), theme.fg(Color::Yellow)));
    }
    let used: usize = spans.iter().map(|sp| sp.content.chars().count()).sum();
    if !label.is_empty() && used + label.len() <= width {
        spans.push(Span::styled(label, theme.fg(Color::Red)));
    }
    Line::from(spans)
}

/// The map's area within the whole screen.
fn map_rect(area: Rect) -> Rect {
    let [_, body, _, _] = screen(area);
    let [map, _] = body_columns(body);
    map
}

/// The map's and the side panels' columns.
fn body_columns(body: Rect) -> [Rect; 2] {
    let map_w = (body.width * 2 / 5).clamp(34, 60);
    Layout::horizontal([Constraint::Length(map_w), Constraint::Min(20)]).areas(body)
}

fn screen(area: Rect) -> [Rect; 4] {
    let chart_h = match area.height {
        0..30 => 4,
        30..36 => 6,
        _ => 9,
    };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(chart_h),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// Rows inside the map's border on a `width × height` screen.
pub fn map_rows(width: u16, height: u16) -> u16 {
    let [_, body, _, _] = screen(Rect::new(0, 0, width, height));
    body.height.saturating_sub(2)
}

/// The columns of a comparison: both maps, then (when wide enough) the step's events.
fn compare_columns(body: Rect) -> Vec<Rect> {
    if body.width >= 110 {
        Layout::horizontal([
            Constraint::Percentage(34),
            Constraint::Percentage(34),
            Constraint::Percentage(32),
        ])
        .split(body)
        .to_vec()
    } else {
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .split(body)
            .to_vec()
    }
}

/// The host drawn at screen cell (`col`, `row`) of a screen of size `area`, if any (either
/// map of a comparison).
pub fn host_at(app: &App, area: Rect, col: u16, row: u16) -> Option<usize> {
    let mut maps = vec![(map_rect(area), &app.timeline)];
    if let Some(o) = &app.other {
        let [_, body, _, _] = screen(area);
        let cols = compare_columns(body);
        maps = vec![(cols[0], &app.timeline), (cols[1], o)];
    }
    for (rect, tl) in maps {
        let inner = Block::default().borders(Borders::ALL).inner(rect);
        if col < inner.x || col >= inner.x + inner.width || row < inner.y {
            continue;
        }
        let lines = map_lines(app, tl, inner, Theme { color: false });
        return lines.get((row - inner.y) as usize).and_then(|l| l.0);
    }
    None
}

fn network_map(app: &App, f: &mut Frame, area: Rect, theme: Theme) {
    let s = &app.timeline.scenario;
    let title = match app.zoom {
        Some(sn) => format!(" network · {} (esc: all subnets) ", s.subnets[sn].name),
        None => " network ".to_string(),
    };
    titled_map(app, &app.timeline, f, area, theme, title);
}

fn titled_map(app: &App, tl: &Timeline, f: &mut Frame, area: Rect, theme: Theme, title: String) {
    let block = Block::default().borders(Borders::ALL).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = map_lines(app, tl, inner, theme)
        .into_iter()
        .map(|l| l.1)
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// The map's lines, each with the host it shows (if it shows one).
fn map_lines(
    app: &App,
    tl: &Timeline,
    inner: Rect,
    theme: Theme,
) -> Vec<(Option<usize>, Line<'static>)> {
    let s = &tl.scenario;
    let Some(frame) = tl.made_frame(app.cursor) else {
        return Vec::new();
    };
    let rows = inner.height as usize;
    let width = inner.width as usize;
    let edges = tl.attack_edges(app.cursor);
    let gained = |h: usize| edges.iter().rev().find(|e| e.to == h).map(|e| e.tick);
    // The alerts raised on each host this step.
    let mut alerts = vec![0u32; s.hosts.len()];
    for a in tl.frame_events(frame).iter().filter_map(Alert::decode) {
        if let Some(n) = alerts.get_mut(a.host as usize) {
            *n += 1;
        }
    }
    let mut lines = Vec::new();
    match app.zoom {
        None if !app.summary_map() => {
            // Hosts listed by subnet, red's path drawn as edges in a gutter on the left.
            let mut row_of = vec![usize::MAX; s.hosts.len()];
            let mut row = 0;
            for sn in &s.subnets {
                row += 1;
                for &h in &sn.hosts {
                    row_of[h as usize] = row;
                    row += 1;
                }
            }
            let visible = |r: usize| r < rows;
            // Each (from, to) once: a host red regained after a restore has one edge. Edges
            // to hosts red holds now come last, so they are given lanes first.
            let mut spans: Vec<(usize, usize)> = Vec::new();
            for e in &edges {
                let (a, b) = (row_of[e.from], row_of[e.to]);
                spans.retain(|&x| x != (a, b));
                if a != b && visible(a) && visible(b) {
                    spans.push((a, b));
                }
            }
            let held = |row: usize| {
                edges.iter().any(|e| {
                    row_of[e.to] == row && frame.hosts[e.to].hold >= mirrorlab_sim::RedHold::User
                })
            };
            spans.sort_by_key(|&(_, b)| held(b));
            let lanes = edge_lanes(&spans, width.saturating_sub(30).min(4));
            let gutter = if lanes.is_empty() { 0 } else { lanes.len() + 1 };
            let mut r = 0;
            for sn in &s.subnets {
                let mut line = gutter_spans(&lanes, r, theme);
                line.push(Span::styled(
                    format!("─ {} ", sn.name),
                    theme.fg(Color::DarkGray),
                ));
                if zone_blocked(frame, sn) {
                    line.push(Span::styled("[blocked] ", theme.fg(Color::Green)));
                }
                lines.push((None, Line::from(line)));
                r += 1;
                for &h in &sn.hosts {
                    let h = h as usize;
                    let mut line = gutter_spans(&lanes, r, theme);
                    let host = host_line(
                        app,
                        tl,
                        h,
                        &frame.hosts[h],
                        gained(h),
                        alerts[h],
                        width - gutter,
                        theme,
                    );
                    line.extend(host.spans);
                    lines.push((Some(h), Line::from(line)));
                    r += 1;
                }
            }
        }
        None => {
            // Too many hosts to list: each subnet's name, then its hosts counted by what red
            // holds (red's entry hosts apart).
            for (i, sn) in s.subnets.iter().enumerate() {
                let mut counts = [0usize; 7];
                for &h in &sn.hosts {
                    let v = &frame.hosts[h as usize];
                    let k = if v.entry {
                        6
                    } else if v.impacted {
                        5
                    } else {
                        v.hold as usize
                    };
                    counts[k] += 1;
                }
                let here = app
                    .selected
                    .is_some_and(|h| s.hosts[h].subnet as usize == i);
                let first = sn.hosts.first().map(|&h| h as usize);
                lines.push((
                    first,
                    Line::from(Span::styled(
                        format!(
                            "{}{} ({} host{}){}",
                            if here { "▸" } else { " " },
                            sn.name,
                            sn.hosts.len(),
                            if sn.hosts.len() == 1 { "" } else { "s" },
                            if zone_blocked(frame, sn) {
                                " [blocked]"
                            } else {
                                ""
                            }
                        ),
                        theme.bold(),
                    )),
                ));
                let mut spans = vec![Span::raw("  ")];
                for (k, label, c) in [
                    (5, "impact", Color::Magenta),
                    (4, "root", Color::Red),
                    (3, "user", Color::Yellow),
                    (2, "scanned", Color::Cyan),
                    (1, "found", Color::Blue),
                    (6, "entry", Color::DarkGray),
                ] {
                    if counts[k] > 0 {
                        spans.push(Span::styled(
                            format!("{} {}  ", label, counts[k]),
                            theme.fg(c),
                        ));
                    }
                }
                if spans.len() == 1 {
                    spans.push(Span::styled("all clean", theme.fg(Color::DarkGray)));
                }
                let raised: u32 = sn.hosts.iter().map(|&h| alerts[h as usize]).sum();
                if raised > 0 {
                    spans.push(Span::styled(
                        format!("!{raised} alerts"),
                        theme.fg(Color::Yellow),
                    ));
                }
                lines.push((first, Line::from(spans)));
            }
            lines.push((
                None,
                Line::from(Span::styled(
                    "tab: subnet · enter: zoom",
                    theme.fg(Color::DarkGray),
                )),
            ));
        }
        Some(sn) => {
            let hosts = &s.subnets[sn].hosts;
            let sel = app
                .selected
                .and_then(|h| hosts.iter().position(|&x| x as usize == h))
                .unwrap_or(0);
            let start = sel.saturating_sub(rows.saturating_sub(1));
            for &h in hosts.iter().skip(start).take(rows) {
                let h = h as usize;
                lines.push((
                    Some(h),
                    host_line(
                        app,
                        tl,
                        h,
                        &frame.hosts[h],
                        gained(h),
                        alerts[h],
                        width,
                        theme,
                    ),
                ));
            }
        }
    }
    lines.truncate(rows);
    lines
}

/// The host an event concerns, if any (actions by their target).
pub fn event_host(tl: &crate::episode::Timeline, e: &Event) -> Option<usize> {
    let l = &tl.layout;
    let red_host = |a: u32| l.decode_red(a)?.host().map(|h| h as usize);
    let blue_host = |a: u32| l.decode_blue(a)?.host().map(|h| h as usize);
    match e.kind {
        EventKind::RedAction => red_host(e.a),
        EventKind::BlueAction => blue_host(e.a),
        EventKind::Started if e.b == 0 => blue_host(e.a),
        EventKind::Started => red_host(e.a),
        EventKind::Reward | EventKind::Swept => None,
        _ => Some(e.host as usize),
    }
}

/// One event as the log writes it, with its ATT&CK technique where it has one; None for
/// events the log leaves out (rewards, starts).
pub fn event_text(app: &App, e: &Event) -> Option<(String, &'static str)> {
    event_text_of(&app.timeline, e)
}

/// [`event_text`] for any timeline.
pub fn event_text_of(tl: &crate::episode::Timeline, e: &Event) -> Option<(String, &'static str)> {
    let s = &tl.scenario;
    let l = &tl.layout;
    let host = |h: u32| {
        s.hosts
            .get(h as usize)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let t = e.tick;
    Some(match e.kind {
        EventKind::RedAction => {
            let att = l
                .decode_red(e.a)
                .map(RedAction::kind)
                .map(RedKind::attack_id)
                .unwrap_or("-");
            // Sleep is no news; an exploit's own event says more (its technique, its result).
            // So is a successful escalation or impact: their own events say it.
            match l.decode_red(e.a) {
                Some(RedAction::Sleep | RedAction::Exploit(_)) => return None,
                Some(RedAction::Escalate(_) | RedAction::Impact(_)) if e.b == 1 => return None,
                // A technique that worked says so in its own event.
                Some(RedAction::Technique(..)) if e.b == 1 => return None,
                _ => {}
            }
            let ok = ["failed", "ok", "?", "invalid"]
                .get(e.b as usize)
                .copied()
                .unwrap_or("?");
            (
                format!("{t:>3} red  {} {att} {ok}", l.red_name(s, e.a)),
                "red",
            )
        }
        EventKind::BlueAction => {
            // Sleep is no news; a Restore and a placed decoy have their own events.
            match l.decode_blue(e.a) {
                Some(BlueAction::Sleep) | None => return None,
                Some(BlueAction::Restore(_)) => return None,
                Some(BlueAction::Tool(BlueKind::Isolate | BlueKind::Triage, _)) if e.b != 0 => {
                    return None;
                }
                Some(BlueAction::Decoy(..)) if e.b != 0 => return None,
                _ => {}
            }
            (
                format!(
                    "{t:>3} blue {}{}",
                    l.blue_name(s, e.a),
                    if e.b == 0 { " failed" } else { "" }
                ),
                "blue",
            )
        }
        EventKind::Exploit => {
            let ex = s.exploits.get(e.a as usize);
            let result = [
                "no target",
                "hit a decoy",
                "user shell",
                "root shell",
                "failed",
            ]
            .get(e.b as usize)
            .copied()
            .unwrap_or("?");
            (
                format!(
                    "{t:>3} red  exploit {} {} {} → {result}",
                    host(e.host),
                    ex.map(|x| x.name.as_str()).unwrap_or("?"),
                    ex.map(|x| x.attack_id.as_str()).unwrap_or("?"),
                ),
                if e.b == 2 || e.b == 3 { "bad" } else { "red" },
            )
        }
        EventKind::Callback if e.a != 0 => (
            format!("{t:>3} blue detected a call-back on {}", host(e.host)),
            "blue",
        ),
        EventKind::Escalated => (
            format!("{t:>3} red  escalated on {} T1068", host(e.host)),
            "bad",
        ),
        EventKind::ServiceStopped => (format!("{t:>3} red  IMPACT {} T1489", host(e.host)), "bad"),
        EventKind::SessionsRemoved if e.a > 0 => (
            format!("{t:>3} blue removed {} session(s) on {}", e.a, host(e.host)),
            "good",
        ),
        EventKind::Restored => (format!("{t:>3} blue restored {}", host(e.host)), "good"),
        EventKind::DecoyPlaced => (
            format!(
                "{t:>3} blue decoy {} on {}",
                s.decoys
                    .get(e.a as usize)
                    .map(|d| d.name.as_str())
                    .unwrap_or("?"),
                host(e.host)
            ),
            "blue",
        ),
        EventKind::Isolated => (format!("{t:>3} blue isolated {}", host(e.host)), "good"),
        EventKind::ZoneBlocked => {
            let zone = s
                .subnets
                .get(e.host as usize)
                .map_or("?", |z| z.name.as_str());
            let what = if e.a == 1 { "blocked" } else { "unblocked" };
            (format!("{t:>3} blue {what} zone {zone}"), "good")
        }
        EventKind::Triaged => (
            format!(
                "{t:>3} blue triaged {}: {}",
                host(e.host),
                match e.a {
                    3 => "root",
                    2 => "user",
                    _ => "clean",
                }
            ),
            "blue",
        ),
        EventKind::Technique => {
            let k = RedKind::ALL.get(e.a as usize)?;
            // A failure is told by red's action line.
            let what = match e.b {
                0 => return None,
                1 => "ok",
                _ => "came back after a Remove",
            };
            (
                format!(
                    "{t:>3} red  {} {} {} {what}",
                    k.name(),
                    host(e.host),
                    k.attack_id()
                ),
                "bad",
            )
        }
        EventKind::Alert => {
            let al = Alert::decode(e)?;
            let sensor = s
                .sensors
                .get(al.sensor as usize)
                .map_or("?", |x| x.name.as_str());
            let what = format!(
                "{t:>3} alert {} {} by {sensor}",
                al.kind.name(),
                host(e.host)
            );
            match al.cause {
                AlertCause::Red { .. } => (format!("{what} ← red {}", al.attack_id(s, l)), "alert"),
                AlertCause::Benign { green } => {
                    (format!("{what} ← false: {}", green_name(s, green)), "false")
                }
            }
        }
        EventKind::GreenWork => (
            format!(
                "{t:>3} green {} {} {}",
                green_name(s, e.a),
                AlertKind::from_index(e.b).map_or("?", mirrorlab_sim::trace::green_work),
                host(e.host)
            ),
            "user",
        ),
        EventKind::GreenScan => (
            format!("{t:>3} green {} scan {}", green_name(s, e.a), host(e.host)),
            "user",
        ),
        _ => return None,
    })
}

fn green_name(s: &mirrorlab_sim::model::Scenario, g: u32) -> &str {
    s.green.get(g as usize).map_or("?", |x| x.name.as_str())
}

/// Whether the log shows an event of this style: benign users' work only when asked.
fn shown(app: &App, style: &str) -> bool {
    style != "user" || app.show_users
}

/// An event style's colour (the log's and the host panel's).
fn event_style(theme: Theme, style: &str) -> Style {
    match style {
        "bad" => theme.fg(Color::Red).add_modifier(Modifier::BOLD),
        "red" => theme.fg(Color::LightRed),
        "good" => theme.fg(Color::Green),
        "alert" => theme.fg(Color::Yellow),
        "false" | "user" => theme.fg(Color::DarkGray),
        _ => theme.fg(Color::Blue),
    }
}

fn event_log(app: &App, f: &mut Frame, area: Rect, theme: Theme) {
    let block = Block::default().borders(Borders::ALL).title(" events ");
    let inner = block.inner(area);
    f.render_widget(block, area);
    let end = app
        .timeline
        .made_frame(app.cursor)
        .map(|fr| fr.events.1)
        .unwrap_or(0);
    let rows = inner.height as usize;
    let mut lines: Vec<Line> = Vec::new();
    for e in app.timeline.events[..end].iter().rev() {
        if lines.len() >= rows {
            break;
        }
        if let Some((text, kind)) = event_text(app, e)
            && shown(app, kind)
        {
            lines.push(Line::from(Span::styled(text, event_style(theme, kind))));
        }
    }
    lines.reverse();
    f.render_widget(Paragraph::new(lines), inner);
}

fn host_details(app: &App, frame: &EpFrame, f: &mut Frame, area: Rect, theme: Theme) {
    let s = &app.timeline.scenario;
    let mut lines: Vec<Line> = Vec::new();
    // The step's reward, broken down, then the episode's so far.
    let loss = |x: i64| {
        if x == 0 {
            "0".to_string()
        } else {
            tenths(-x as i32)
        }
    };
    if app.cursor > 0
        && let Some(prev) = app.timeline.made_frame(app.cursor - 1)
    {
        let (a, b) = (&frame.score, &prev.score);
        lines.push(Line::from(vec![
            Span::styled(
                format!("step {}", tenths((a.blue - b.blue) as i32)),
                theme.bold(),
            ),
            Span::raw(format!(
                ": conf {} avail {} cost {}",
                loss(a.confidentiality_loss - b.confidentiality_loss),
                loss(a.availability_loss - b.availability_loss),
                loss(a.action_cost - b.action_cost)
            )),
        ]));
    }
    let sc = &frame.score;
    lines.push(Line::from(vec![
        Span::styled(format!("score {}", tenths(sc.blue as i32)), theme.bold()),
        Span::raw(format!(
            ": conf {} avail {} cost {}",
            loss(sc.confidentiality_loss),
            loss(sc.availability_loss),
            loss(sc.action_cost)
        )),
    ]));
    let end = frame.events.1;
    if let Some(h) = app.selected {
        let host = &s.hosts[h];
        let v = &frame.hosts[h];
        lines.push(Line::from(vec![
            Span::styled(host.name.clone(), theme.bold()),
            Span::raw(format!(
                " · {} · {:?} · {}",
                s.subnets[host.subnet as usize].name, host.os, host.role
            )),
        ]));
        lines.push(Line::from(vec![
            Span::raw("truth "),
            Span::styled(hold_label(v), theme.hold(v)),
            Span::raw(format!(
                " · blue believes {} · decoys {}",
                match v.belief {
                    1 => "unknown",
                    2 => "user",
                    3 => "root",
                    _ => "clean",
                },
                v.decoys
            )),
        ]));
        // Its alerts, with their labels (the viewer shows the ground truth).
        if !s.sensors.is_empty() {
            let al = app.timeline.host_alerts(app.cursor, h);
            let mut spans = vec![Span::styled(
                format!(
                    "alerts {} now ({} true) · {} in {} ticks ({} true)",
                    al.now_total(),
                    al.now_true,
                    al.window_total(),
                    s.alert_window,
                    al.window_true
                ),
                theme.fg(Color::Yellow),
            )];
            let kinds: Vec<String> = AlertKind::ALL
                .iter()
                .filter(|k| al.window[**k as usize] > 0)
                .map(|k| format!("{} {}", k.name(), al.window[*k as usize]))
                .collect();
            if !kinds.is_empty() {
                spans.push(Span::raw(format!(": {}", kinds.join(" · "))));
            }
            lines.push(Line::from(spans));
        }
        // Its latest events, newest last.
        let mut history: Vec<String> = app.timeline.events[..end]
            .iter()
            .rev()
            .filter(|e| event_host(&app.timeline, e) == Some(h))
            .filter_map(|e| event_text(app, e).filter(|(_, k)| shown(app, k)))
            .map(|(t, _)| t)
            .take(3)
            .collect();
        history.reverse();
        for t in history {
            lines.push(Line::from(Span::raw(t)));
        }
    }
    for (label, best, colour) in [
        ("blue's policy ", &frame.blue_top, Color::Blue),
        ("red's policy ", &frame.red_top, Color::Red),
    ] {
        if best.is_empty() {
            continue;
        }
        let l = &app.timeline.layout;
        let mut spans = vec![Span::styled(label, theme.fg(colour))];
        for (i, &(a, p)) in best.iter().enumerate() {
            let name = if colour == Color::Red {
                l.red_name(s, a)
            } else {
                l.blue_name(s, a)
            };
            spans.push(Span::styled(
                format!("{}{name} {:.0}%", if i > 0 { " · " } else { "" }, p * 100.0),
                if i == 0 {
                    theme.bold()
                } else {
                    Style::default()
                },
            ));
        }
        lines.push(Line::from(spans));
    }
    // Red's path to the host it gained last: edges back to the launch host, tick on each.
    let edges = app.timeline.attack_edges(app.cursor);
    if let Some(last) = edges.last() {
        let mut chain = vec![*last];
        while let Some(e) = edges.iter().rev().find(|e| {
            let head = chain[chain.len() - 1];
            e.to == head.from && e.tick <= head.tick && !chain.contains(e)
        }) {
            chain.push(*e);
        }
        chain.reverse();
        let mut text = s.hosts[chain[0].from].name.clone();
        for e in &chain {
            text.push_str(&format!(" ─{}→ {}", e.tick, s.hosts[e.to].name));
        }
        lines.push(Line::from(vec![
            Span::styled(
                format!("path ({} sessions gained) ", edges.len()),
                theme.fg(Color::Red),
            ),
            Span::raw(text),
        ]));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" score · host ");
    f.render_widget(
        Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
        area,
    );
}

/// Blue's score over time, up to the cursor, for each (timeline, colour).
fn score_chart(
    app: &App,
    f: &mut Frame,
    area: Rect,
    theme: Theme,
    lines: &[(&crate::episode::Timeline, Color)],
    title: String,
) {
    let series: Vec<Vec<(f64, f64)>> = lines
        .iter()
        .map(|(tl, _)| {
            (0..=app.cursor)
                .filter_map(|t| tl.made_frame(t))
                .map(|fr| (fr.tick as f64, fr.score.blue as f64 / 10.0))
                .collect()
        })
        .collect();
    let low = series
        .iter()
        .flatten()
        .map(|p| p.1)
        .fold(0.0f64, f64::min)
        .min(-1.0);
    let last = app.last_tick().max(1) as f64;
    let data = lines
        .iter()
        .zip(&series)
        .map(|((tl, c), points)| {
            Dataset::default()
                .name(short_agent(&tl.info.blue))
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.fg(*c))
                .data(points)
        })
        .collect();
    let chart = Chart::new(data)
        .block(Block::default().borders(Borders::ALL).title(title))
        .x_axis(Axis::default().bounds([0.0, last]))
        .y_axis(
            Axis::default()
                .bounds([low, 0.0])
                .labels([format!("{low:.0}"), "0".to_string()]),
        );
    f.render_widget(chart, area);
}

fn help(f: &mut Frame, area: Rect, theme: Theme) {
    let text = [
        "space      play / pause",
        "→ / l      one tick forwards",
        "← / h      one tick backwards",
        "home / end the episode's start / end",
        "+ / -      faster / slower",
        "c p i r a  next compromise, root, impact, restore, alert",
        "C P I R A  previous one (a: an alert that red caused)",
        "u          show / hide benign users' work in the log",
        "tab / ⇧tab select the next / previous host (or click)",
        "enter      zoom into the selected host's subnet",
        "d          (compare) where the two worlds diverge",
        "n / N      next / previous episode",
        "esc        close help, zoom, selection",
        "?          this help",
        "q          quit",
        "",
        "map: what red truly holds (clean, found, scanned, USER,",
        "ROOT, IMPACT), blue's belief (b:?, b:user, b:root); dN",
        "decoys; ⟳ restoring; iso isolated; [blocked] zone cut off;",
        "exf data stolen; ENC encrypted; !N alerts; @t gained; red",
        "lines: red's path (╭ or ╰ to ▶) from what led red there.",
        "Log alerts end ← red T… (red) or ← false: team (users).",
    ];
    key_help(f, area, &text, theme.fg(Color::Yellow));
}

/// The key list as a centred popup over `area` (the episode viewer's and the results view's).
pub(crate) fn key_help(f: &mut Frame, area: Rect, text: &[&str], border: Style) {
    let w = 60.min(area.width);
    let h = (text.len() as u16 + 2).min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(text.iter().map(|l| Line::from(*l)).collect::<Vec<_>>()).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" keys ")
                .border_style(border),
        ),
        r,
    );
}

/// Two defenders side by side: the same attack (seed, episode), in lock-step.
fn render_compare(app: &App, f: &mut Frame) {
    let theme = Theme { color: app.color };
    let area = f.area();
    let [status, body, chart, keys] = screen(area);
    let Some(other) = &app.other else { return };
    let (Some(fa), Some(fb)) = (
        app.timeline.made_frame(app.cursor),
        other.made_frame(app.cursor),
    ) else {
        return;
    };
    let ia = &app.timeline.info;
    let diverged = app.divergence.is_some_and(|d| app.cursor >= d);
    let tail = vec![
        match app.divergence {
            Some(d) => Span::styled(
                format!("│ worlds diverge at tick {d} "),
                if diverged {
                    theme.fg(Color::Red).add_modifier(Modifier::BOLD)
                } else {
                    theme.fg(Color::Yellow)
                },
            ),
            None => Span::raw("│ the worlds never diverge "),
        },
        Span::raw(format!(
            "│ {} · {} · seed {} · episode {}",
            ia.scenario,
            short_agent(&ia.red),
            ia.seed,
            ia.episode
        )),
    ];
    draw_status(app, f, status, theme, tail);
    let cols = compare_columns(body);
    let wide = cols.len() == 3;
    for (i, (fr, tl)) in [(fa, &app.timeline), (fb, other)].into_iter().enumerate() {
        let title = format!(
            " {} · {} ",
            short_agent(&tl.info.blue),
            tenths(fr.score.blue as i32)
        );
        titled_map(app, tl, f, cols[i], theme, title);
    }
    if wide {
        let mut lines: Vec<Line> = Vec::new();
        let diff = fb.score.blue - fa.score.blue;
        lines.push(Line::from(vec![
            Span::styled("second − first ", theme.bold()),
            Span::styled(
                tenths(diff as i32),
                if diff >= 0 {
                    theme.fg(Color::Green)
                } else {
                    theme.fg(Color::Red)
                },
            ),
        ]));
        for (label, tl, fr) in [("first", &app.timeline, fa), ("second", other, fb)] {
            lines.push(Line::from(Span::styled(
                format!("{label}: {}", short_agent(&tl.info.blue)),
                theme.fg(Color::Blue).add_modifier(Modifier::BOLD),
            )));
            for e in tl.frame_events(fr) {
                if let Some((text, kind)) = event_text_of(tl, e)
                    && shown(app, kind)
                {
                    lines.push(Line::from(Span::styled(text, event_style(theme, kind))));
                }
            }
        }
        f.render_widget(
            Paragraph::new(lines)
                .block(Block::default().borders(Borders::ALL).title(" this step "))
                .wrap(Wrap { trim: true }),
            cols[2],
        );
    }
    score_chart(
        app,
        f,
        chart,
        theme,
        &[(&app.timeline, Color::Cyan), (other, Color::Magenta)],
        format!(
            " score over time · difference {} ",
            tenths((fb.score.blue - fa.score.blue) as i32)
        ),
    );
    f.render_widget(
        Paragraph::new(Line::from(Span::styled(
            "space play/pause · ←/→ step · d divergence · +/- speed · n/N episode · ? help · q quit",
            theme.fg(Color::DarkGray),
        ))),
        keys,
    );
    if app.help {
        help(f, area, theme);
    }
}

/// Whether blue blocks traffic between zone `sn` and the others at this frame.
fn zone_blocked(frame: &crate::episode::Frame, sn: &mirrorlab_sim::model::Subnet) -> bool {
    sn.hosts
        .first()
        .is_some_and(|&h| frame.hosts[h as usize].zone_blocked)
}
