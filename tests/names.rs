//! Names go unquoted into traces, reports and the terminal: a hostile name is refused with a
//! located error, and every trace written with the most unusual legal names parses back into
//! exactly its events.

use std::sync::Arc;

use mirrorlab_agents::play::{PlayConfig, play_all};
use mirrorlab_sim::Layout;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::trace::{self, EventKind};

/// A small two-zone network whose names are the given strings (as TOML basic strings).
fn network(scenario: &str, lan: &str, desk: &str, exploit: &str, decoy: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap(); // JSON escapes are TOML escapes
    format!(
        r#"format = "mirrorlab-scenario"
version = 1

[scenario]
name = {scenario}
episode_length = 30

[[subnet]]
name = {lan}

[[subnet]]
name = "plant"

[[route]]
from = {lan}
to = "plant"

[[host]]
name = "Laptop"
subnet = {lan}
os = "windows"
reveals = ["Controller"]
services = [{{ name = "ftpd", port = 21, type = "ftp", user = "SYSTEM" }}]

[[host]]
name = {desk}
subnet = {lan}
os = "windows"
confidentiality = 0.1
reveals = ["Controller"]
services = [{{ name = "ftpd", port = 21, type = "ftp", user = "SYSTEM" }}]

[[host]]
name = "Controller"
subnet = "plant"
os = "linux"
confidentiality = 1.0
availability = 10.0
brute_force_account = "pi"
services = [
  {{ name = "sshd", port = 22, type = "ssh", user = "root" }},
  {{ name = "scada", user = "root", critical = true }},
]

[[exploit]]
name = {exploit}
attack = "T1210"
kind = "reverse_shell"
port = 21
service = "ftp"
weight = 7

[[exploit]]
name = "SSHBruteForce"
attack = "T1110"
kind = "brute_force"
port = 22
service = "ssh"
weight = 1

[[decoy]]
name = {decoy}
checks_port = 80
service = "web"

[red]
entry = ["Laptop"]
impact_goals = ["Controller"]
"#,
        scenario = q(scenario),
        lan = q(lan),
        desk = q(desk),
        exploit = q(exploit),
        decoy = q(decoy),
    )
}

const HOSTILE: &[&str] = &[
    "Desk\n0 99 SIM reward - blue=999.0 red=0.0",
    "My Desk ok=yes",
    "ok=yes",
    "#comment",
    "tab\there",
    "quote\"d",
    "back\\slash",
    "",
    "-starts-with-dash",
    "Désk",
    "bell\u{7}",
];

#[test]
fn hostile_names_are_refused_with_a_located_error_wherever_they_stand() {
    for bad in HOSTILE {
        let q = format!("{bad:?}");
        let cases = [
            network(bad, "lan", "Desk", "FTP", "Apache"),
            network("n", bad, "Desk", "FTP", "Apache"),
            network("n", "lan", bad, "FTP", "Apache"),
            network("n", "lan", "Desk", bad, "Apache"),
            network("n", "lan", "Desk", "FTP", bad),
        ];
        for (i, text) in cases.iter().enumerate() {
            let diags = match mirrorlab_scenarios::load_bytes("names.toml", text.as_bytes()) {
                Ok(_) => panic!("name {q} in position {i} was accepted"),
                Err(d) => d,
            };
            assert!(
                diags.iter().any(|d| d.line > 1
                    && d.to_string().contains("expected a name")
                    && d.to_string().contains(&q)),
                "name {q} in position {i}: {diags:?}"
            );
        }
    }
    let long = "x".repeat(65);
    let text = network("n", "lan", &long, "FTP", "Apache");
    assert!(mirrorlab_scenarios::load_bytes("long.toml", text.as_bytes()).is_err());
}

/// One parsed trace line: `<episode> <tick> <who> <event> <subject…> [key=value …]`.
#[derive(Debug)]
struct Line {
    episode: u64,
    tick: u32,
    who: String,
    event: String,
    subject: Vec<String>,
    fields: Vec<(String, String)>,
}

fn parse(line: &str) -> Result<Line, String> {
    let tokens: Vec<&str> = line.split(' ').collect();
    if tokens.len() < 5 || tokens.iter().any(|t| t.is_empty()) {
        return Err(format!("malformed line {line:?}"));
    }
    let episode = tokens[0]
        .parse()
        .map_err(|_| format!("episode in {line:?}"))?;
    let tick = tokens[1].parse().map_err(|_| format!("tick in {line:?}"))?;
    let mut subject = Vec::new();
    let mut fields = Vec::new();
    for t in &tokens[4..] {
        match t.split_once('=') {
            Some((k, v)) => {
                if v.contains('=') || k.is_empty() || v.is_empty() {
                    return Err(format!("ambiguous field {t:?} in {line:?}"));
                }
                fields.push((k.to_string(), v.to_string()));
            }
            None if fields.is_empty() => subject.push(t.to_string()),
            None => return Err(format!("a word after the fields in {line:?}")),
        }
    }
    Ok(Line {
        episode,
        tick,
        who: tokens[2].into(),
        event: tokens[3].into(),
        subject,
        fields,
    })
}

fn check_trace(s: &Arc<Scenario>, episodes: u64) {
    let cfg = PlayConfig {
        scenario: s.clone(),
        red: "bline".into(),
        blue: "random".into(),
        episodes,
        seed: 5,
        episode_length: None,
        batch: 4,
        threads: 1,
        record: true,
    };
    let finished = play_all(&cfg, &|_| {}).unwrap();
    let layout = Layout::new(s);
    let mut names: Vec<&str> = s.hosts.iter().map(|h| h.name.as_str()).collect();
    names.extend(s.subnets.iter().map(|x| x.name.as_str()));
    for f in &finished {
        let mut rewards = 0;
        for ev in &f.events {
            let text = trace::format_event(s, &layout, f.summary.episode, ev);
            assert!(!text.contains('\n'), "{text:?}");
            let line = parse(&text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(line.episode, f.summary.episode);
            assert_eq!(line.tick, ev.tick);
            assert!(["BLUE", "RED", "GREEN", "SIM"].contains(&line.who.as_str()));
            assert!(!line.event.is_empty());
            // The subject's last word is a host or subnet name (or "-", or an action alone).
            let last = line.subject.last().unwrap();
            if line.subject.len() == 2 {
                assert!(names.contains(&last.as_str()), "{text:?}: unknown {last}");
            }
            if ev.kind == EventKind::Reward {
                rewards += 1;
                let keys: Vec<&str> = line.fields.iter().map(|f| f.0.as_str()).collect();
                assert_eq!(keys, ["blue", "red"]);
            }
        }
        assert_eq!(rewards, f.summary.ticks, "one reward line per tick");
    }
}

#[test]
fn traces_with_the_most_unusual_legal_names_parse_back() {
    let legal: &[(&str, &str, &str, &str, &str)] = &[
        ("a.b:c-d_e", "_9", "9", "x:y", "a-b"),
        ("n", "lan.0", "Desk:1", "FTP.v2", "Apache-2.4"),
        (
            &"S".repeat(64),
            &"L".repeat(64),
            &"D".repeat(64),
            &"E".repeat(64),
            &"Y".repeat(64),
        ),
    ];
    for (sc, lan, desk, ex, decoy) in legal {
        let text = network(sc, lan, desk, ex, decoy);
        let l = mirrorlab_scenarios::load_bytes("legal.toml", text.as_bytes())
            .unwrap_or_else(|d| panic!("{d:?}"));
        check_trace(&Arc::new(l.scenario), 8);
    }
}
