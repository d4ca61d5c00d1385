//! The viewer without a terminal: messages in, state and rendered screens out.

use std::sync::Arc;

use mirrorlab_agents::play::{PlayConfig, play};
use mirrorlab_sim::Finished;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::replay::Replay;
use mirrorlab_sim::trace::{hash_event, hash_init};
use mirrorlab_tui::app::EpisodeMaker;
use mirrorlab_tui::{App, Mark, Message, Timeline, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

fn cage2() -> (Arc<Scenario>, String) {
    let l = mirrorlab_scenarios::load("cage2").unwrap();
    (Arc::new(l.scenario), l.source)
}

fn live(seed: u64, episode: u64) -> Timeline {
    Timeline::live(cage2().0, "bline", "react-restore", seed, episode, None).unwrap()
}

fn app(seed: u64) -> App {
    let s = cage2().0;
    let maker: EpisodeMaker = Box::new(move |offset| {
        let episode =
            u64::try_from(offset).map_err(|_| mirrorlab_tui::EpisodeError::BeforeFirst)?;
        Timeline::live(s.clone(), "bline", "react-restore", seed, episode, None)
    });
    App::new(live(seed, 0), true, Some(maker))
}

/// The screen as text, one line per row.
fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::render(app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    (0..h)
        .map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Plays one episode with the library's batched player, recording it.
fn played(seed: u64, episode: u64) -> Finished {
    let cfg = PlayConfig {
        scenario: cage2().0,
        red: "bline".into(),
        blue: "react-restore".into(),
        episodes: episode + 1,
        seed,
        episode_length: None,
        batch: 4,
        threads: 1,
        record: true,
    };
    let mut out = Vec::new();
    play(&cfg, &mut |f| out.push(f), &|_| {}).unwrap();
    out.pop().unwrap()
}

#[test]
fn the_timeline_is_the_episode_that_run_plays() {
    let mut t = live(7, 3);
    t.extend_to(t.last_tick());
    let f = played(7, 3);
    assert_eq!(t.events, f.events, "the viewer shows another episode");
    let h = t.events.iter().fold(hash_init(3), hash_event);
    assert_eq!(h, f.summary.trace_hash);
    let last = t.made_frame(t.last_tick()).unwrap();
    assert_eq!(last.score.blue, f.summary.blue_score);
    assert_eq!(last.tick, 100);
    // A replay of the same episode gives the same frames.
    let (s, src) = cage2();
    let replay = Replay::record(
        &s,
        &src,
        7,
        100,
        "bline",
        "react-restore",
        std::slice::from_ref(&f),
    );
    let mut r = Timeline::replay(s, &replay, 0).unwrap();
    r.extend_to(100);
    for tick in [0, 1, 37, 100] {
        assert_eq!(r.made_frame(tick), t.made_frame(tick), "tick {tick}");
    }
    assert!(Timeline::replay(cage2().0, &replay, 1).is_err());
}

#[test]
fn pause_step_and_play_move_the_cursor_as_asked() {
    let mut a = app(1);
    assert!(a.paused);
    a.update(Message::Tick);
    assert_eq!(a.cursor, 0, "a paused viewer does not advance");
    a.update(Message::TogglePause);
    a.update(Message::Tick);
    a.update(Message::Tick);
    assert_eq!((a.cursor, a.paused), (2, false));
    a.update(Message::StepForward);
    assert_eq!((a.cursor, a.paused), (3, true), "stepping pauses");
    a.update(Message::StepBack);
    a.update(Message::StepBack);
    assert_eq!(a.cursor, 1);
    a.update(Message::SeekStart);
    a.update(Message::StepBack);
    assert_eq!(a.cursor, 0, "nothing before the start");
    a.update(Message::SeekEnd);
    assert_eq!(a.cursor, 100);
    a.update(Message::StepForward);
    assert_eq!(a.cursor, 100, "nothing after the end");
    // Playing on at the end starts again from the beginning.
    a.update(Message::TogglePause);
    assert_eq!((a.cursor, a.paused), (0, false));
    // Running out of ticks pauses at the end.
    for _ in 0..150 {
        a.update(Message::Tick);
    }
    assert_eq!((a.cursor, a.paused), (100, true));
    let before = a.speed;
    a.update(Message::Faster);
    assert_eq!(a.speed, before + 1);
    for _ in 0..20 {
        a.update(Message::Slower);
    }
    assert_eq!(a.speed, 0);
}

#[test]
fn seeking_back_and_forth_shows_the_frame_that_playing_forward_shows() {
    let mut forward = app(2);
    forward.update(Message::TogglePause);
    for _ in 0..60 {
        forward.update(Message::Tick);
    }
    forward.update(Message::TogglePause);
    let mut seeker = app(2);
    seeker.update(Message::SeekEnd);
    seeker.update(Message::SeekTo(75));
    seeker.update(Message::SeekTo(60));
    assert_eq!(seeker.cursor, 60);
    for a in [&mut forward, &mut seeker] {
        a.notice.clear();
    }
    assert_eq!(
        seeker.timeline.made_frame(60),
        forward.timeline.made_frame(60)
    );
    assert_eq!(screen(&seeker, 120, 40), screen(&forward, 120, 40));
}

#[test]
fn jumps_land_on_the_moments_asked_for() {
    let mut a = app(0);
    a.update(Message::Next(Mark::Compromise));
    let t = a.cursor;
    assert!(t > 0);
    let f = a.timeline.made_frame(t).unwrap().clone();
    assert!(
        a.timeline
            .frame_events(&f)
            .iter()
            .any(|e| Mark::Compromise.matches(e))
    );
    // Nothing earlier of that kind: the cursor stays and a notice says so.
    a.update(Message::Previous(Mark::Compromise));
    assert_eq!(a.cursor, t);
    assert!(a.notice.contains("no earlier compromise"), "{}", a.notice);
    // React-Restore restores hosts after they are found compromised.
    a.update(Message::Next(Mark::Restore));
    assert!(a.cursor > t);
    a.update(Message::SeekEnd);
    a.update(Message::Next(Mark::Impact));
    assert!(a.notice.contains("no later impact"), "{}", a.notice);
}

#[test]
fn hosts_are_selected_by_keys_and_by_clicks() {
    let mut a = app(0);
    a.update(Message::SelectNext);
    let first = a.selected.unwrap();
    assert_eq!(
        a.timeline.scenario.hosts[first].name, "User0",
        "the map's first host"
    );
    a.update(Message::SelectPrevious);
    let last = a.selected.unwrap();
    assert_eq!(a.timeline.scenario.hosts[last].name, "Op_Server0");
    a.update(Message::Select(999));
    assert_eq!(a.selected, Some(last), "a host that does not exist");
    // A click on the map selects the host drawn there.
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let enterprise0 = a.timeline.scenario.host_by_name("Enterprise0").unwrap() as usize;
    let (mut hit_col, mut hit_row) = (None, None);
    for row in 0..40 {
        if view::host_at(&a, area, 3, row) == Some(enterprise0) {
            (hit_col, hit_row) = (Some(3), Some(row));
        }
    }
    assert!(hit_row.is_some(), "Enterprise0 is on the map");
    let clicked = view::host_at(&a, area, hit_col.unwrap(), hit_row.unwrap());
    a.update(Message::Select(clicked.unwrap()));
    assert_eq!(a.selected, Some(enterprise0));
    assert!(screen(&a, 120, 40).contains("Enterprise0 · enterprise"));
    a.update(Message::Back);
    assert_eq!(a.selected, None);
}

#[test]
fn help_opens_and_closes_and_episodes_change() {
    let mut a = app(0);
    a.update(Message::ToggleHelp);
    assert!(screen(&a, 80, 24).contains("next compromise"));
    a.update(Message::Back);
    assert!(!a.help);
    a.update(Message::PreviousEpisode);
    assert_eq!(a.episode_offset, 0);
    assert!(a.notice.contains("no earlier episode"), "{}", a.notice);
    a.update(Message::SeekTo(50));
    a.update(Message::NextEpisode);
    assert_eq!((a.episode_offset, a.cursor), (1, 0));
    assert_eq!(a.timeline.info.episode, 1);
    a.update(Message::Quit);
    assert!(a.quit);
}

#[test]
fn screens_at_80x24_and_120x40() {
    let mut a = app(0);
    a.update(Message::Next(Mark::Privilege));
    a.update(Message::Select(
        a.timeline.scenario.host_by_name("User1").unwrap() as usize,
    ));
    insta::assert_snapshot!("cage2_80x24", screen(&a, 80, 24));
    insta::assert_snapshot!("cage2_120x40", screen(&a, 120, 40));
    a.update(Message::ToggleHelp);
    insta::assert_snapshot!("help_80x24", screen(&a, 80, 24));
}

#[test]
fn no_color_draws_no_colour() {
    let mut a = app(0);
    a.update(Message::SeekEnd);
    a.color = false;
    let mut t = Terminal::new(TestBackend::new(100, 30)).unwrap();
    t.draw(|f| view::render(&a, f)).unwrap();
    let buf = t.backend().buffer();
    assert!(
        buf.content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    a.color = true;
    t.draw(|f| view::render(&a, f)).unwrap();
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

#[test]
fn a_thousand_host_network_is_mapped_by_subnet_and_zooms_in() {
    let s = Arc::new(
        mirrorlab_scenarios::load_bytes(
            "g.toml",
            mirrorlab_scenarios::generate::network(1000, 1).as_bytes(),
        )
        .unwrap()
        .scenario,
    );
    let t = Timeline::live(s.clone(), "meander", "react-restore", 0, 0, Some(30)).unwrap();
    let mut a = App::new(t, true, None);
    a.update(Message::SeekEnd);
    let text = screen(&a, 80, 24);
    assert!(text.contains("user ("), "{text}");
    assert!(text.contains("operational ("), "{text}");
    // Selection moves by subnet; Enter zooms into the selected one.
    a.update(Message::SelectNext);
    a.update(Message::SelectNext);
    a.update(Message::ToggleZoom);
    assert_eq!(a.zoom, Some(1));
    let text = screen(&a, 80, 24);
    assert!(text.contains("network · enterprise"), "{text}");
    a.update(Message::SelectNext);
    a.update(Message::Back);
    assert_eq!(a.zoom, None);
    a.update(Message::NextEpisode);
    assert!(a.notice.contains("only one episode"), "{}", a.notice);
}

#[test]
fn a_learned_defender_shows_its_most_probable_actions() {
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../results/training/cage2-ppo/policy.safetensors"
    );
    let blue = format!("ppo:{policy}");
    let t = Timeline::live(cage2().0, "meander", &blue, 0, 0, None).unwrap();
    let mut a = App::new(t, true, None);
    a.update(Message::SeekTo(20));
    for tick in 1..=20 {
        let f = a.timeline.made_frame(tick).unwrap();
        let top = &f.blue_top;
        assert_eq!(top.len(), 3, "tick {tick}");
        // Greedy: the action played is the most probable one.
        assert_eq!(Some(top[0].0), f.inputs.map(|i| i.0), "tick {tick}");
        assert!(top.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(top.iter().map(|t| t.1).sum::<f32>() <= 1.0 + 1e-5);
    }
    assert!(screen(&a, 120, 40).contains("blue's policy"));
    // Scripted agents have no distribution to show.
    let mut s = app(0);
    s.update(Message::SeekTo(5));
    assert!(s.timeline.made_frame(5).unwrap().blue_top.is_empty());
    assert!(!screen(&s, 120, 40).contains("blue's policy"));
}

#[test]
fn agent_names_are_shortened_for_the_status_line() {
    assert_eq!(
        view::short_agent("ppo:results/training/cage2-hosts/policy.safetensors"),
        "ppo:cage2-hosts"
    );
    assert_eq!(
        view::short_agent("ppo:/tmp/x/best.safetensors"),
        "ppo:best.safetensors"
    );
    assert_eq!(view::short_agent("bline:1,meander:3"), "bline:1,meander:3");
}

fn pair(blue_a: &str, blue_b: &str) -> App {
    let a = Timeline::live(cage2().0, "bline", blue_a, 4, 2, None).unwrap();
    let b = Timeline::live(cage2().0, "bline", blue_b, 4, 2, None).unwrap();
    App::compare(a, b, true, None)
}

#[test]
fn compare_finds_the_first_tick_where_the_worlds_diverge() {
    let mut same = pair("react-restore", "react-restore");
    assert_eq!(same.divergence, None);
    same.update(Message::ToDivergence);
    assert!(same.notice.contains("never diverge"), "{}", same.notice);

    let mut a = pair("react-restore", "sleep");
    let d = a.divergence.expect("a sleeping blue changes the world");
    assert!(d > 0);
    let world = |tl: &Timeline, t: u32| {
        let f = tl.made_frame(t).unwrap();
        (
            f.hosts
                .iter()
                .map(|h| (h.hold, h.impacted, h.decoys))
                .collect::<Vec<_>>(),
            f.inputs.map(|i| i.1),
        )
    };
    let other = a.other.as_ref().unwrap();
    for t in 0..d {
        assert_eq!(world(&a.timeline, t), world(other, t), "tick {t}");
    }
    assert_ne!(world(&a.timeline, d), world(other, d));
    a.update(Message::ToDivergence);
    assert_eq!((a.cursor, a.paused), (d, true));
    // Both sides move in lock-step.
    a.update(Message::StepForward);
    assert_eq!(a.cursor, d + 1);
    assert!(a.other.as_ref().unwrap().made() > d + 1);
    let text = screen(&a, 120, 40);
    assert!(
        text.contains(&format!("worlds diverge at tick {d}")),
        "{text}"
    );
    assert!(
        text.contains("react-restore") && text.contains("sleep"),
        "{text}"
    );
    insta::assert_snapshot!("compare_120x40", text);
    insta::assert_snapshot!("compare_80x24", screen(&a, 80, 24));
}

#[test]
fn every_event_is_told_about_the_host_it_concerns() {
    use mirrorlab_sim::trace::EventKind;
    use mirrorlab_sim::{BlueAction, RedAction};
    let mut t = live(1, 0);
    t.extend_to(100);
    let l = t.layout.clone();
    let mut checked = 0;
    for e in &t.events {
        let h = view::event_host(&t, e);
        match e.kind {
            EventKind::BlueAction => match l.decode_blue(e.a).unwrap() {
                BlueAction::Sleep | BlueAction::Monitor => assert_eq!(h, None),
                b => assert_eq!(h, b.host().map(|x| x as usize)),
            },
            EventKind::RedAction => match l.decode_red(e.a).unwrap() {
                RedAction::Sleep | RedAction::DiscoverSystems(_) => assert_eq!(h, None),
                RedAction::DiscoverServices(x)
                | RedAction::Exploit(x)
                | RedAction::Escalate(x)
                | RedAction::Impact(x)
                | RedAction::Technique(_, x) => assert_eq!(h, Some(x as usize)),
            },
            EventKind::Reward | EventKind::Swept => assert_eq!(h, None),
            _ => assert_eq!(h, Some(e.host as usize)),
        }
        checked += 1;
    }
    assert!(checked > 200);
    // A host's history in the panel holds only its own events.
    let mut a = App::new(t, true, None);
    a.update(Message::SeekTo(12));
    let defender = a.timeline.scenario.host_by_name("Defender").unwrap() as usize;
    a.update(Message::Select(defender));
    let text = screen(&a, 120, 40);
    let panel: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("truth "))
        .take_while(|l| !l.contains("path "))
        .collect();
    assert!(!panel.is_empty());
    assert!(
        panel
            .iter()
            .all(|l| !l.contains("monitor") && !l.contains("User3")),
        "{panel:#?}"
    );
}

#[test]
fn a_short_terminal_maps_by_subnet_and_selection_follows_it() {
    let mut a = app(0);
    a.update(Message::Resize(80, 16));
    assert!(a.summary_map(), "16 lines of cage2 do not fit 16 rows");
    a.update(Message::SelectNext);
    a.update(Message::SelectNext);
    let s = &a.timeline.scenario;
    let h = a.selected.unwrap();
    assert_eq!(
        s.hosts[h].subnet, 1,
        "the second subnet's first host: {}",
        s.hosts[h].name
    );
    assert!(screen(&a, 80, 16).contains("▸enterprise"));
    a.update(Message::Resize(120, 40));
    assert!(!a.summary_map());
}

#[test]
fn clicks_select_hosts_on_either_map_of_a_comparison() {
    let mut a = pair("react-restore", "sleep");
    let area = ratatui::layout::Rect::new(0, 0, 120, 40);
    let op = a.timeline.scenario.host_by_name("Op_Server0").unwrap() as usize;
    let mut hits = Vec::new();
    for col in [3u16, 45] {
        for row in 0..40 {
            if view::host_at(&a, area, col, row) == Some(op) {
                hits.push(col);
            }
        }
    }
    assert_eq!(hits, [3, 45], "Op_Server0 on both maps");
    a.update(Message::Select(op));
    assert_eq!(a.selected, Some(op));
}

#[test]
fn red_s_path_is_drawn_as_edges_from_the_host_that_led_there() {
    let (s, _) = cage2();
    let t = Timeline::live(s.clone(), "bline", "sleep", 0, 0, None).unwrap();
    let mut a = App::new(t, true, None);
    a.update(Message::SeekEnd);
    let edges = a.timeline.attack_edges(a.cursor);
    let name = |h: usize| s.hosts[h].name.as_str();
    let subnet = |h: usize| s.subnets[s.hosts[h].subnet as usize].name.as_str();
    let server = s.host_by_name("Op_Server0").unwrap() as usize;
    assert!(
        edges.iter().any(|e| e.to == server),
        "B_line reaches Op_Server0 against Sleep"
    );
    for e in &edges {
        // Each edge is a session gained at its tick…
        let f = a.timeline.made_frame(e.tick).unwrap();
        assert!(
            a.timeline.frame_events(f).iter().any(|ev| {
                ev.kind == mirrorlab_sim::trace::EventKind::Exploit
                    && ev.host as usize == e.to
                    && (ev.b == 2 || ev.b == 3)
            }),
            "{} at {}",
            name(e.to),
            e.tick
        );
        // …from a host red held the tick before (its entry host always).
        let before = a.timeline.made_frame(e.tick - 1).unwrap();
        assert!(
            before.hosts[e.from].hold >= mirrorlab_sim::RedHold::User,
            "{} → {} at {}",
            name(e.from),
            name(e.to),
            e.tick
        );
        match subnet(e.to) {
            // The operational zone is routed only through a session in the enterprise zone.
            "operational" => assert_eq!(subnet(e.from), "enterprise"),
            // Enterprise0's address is revealed by escalating on User3 (CAGE-2's table);
            // Enterprise2 is found by a sweep of the subnet red learned of on Enterprise0.
            "enterprise" => assert_ne!(name(e.from), "User0", "{}", name(e.to)),
            _ => assert_eq!(name(e.from), "User0"),
        }
    }
    let text = screen(&a, 120, 40);
    assert!(text.contains('▶'), "{text}");
    let wide = screen(&a, 160, 40);
    assert!(
        wide.contains("User0 ─3→ User3 ─6→ Enterprise0 ─10→ Enterprise2 ─13→ Op_Server0"),
        "the path to the last host gained, ticks on its edges: {wide}"
    );
    insta::assert_snapshot!("cage2_path_120x40", text);
    // Early on, before any session is gained, no edge is drawn.
    a.update(Message::SeekTo(1));
    assert!(a.timeline.attack_edges(1).is_empty());
    assert!(!screen(&a, 120, 40).contains('▶'));
}

#[test]
fn notices_stay_while_playing_and_paths_have_no_self_loops() {
    let mut a = app(0);
    a.update(Message::TogglePause);
    a.update(Message::PreviousEpisode);
    assert!(a.notice.contains("no earlier episode"), "{}", a.notice);
    a.update(Message::Tick);
    assert_eq!(a.cursor, 1, "playing");
    a.update(Message::Resize(100, 30));
    assert!(
        a.notice.contains("no earlier episode"),
        "playback and resizes keep the notice: {:?}",
        a.notice
    );
    a.update(Message::StepForward);
    assert!(a.notice.is_empty(), "the next key clears it");
    // Meander exploits its own entry host: that is no edge of its path.
    let (s, _) = cage2();
    let t = Timeline::live(s.clone(), "meander", "react-restore", 0, 0, None).unwrap();
    let mut a = App::new(t, true, None);
    a.update(Message::SeekEnd);
    let user0 = s.host_by_name("User0").unwrap();
    let on_entry =
        a.timeline.events.iter().any(|e| {
            e.kind == mirrorlab_sim::trace::EventKind::Exploit && e.host == user0 && e.b >= 2
        });
    assert!(
        on_entry,
        "this episode has a session gained on User0 itself"
    );
    let edges = a.timeline.attack_edges(a.cursor);
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| e.from != e.to), "{edges:?}");
}

fn enterprise_app(seed: u64) -> App {
    let s = Arc::new(mirrorlab_scenarios::load("enterprise").unwrap().scenario);
    let tl = Timeline::live(s, "adaptive", "react-restore", seed, 0, None).unwrap();
    App::new(tl, true, None)
}

#[test]
fn alerts_are_shown_with_their_labels_and_users_work_on_demand() {
    use mirrorlab_sim::trace::Alert;
    let mut a = enterprise_app(1);
    let window = a.timeline.scenario.alert_window;
    a.update(Message::Next(Mark::Detection));
    let t = a.cursor;
    assert!(t > 0, "{}", a.notice);
    let f = a.timeline.made_frame(t).unwrap().clone();
    let detected: Vec<Alert> = a
        .timeline
        .frame_events(&f)
        .iter()
        .filter_map(Alert::decode)
        .filter(|x| x.malicious())
        .collect();
    assert!(!detected.is_empty());
    // No earlier tick holds a true alert.
    a.update(Message::Previous(Mark::Detection));
    assert_eq!(a.cursor, t);
    // The host panel's tallies equal the alert events counted by their own tick stamps.
    let host = detected[0].host as usize;
    a.update(Message::Select(host));
    let last_tick = a.timeline.frame_events(&f)[0].tick;
    let mut now = 0;
    let mut recent = 0;
    let mut recent_true = 0;
    for e in &a.timeline.events[..f.events.1] {
        let Some(al) = Alert::decode(e) else { continue };
        if al.host as usize != host || e.tick + window <= last_tick {
            continue;
        }
        recent += 1;
        recent_true += al.malicious() as u32;
        now += (e.tick == last_tick) as u32;
    }
    let tally = a.timeline.host_alerts(t, host);
    assert_eq!(
        (tally.now_total(), tally.window_total(), tally.window_true),
        (now, recent, recent_true)
    );
    assert!(tally.now_true >= 1);
    let text = screen(&a, 120, 40);
    let name = &a.timeline.scenario.hosts[host].name;
    assert!(
        text.contains(&format!(
            "alerts {now} now ({} true) · {recent} in {window} ticks",
            tally.now_true
        )),
        "{text}"
    );
    assert!(text.contains(name.as_str()), "{text}");
    assert!(text.contains("← red T"), "{text}");
    assert!(text.contains(&format!(" !{now}")), "{text}");
    // Benign users' work shows only when asked; false alarms name the users behind them.
    a.update(Message::SeekEnd);
    let quiet = screen(&a, 120, 40);
    assert!(!quiet.contains(" green "), "{quiet}");
    a.update(Message::ToggleUsers);
    assert!(a.show_users);
    let busy = screen(&a, 120, 40);
    assert!(busy.contains(" green "), "{busy}");
    let falses = a
        .timeline
        .events
        .iter()
        .filter_map(Alert::decode)
        .filter(|x| !x.malicious())
        .count();
    assert!(falses > 0);
    a.update(Message::ToggleUsers);
    a.update(Message::SeekTo(t));
    insta::assert_snapshot!("enterprise_detection_120x40", screen(&a, 120, 40));
}

#[test]
fn footholds_from_lures_and_logins_are_on_red_s_path() {
    use mirrorlab_sim::model::RedKind;
    use mirrorlab_sim::trace::EventKind;
    let s = Arc::new(mirrorlab_scenarios::load("ransomware").unwrap().scenario);
    let tl = Timeline::live(s, "extortion", "sleep", 3, 0, None).unwrap();
    let mut a = App::new(tl, true, None);
    a.update(Message::Next(Mark::Compromise));
    let t = a.cursor;
    assert!(t > 0, "{}", a.notice);
    a.update(Message::SeekEnd);
    let end = a.cursor;
    let edges = a.timeline.attack_edges(end);
    let launch = a.timeline.scenario.red.entry[0] as usize;
    // Every host a lure or a login gave red is the head of an edge.
    let gained: Vec<usize> = a
        .timeline
        .events
        .iter()
        .filter(|e| {
            e.kind == EventKind::Technique
                && e.b == 1
                && matches!(
                    RedKind::ALL[e.a as usize],
                    RedKind::PhishingDeepfake | RedKind::LateralMovement
                )
        })
        .map(|e| e.host as usize)
        .collect();
    assert!(gained.len() >= 3, "{gained:?}");
    for h in &gained {
        assert!(edges.iter().any(|e| e.to == *h), "no edge to host {h}");
    }
    // The first lure's edge starts at red's own machine.
    assert_eq!(edges[0].from, launch);
    let text = screen(&a, 120, 40);
    assert!(text.contains("ENC") && text.contains("exf"), "{text}");
}

#[test]
fn a_zone_blue_blocks_is_marked_on_the_map_and_in_the_log() {
    use mirrorlab_sim::trace::EventKind;
    let s = Arc::new(
        mirrorlab_scenarios::load("lesson-segmentation")
            .unwrap()
            .scenario,
    );
    let tl = Timeline::live(s, "extortion", "soc", 0, 0, None).unwrap();
    let mut a = App::new(tl, true, None);
    a.update(Message::SeekEnd);
    let blocked = a
        .timeline
        .events
        .iter()
        .find(|e| e.kind == EventKind::ZoneBlocked && e.a == 1)
        .map(|e| e.tick)
        .expect("soc blocks a zone");
    a.update(Message::SeekTo(blocked));
    let text = screen(&a, 120, 40);
    assert!(text.contains("office [blocked]"), "{text}");
    assert!(text.contains("blocked zone office"), "{text}");
}
