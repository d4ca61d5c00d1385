//! The results view without a terminal: documents read from the shipped results and from
//! hand-made bad files, messages in, state and rendered screens out.

use std::path::{Path, PathBuf};

use mirrorlab_tui::results::{Item, Launch, ResultsMessage as M};
use mirrorlab_tui::{Document, Results, results_view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A path in the repository, relative (tests run in the crate's folder), so screens do not
/// depend on where the repository is.
fn repo(p: &str) -> PathBuf {
    Path::new("..").join(p)
}

fn screen(r: &Results, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| results_view::render(r, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A scratch folder of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mirrorlab-results-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn a_run_folder_shows_its_summary_curves_and_evaluation_tables() {
    let dir = repo("results/training/cage2-hosts");
    let doc = Document::open(&dir).unwrap();
    assert_eq!(doc.kind, "training run");
    let titles: Vec<String> = doc.items.iter().map(|i| i.title()).collect();
    assert_eq!(titles[0], "summary");
    assert_eq!(titles[1], "return");
    assert!(titles.contains(&"explained var.".to_string()), "{titles:?}");
    assert_eq!(
        &titles[titles.len() - 2..],
        ["eval ppo:cage2-hosts", "eval react-restore"]
    );
    // The return series is metrics.csv's column, row for row, with its band.
    let rows = std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let Item::Chart(ret) = &doc.items[1] else {
        panic!("the return is a chart")
    };
    assert_eq!(ret.points.len(), rows);
    assert_eq!(ret.band.len(), rows);
    assert_eq!(ret.points[0], (25600.0, -674.6925858167524));
    assert!(ret.band.iter().all(|b| b.1 <= b.2));
    // The summary gives the run's key figures.
    let Item::Text { lines, .. } = &doc.items[0] else {
        panic!("the summary is text")
    };
    let text = lines.join("\n");
    assert!(text.contains("policy     hosts"), "{text}");
    assert!(text.contains("-86.03 ± 0.83"), "{text}");
    // The run's evaluation cells open the run's own policy (the recorded path is relative to
    // where the run was made; this test runs elsewhere).
    let Some(Item::Table(t)) = doc.items.iter().rev().nth(1) else {
        panic!("an evaluation table")
    };
    let l = t.launch(2, 1).unwrap();
    assert_eq!(
        l,
        Launch {
            scenario: "cage2".into(),
            red: "bline".into(),
            blue: format!("ppo:{}", dir.join("policy.safetensors").display()),
            seed: 153,
            steps: 100,
            episode: 0,
        }
    );
    assert_eq!(t.launch(3, 1), None, "the total row is no episode");
    assert_eq!(t.launch(0, 0), None, "the steps column is no agent");
}

#[test]
fn an_eval_json_table_launches_its_cells() {
    let doc = Document::open(&repo("results/cage2/eval-react-restore.json")).unwrap();
    assert_eq!(doc.kind, "evaluation");
    let Item::Table(t) = &doc.items[0] else {
        panic!("a table")
    };
    assert_eq!(t.header, ["steps", "bline", "meander", "sleep"]);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[2][1], "-536.86 ± 21.77");
    let mut r = Results::new(doc);
    // A table document opens in its first agent cell: B_line at 30 steps.
    assert_eq!(r.cell, Some((0, 1)));
    r.update(M::Down);
    r.update(M::Down);
    r.update(M::Down);
    r.update(M::Right);
    assert_eq!(r.cell, Some((2, 2)), "clamped to the last row");
    r.update(M::Enter);
    let l = r.pending.clone().unwrap();
    assert_eq!(
        (l.red.as_str(), l.blue.as_str(), l.steps, l.seed),
        ("meander", "react-restore", 100, 153)
    );
    // The viewer came back with an error: it is shown, and nothing is pending.
    r.update(M::Returned(Some("cannot load scenario x".into())));
    assert!(r.pending.is_none());
    assert_eq!(r.notice, "cannot load scenario x");
    r.update(M::Left);
    r.update(M::Left);
    r.update(M::Enter);
    assert!(r.pending.is_none());
    assert!(r.notice.contains("agent's column"), "{}", r.notice);
}

#[test]
fn a_bench_table_is_shown_but_opens_no_episode() {
    let doc = Document::open(&repo("results/bench/2026-11-24.md")).unwrap();
    assert_eq!(doc.kind, "tables");
    let Item::Table(t) = &doc.items[0] else {
        panic!("a table")
    };
    assert!(t.source.is_none());
    assert_eq!(t.header[0], "scenario");
    assert_eq!(t.rows[0][0], "cage2");
    let mut r = Results::new(doc);
    r.update(M::Enter);
    assert!(r.pending.is_none());
    assert!(
        r.notice.contains("only a CAGE-2 evaluation"),
        "{}",
        r.notice
    );
}

#[test]
fn moving_through_items_and_scrolling_text() {
    let mut r = Results::new(Document::open(&repo("results/training/cage2-hosts")).unwrap());
    r.update(M::Resize(80, 24));
    assert_eq!((r.selected, r.cell), (0, None));
    r.update(M::PageDown);
    assert!(r.scroll > 0, "the summary scrolls");
    r.update(M::Up);
    assert_eq!(r.selected, 0, "no item before the first");
    r.update(M::Down);
    assert_eq!(
        (r.selected, r.scroll),
        (1, 0),
        "a new item starts at its top"
    );
    r.update(M::Enter);
    assert!(
        r.cell.is_none() && r.notice.contains("table"),
        "{}",
        r.notice
    );
    let last = r.doc.items.len() - 1;
    for _ in 0..100 {
        r.update(M::Down);
    }
    assert_eq!(r.selected, last, "no item after the last");
    r.update(M::Enter);
    assert_eq!(r.cell, Some((0, 1)));
    r.update(M::Back);
    assert_eq!(r.cell, None);
    r.update(M::ToggleHelp);
    assert!(screen(&r, 80, 24).contains("watch its episode"));
    r.update(M::Back);
    assert!(!r.help);
    r.update(M::Quit);
    assert!(r.quit);
}

#[test]
fn screens_at_80x24_and_120x40() {
    let mut r = Results::new(Document::open(&repo("results/training/cage2-hosts")).unwrap());
    let text = screen(&r, 80, 24);
    assert!(text.contains("summary"), "{text}");
    r.update(M::Down);
    insta::assert_snapshot!("run_return_80x24", screen(&r, 80, 24));
    insta::assert_snapshot!("run_return_120x40", screen(&r, 120, 40));
    let mut e =
        Results::new(Document::open(&repo("results/cage2/eval-react-restore.json")).unwrap());
    e.update(M::Right);
    insta::assert_snapshot!("eval_120x40", screen(&e, 120, 40));
}

#[test]
fn bad_results_are_refused_with_where_and_what() {
    let d = scratch("bad");
    let err = |p: &Path| Document::open(p).unwrap_err().to_string();
    let e = err(&d.join("missing"));
    assert!(e.contains("missing") && e.contains("no such file"), "{e}");
    // A folder that is not a run.
    let e = err(&d);
    assert!(e.contains("not a training run folder"), "{e}");
    // A Markdown file without tables.
    std::fs::write(d.join("notes.md"), "# notes\n\nno tables here\n").unwrap();
    let e = err(&d.join("notes.md"));
    assert!(e.contains("notes.md") && e.contains("no table"), "{e}");
    // JSON that is neither an evaluation nor bench rows: the line is named.
    std::fs::write(d.join("x.json"), "{\"a\": 1}\n{oops\n").unwrap();
    let e = err(&d.join("x.json"));
    assert!(e.contains("x.json:1:"), "{e}");
    // An evaluation with a cell lacking its red agent.
    std::fs::write(
        d.join("e.json"),
        r#"{"blue":"sleep","scenario":"cage2","seed":1,"cells":[{"steps":30}]}"#,
    )
    .unwrap();
    let e = err(&d.join("e.json"));
    assert!(e.contains("without `red`"), "{e}");
    // Binary bytes.
    std::fs::write(d.join("b.md"), [0xff, 0xfe, 0x00]).unwrap();
    assert!(err(&d.join("b.md")).contains("not UTF-8"));
    // A run folder whose metrics.csv has a broken row: its line number is given.
    let run = d.join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(
        run.join("metrics.csv"),
        "update,global_step,charts/episodic_return\n1,100,-5\n2,x,-4\n",
    )
    .unwrap();
    let e = err(&run);
    assert!(e.contains("metrics.csv:3:"), "{e}");
    // One with a header only opens, with empty charts (a run killed before its first row).
    std::fs::write(
        run.join("metrics.csv"),
        "update,global_step,charts/episodic_return\n",
    )
    .unwrap();
    let doc = Document::open(&run).unwrap();
    let r = Results::new(doc);
    let mut r2 = r;
    r2.update(M::Down);
    assert!(screen(&r2, 80, 24).contains("no values"));
    // A truncated metrics.csv row (killed mid-write) has its missing values left out.
    std::fs::write(
        run.join("metrics.csv"),
        "update,global_step,charts/episodic_return,charts/SPS\n1,100,-5,10\n2,200,-4",
    )
    .unwrap();
    let doc = Document::open(&run).unwrap();
    let sps = doc
        .items
        .iter()
        .find_map(|i| match i {
            Item::Chart(s) if s.column == "charts/SPS" => Some(s.points.len()),
            _ => None,
        })
        .unwrap();
    assert_eq!(sps, 1);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn devices_and_pipes_are_refused_not_read() {
    let e = Document::open(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("not a regular file"), "{e}");
    let d = scratch("fifo");
    let fifo = d.join("f.md");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        // Opening a FIFO for reading would block until a writer comes: it must not be opened.
        let e = Document::open(&fifo).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn tiny_terminals_wide_tables_and_long_tables_render() {
    let mut r = Results::new(Document::open(&repo("results/training/cage2-hosts")).unwrap());
    for (w, h) in [(1, 1), (10, 3), (20, 5), (22, 6)] {
        screen(&r, w, h);
        r.update(M::Down);
        screen(&r, w, h);
    }
    // A table wider than the screen scrolls sideways to the chosen column, the first kept.
    let d = scratch("wide");
    let mut md = String::from("| name | a | b | c | d |\n|---|---|---|---|---|\n");
    for i in 0..100_000 {
        md.push_str(&format!(
            "| row{i} | {} | {} | {} | last{i} |\n",
            "x".repeat(20),
            "y".repeat(20),
            "z".repeat(20)
        ));
    }
    std::fs::write(d.join("w.md"), md).unwrap();
    let mut r = Results::new(Document::open(&d.join("w.md")).unwrap());
    for _ in 0..4 {
        r.update(M::Right);
    }
    let text = screen(&r, 60, 12);
    assert!(text.contains("row0") && text.contains("last0"), "{text}");
    assert!(!text.contains("xxxxx"), "column a scrolled out: {text}");
    // Far down a long table: only the rows in view are laid out.
    for _ in 0..99_990 {
        r.update(M::Down);
    }
    let text = screen(&r, 60, 12);
    assert!(text.contains("last99990"), "{text}");
    std::fs::remove_dir_all(&d).ok();
}
