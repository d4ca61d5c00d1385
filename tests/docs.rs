//! The documentation's examples are real: they validate.

#[test]
fn the_format_reference_example_validates() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/scenario-format.md"
    ))
    .unwrap();
    let start = doc.find("```toml\n").expect("a toml block") + 8;
    let end = start + doc[start..].find("```").unwrap();
    let example = &doc[start..end];
    match mirrorlab_scenarios::load_bytes("docs example", example.as_bytes()) {
        Ok(l) => {
            assert_eq!(l.scenario.name, "two-zones");
            assert_eq!(l.scenario.hosts.len(), 2);
            assert_eq!(l.scenario.green.len(), 1);
        }
        Err(d) => panic!(
            "{}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}
