//! How long the viewer takes to draw a frame and to make an episode's frames:
//! `cargo bench -p mirrorlab-tui`. Prints one line per case (median of repeated runs).

use std::sync::Arc;
use std::time::Instant;

use mirrorlab_tui::{App, Message, Timeline, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median milliseconds to draw the app into a `w × h` test terminal.
fn draw_ms(app: &App, w: u16, h: u16, reps: usize) -> f64 {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        t.draw(|f| view::render(app, f)).unwrap();
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    median(times)
}

fn network(hosts: u32) -> Arc<mirrorlab_sim::Scenario> {
    let text = mirrorlab_scenarios::generate::network(hosts, 1);
    Arc::new(
        mirrorlab_scenarios::load_bytes("g.toml", text.as_bytes())
            .unwrap()
            .scenario,
    )
}

fn main() {
    let cage2 = Arc::new(mirrorlab_scenarios::load("cage2").unwrap().scenario);
    let start = Instant::now();
    let mut t = Timeline::live(cage2.clone(), "bline", "react-restore", 0, 0, None).unwrap();
    t.extend_to(100);
    let make = start.elapsed().as_secs_f64() * 1e3;
    println!("cage2: all 100 frames of an episode made in {make:.2} ms");
    let mut app = App::new(t, true, None);
    app.update(Message::SeekTo(60));
    app.update(Message::SelectNext);
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
        println!(
            "cage2: draw at {w}x{h}: {:.3} ms per frame",
            draw_ms(&app, w, h, 300)
        );
    }
    let start = Instant::now();
    app.update(Message::SeekStart);
    app.update(Message::SeekEnd);
    app.update(Message::SeekTo(37));
    println!(
        "cage2: three seeks: {:.3} ms",
        start.elapsed().as_secs_f64() * 1e3
    );
    for hosts in [1_000u32, 10_000] {
        let s = network(hosts);
        let start = Instant::now();
        let mut t = Timeline::live(s, "meander", "react-restore", 0, 0, Some(100)).unwrap();
        t.extend_to(100);
        let per_tick = start.elapsed().as_secs_f64() * 1e3 / 100.0;
        let mut app = App::new(t, true, None);
        app.update(Message::SeekTo(100));
        let summary = draw_ms(&app, 120, 40, 30);
        app.update(Message::SelectNext);
        app.update(Message::ToggleZoom);
        let zoomed = draw_ms(&app, 120, 40, 30);
        println!(
            "generated-{hosts}: {per_tick:.2} ms per tick made; draw 120x40 {summary:.2} ms (subnet summary), {zoomed:.2} ms (zoomed)"
        );
    }
}
