//! Every class of scenario error gives its located message, and no input makes loading panic.
//!
//! Each file in `tests/bad/` starts with `# expect: LINE:COLUMN TEXT` lines: loading it must
//! fail with, for each, an error at that line and column whose message contains TEXT.

use std::path::Path;

use mirrorlab_scenarios::{Severity, load_bytes};

fn expectations(text: &str) -> Vec<(usize, usize, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# expect: "))
        .map(|e| {
            let (pos, msg) = e.split_once(' ').expect("expect line: LINE:COL TEXT");
            let (l, c) = pos.split_once(':').expect("LINE:COL");
            (l.parse().unwrap(), c.parse().unwrap(), msg.to_string())
        })
        .collect()
}

#[test]
fn every_bad_file_fails_with_its_located_messages() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 18,
        "the corpus shrank: {} files",
        files.len()
    );
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let diags = match load_bytes(&name, &bytes) {
            Ok(_) => panic!("{name} loaded, but it is in the bad corpus"),
            Err(d) => d,
        };
        assert!(
            diags.iter().any(|d| d.severity == Severity::Error),
            "{name}: no error"
        );
        for d in &diags {
            assert_eq!(d.file, name);
            assert!(d.line >= 1 && d.column >= 1, "{name}: unlocated: {d}");
        }
        let text = String::from_utf8_lossy(&bytes);
        let exp = expectations(&text);
        if name != "binary.toml" {
            assert!(!exp.is_empty(), "{name} has no `# expect:` line");
        }
        for (line, col, msg) in exp {
            assert!(
                diags
                    .iter()
                    .any(|d| d.line == line && d.column == col && d.to_string().contains(&msg)),
                "{name}: expected an error at {line}:{col} containing {msg:?}; got:\n{}",
                diags
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn the_good_base_of_the_corpus_loads() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/good_tiny.toml");
    let l = load_bytes("good_tiny.toml", &std::fs::read(path).unwrap()).expect("loads");
    assert_eq!(l.scenario.hosts.len(), 2);
}

#[test]
fn binary_files_are_refused_at_the_first_bad_byte() {
    let d = load_bytes("x.bin", b"format = \"m\"\n\xff\xfe").unwrap_err();
    assert_eq!((d[0].line, d[0].column), (2, 1));
    assert!(d[0].message.contains("not UTF-8"));
}

#[test]
fn huge_files_are_refused_before_parsing() {
    let big = vec![b'#'; mirrorlab_scenarios::load::MAX_FILE_BYTES + 1];
    let d = load_bytes("big.toml", &big).unwrap_err();
    assert!(d[0].message.contains("limited to"), "{}", d[0]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("x = {}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(load_bytes("deep.toml", deep.as_bytes()).is_err());
    let tables = format!("x = {}1{}", "{a = ".repeat(50_000), "}".repeat(50_000));
    assert!(load_bytes("deep2.toml", tables.as_bytes()).is_err());
}

#[test]
fn every_truncation_of_cage2_loads_or_fails_cleanly() {
    let text = mirrorlab_scenarios::BUNDLED[0].2.as_bytes();
    for cut in (0..text.len()).step_by(7) {
        if let Err(d) = load_bytes("cut.toml", &text[..cut]) {
            assert!(!d.is_empty());
        }
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]
        /// Random byte edits of a valid file never panic; errors are always located.
        #[test]
        fn mutated_cage2_never_panics(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
            let mut bytes = mirrorlab_scenarios::BUNDLED[0].2.as_bytes().to_vec();
            for (at, b) in edits {
                let i = at % bytes.len();
                bytes[i] = b;
            }
            if let Err(d) = load_bytes("m.toml", &bytes) {
                prop_assert!(!d.is_empty());
                for x in d {
                    prop_assert!(x.line >= 1 && x.column >= 1);
                }
            }
        }
    }
}
