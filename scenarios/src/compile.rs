//! Semantic checks and compilation of a structurally valid file into the simulator's model.
//! Every problem is collected; compilation only happens when there is none.

use std::collections::{BTreeMap, BTreeSet};

use mirrorlab_sim::model as m;
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::diag::{Diagnostic, Severity};
use crate::load::Parsed;
use crate::raw::{
    self, AlertKindName, BlueActionName, ExploitKind, RedActionName, ScenarioFile, SensorKind,
    SensorMethod, TechniqueName, ToolName,
};

pub const FORMAT_NAME: &str = "mirrorlab-scenario";
pub const FORMAT_VERSION: u32 = 1;

struct Ctx<'a, 'b> {
    p: &'b Parsed<'a>,
    diags: Vec<Diagnostic>,
}

impl Ctx<'_, '_> {
    fn err(&mut self, pointer: &str, msg: String) {
        let d = self
            .p
            .locator
            .at_pointer(&self.p.spans, Severity::Error, pointer, false, msg);
        self.diags.push(d);
    }
    fn warn(&mut self, pointer: &str, msg: String) {
        let d = self
            .p
            .locator
            .at_pointer(&self.p.spans, Severity::Warning, pointer, false, msg);
        self.diags.push(d);
    }
}

/// Index of names, reporting duplicates.
fn index<'x>(
    cx: &mut Ctx,
    what: &str,
    table: &str,
    names: impl Iterator<Item = &'x str>,
) -> BTreeMap<String, u32> {
    let mut map = BTreeMap::new();
    for (i, n) in names.enumerate() {
        if map.insert(n.to_string(), i as u32).is_some() {
            cx.err(
                &format!("/{table}/{i}/name"),
                format!("duplicate {what} name `{n}`"),
            );
        }
    }
    map
}

fn lookup(
    cx: &mut Ctx,
    map: &BTreeMap<String, u32>,
    what: &str,
    pointer: &str,
    name: &str,
) -> Option<u32> {
    match map.get(name) {
        Some(&i) => Some(i),
        None => {
            let known: Vec<&str> = map.keys().map(|s| s.as_str()).take(12).collect();
            let more = if map.len() > 12 { ", …" } else { "" };
            cx.err(
                pointer,
                format!(
                    "found unknown {what} `{name}`; expected one of: {}{more}",
                    known.join(", ")
                ),
            );
            None
        }
    }
}

/// A "major.minor.patch" version, or an error at `pointer`.
fn version_at(cx: &mut Ctx, pointer: &str, v: Option<&str>) -> Option<[u16; 3]> {
    let v = v?;
    let parsed = parse_version(v);
    if parsed.is_none() {
        cx.err(
            pointer,
            format!("found {v:?}; expected a version like \"2.7.0\""),
        );
    }
    parsed
}

fn parse_version(s: &str) -> Option<[u16; 3]> {
    let mut v = [0u16; 3];
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    for (i, p) in parts.iter().enumerate() {
        v[i] = p.parse().ok()?;
    }
    Some(v)
}

/// A reward value in tenths; more than one decimal place is an error.
fn tenths(cx: &mut Ctx, pointer: &str, x: f64) -> i32 {
    // Checked structurally already (`load::check_decimals`); kept for values that reach
    // here by other paths (templates copied into generated hosts).
    if !crate::load::is_tenths(x) {
        cx.err(pointer, crate::load::decimals_message(x));
    }
    (x * 10.0).round() as i32
}

fn os(o: raw::Os) -> m::Os {
    match o {
        raw::Os::Windows => m::Os::Windows,
        raw::Os::Linux => m::Os::Linux,
    }
}

/// A host after procedural expansion, with the pointer of the table that defined it.
struct HostDef {
    raw: raw::Host,
    pointer: String,
}

fn expand(cx: &mut Ctx, f: &ScenarioFile) -> Vec<HostDef> {
    let mut hosts: Vec<HostDef> = f
        .host
        .iter()
        .enumerate()
        .map(|(i, h)| HostDef {
            raw: h.clone(),
            pointer: format!("/host/{i}"),
        })
        .collect();
    let templates = index(
        cx,
        "template",
        "template",
        f.template.iter().map(|t| t.name.as_str()),
    );
    let mut total = hosts.len() as u64;
    for (gi, g) in f.generate.iter().enumerate() {
        let gp = format!("/generate/{gi}");
        total += g.count as u64;
        if total > m::MAX_HOSTS as u64 {
            cx.err(
                &format!("{gp}/count"),
                format!(
                    "this section brings the network to {total} hosts; at most {} are allowed",
                    m::MAX_HOSTS
                ),
            );
            return hosts;
        }
        // An unknown template is reported; an empty one stands in, so the section's subnet and
        // reveals are still checked.
        let empty = raw::Template {
            name: g.template.clone(),
            role: String::new(),
            confidentiality: 0.0,
            availability: 0.0,
            brute_force_account: None,
            windows_services: Vec::new(),
            linux_services: Vec::new(),
        };
        let t = match lookup(
            cx,
            &templates,
            "template",
            &format!("{gp}/template"),
            &g.template,
        ) {
            Some(ti) => &f.template[ti as usize],
            None => &empty,
        };
        let weights: Vec<(raw::Os, f64)> = if g.os.is_empty() {
            vec![(raw::Os::Linux, 1.0)]
        } else {
            g.os.iter().map(|(k, v)| (*k, *v)).collect()
        };
        let sum: f64 = weights.iter().map(|w| w.1).sum();
        if weights.iter().any(|w| w.1.is_nan() || w.1 < 0.0) || sum.is_nan() || sum <= 0.0 {
            cx.err(&format!("{gp}/os"), "found OS weights that do not sum to a positive number; expected non-negative weights, at least one positive".into());
            continue;
        }
        let mut rng = Stream::new(f.scenario.network_seed, Purpose::Generate, gi as u64);
        for n in 0..g.count {
            // Draw the OS by weight (one word per host).
            let mut x = (rng.word() >> 11) as f64 / (1u64 << 53) as f64 * sum;
            let mut chosen = weights[weights.len() - 1].0;
            for (o, w) in &weights {
                if x < *w {
                    chosen = *o;
                    break;
                }
                x -= w;
            }
            let services = match chosen {
                raw::Os::Windows => t.windows_services.clone(),
                raw::Os::Linux => t.linux_services.clone(),
            };
            hosts.push(HostDef {
                raw: raw::Host {
                    name: format!("{}{n}", g.name_prefix),
                    subnet: g.subnet.clone(),
                    os: chosen,
                    role: t.role.clone(),
                    confidentiality: t.confidentiality,
                    availability: t.availability,
                    brute_force_account: t.brute_force_account.clone(),
                    reveals: g.reveals.clone(),
                    services,
                    data: Vec::new(),
                    vulnerability: Vec::new(),
                },
                pointer: gp.clone(),
            });
        }
    }
    hosts
}

/// Checks everything and builds the model. `source_hash` identifies the file's content.
pub fn compile(
    p: &Parsed,
    source_hash: u64,
) -> Result<(m::Scenario, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut cx = Ctx {
        p,
        diags: p.errors.clone(),
    };
    let f = &p.file;
    // One function per section of the format, each after what it refers to (diagnostics are
    // sorted by position at the end, `finish`).
    check_header(&mut cx, f);
    let hosts = expand(&mut cx, f);
    let names = names(&mut cx, f, &hosts);
    let vocab = vocabulary(&mut cx, f, &hosts);
    let (model_hosts, subnet_hosts) = compile_hosts(&mut cx, f, &hosts, &names, &vocab);
    let routes = compile_routes(&mut cx, f, &names);
    let exploits = compile_exploits(&mut cx, f, &vocab);
    let decoys = compile_decoys(&mut cx, f, &vocab);
    let (red, blue) = compile_sides(&mut cx, f, &names, &model_hosts);
    let green = compile_green(&mut cx, f, &names, &subnet_hosts);
    let sensors = compile_sensors(&mut cx, f, &names, &subnet_hosts);
    warn_inert(&mut cx, f, &hosts, &subnet_hosts);

    let has_errors = cx.diags.iter().any(|d| d.severity == Severity::Error);
    if has_errors {
        suppress_repaired(&mut cx);
        return Err(finish(cx.diags));
    }
    let scenario = m::Scenario {
        name: f.scenario.name.clone(),
        source_hash,
        episode_length: f.scenario.episode_length,
        subnets: f
            .subnet
            .iter()
            .zip(subnet_hosts)
            .map(|(s, hosts)| m::Subnet {
                name: s.name.clone(),
                hosts,
            })
            .collect(),
        hosts: model_hosts,
        routes,
        ports: vocab.ports,
        service_types: vocab.types,
        exploits,
        decoys,
        red,
        blue,
        green,
        sensors,
        alert_window: f.rules.alert_window,
        rules: m::Rules {
            top_exploit_probability: m::Probability::new(f.rules.top_exploit_probability),
            restore_breaks_impact: f.rules.restore_breaks_impact,
            remove_always_succeeds: f.rules.remove_always_succeeds,
            reward_privileged_only: f.rules.reward_privileged_only,
            scan_rule_first: f.rules.scan_rule_first,
            brute_force_unremovable: f.rules.brute_force_unremovable,
            failed_brute_force_visible: f.rules.failed_brute_force_visible,
            exploit_overwrites_privileged: f.rules.exploit_overwrites_privileged,
            own_decoy_masks_activity: f.rules.own_decoy_masks_activity,
        },
    };
    // Reachability of red's goals, with the compiled model (it resolves every name).
    for (i, &g) in scenario.red.goals.iter().enumerate() {
        if let Some(why) = crate::reach::unreachable(&scenario, g) {
            cx.err(&format!("/red/impact_goals/{i}"), why);
        }
    }
    if let Err(e) = scenario.check() {
        cx.err("", e.to_string());
    }
    if cx.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(finish(cx.diags));
    }
    Ok((scenario, finish(cx.diags)))
}

/// The format line and version.
fn check_header(cx: &mut Ctx, f: &ScenarioFile) {
    if f.format != FORMAT_NAME {
        cx.err(
            "/format",
            format!("found {:?}; expected {FORMAT_NAME:?}", f.format),
        );
    }
    if f.version != FORMAT_VERSION {
        cx.err(
            "/version",
            format!(
                "found version {}; this mirrorlab reads version {FORMAT_VERSION}",
                f.version
            ),
        );
    }
}

/// Every name a section may refer to, resolved to its index (duplicates reported).
struct Names {
    subnets: BTreeMap<String, u32>,
    hosts: BTreeMap<String, u32>,
    exploits: BTreeMap<String, u32>,
}

fn names(cx: &mut Ctx, f: &ScenarioFile, hosts: &[HostDef]) -> Names {
    let subnets = index(
        cx,
        "subnet",
        "subnet",
        f.subnet.iter().map(|s| s.name.as_str()),
    );
    let mut host_ix = BTreeMap::new();
    for (i, h) in hosts.iter().enumerate() {
        if host_ix.insert(h.raw.name.clone(), i as u32).is_some() {
            let ptr = if h.pointer.starts_with("/host/") {
                format!("{}/name", h.pointer)
            } else {
                h.pointer.clone()
            };
            cx.err(&ptr, format!("duplicate host name `{}`", h.raw.name));
        }
    }
    if hosts.is_empty() {
        cx.err(
            "",
            "found no hosts; expected at least one [[host]] or [[generate]] section".into(),
        );
    }
    let exploits_ix = index(
        cx,
        "exploit",
        "exploit",
        f.exploit.iter().map(|e| e.name.as_str()),
    );
    index(
        cx,
        "decoy",
        "decoy",
        f.decoy.iter().map(|d| d.name.as_str()),
    );
    index(
        cx,
        "green user",
        "green",
        f.green.iter().map(|g| g.name.as_str()),
    );
    index(
        cx,
        "sensor",
        "sensor",
        f.sensor.iter().map(|s| s.name.as_str()),
    );
    Names {
        subnets,
        hosts: host_ix,
        exploits: exploits_ix,
    }
}

/// The scenario's ports and service types, in sorted order (a port's index is its bit in
/// the simulator's port masks), and the accounts that run privileged services.
struct Vocabulary<'f> {
    ports: Vec<u16>,
    types: Vec<String>,
    privileged: BTreeSet<&'f str>,
}

impl Vocabulary<'_> {
    fn port(&self, p: u16) -> m::PortIdx {
        self.ports.iter().position(|&x| x == p).unwrap_or(0).min(63) as m::PortIdx
    }
    fn service_type(&self, t: &str) -> u16 {
        self.types.iter().position(|x| x == t).unwrap_or(0) as u16
    }
}

fn vocabulary<'f>(cx: &mut Ctx, f: &'f ScenarioFile, hosts: &[HostDef]) -> Vocabulary<'f> {
    let mut port_set = BTreeSet::new();
    let mut type_set = BTreeSet::new();
    for h in hosts {
        for s in &h.raw.services {
            port_set.extend(s.port);
            type_set.extend(s.service_type.clone());
        }
    }
    for e in &f.exploit {
        port_set.insert(e.port);
        port_set.extend(e.requires_all_ports.iter().flatten().copied());
        port_set.extend(e.requires_any_ports.iter().copied());
        type_set.insert(e.service.clone());
    }
    for d in &f.decoy {
        port_set.insert(d.checks_port);
        port_set.extend(d.opens_port);
        type_set.insert(d.service.clone());
    }
    if port_set.len() > m::MAX_PORTS {
        cx.err(
            "",
            format!(
                "found {} distinct ports; at most {} are supported per scenario",
                port_set.len(),
                m::MAX_PORTS
            ),
        );
    }
    if f.exploit.len() > m::MAX_EXPLOITS {
        cx.err(
            "/exploit",
            format!(
                "found {} exploits; at most {}",
                f.exploit.len(),
                m::MAX_EXPLOITS
            ),
        );
    }
    if f.decoy.len() > m::MAX_DECOY_KINDS {
        cx.err(
            "/decoy",
            format!(
                "found {} decoys; at most {}",
                f.decoy.len(),
                m::MAX_DECOY_KINDS
            ),
        );
    }
    Vocabulary {
        ports: port_set.into_iter().collect(),
        types: type_set.into_iter().collect(),
        privileged: f
            .rules
            .privileged_users
            .iter()
            .map(|s| s.as_str())
            .collect(),
    }
}

/// The hosts, and each subnet's hosts in file order.
fn compile_hosts(
    cx: &mut Ctx,
    f: &ScenarioFile,
    hosts: &[HostDef],
    names: &Names,
    v: &Vocabulary,
) -> (Vec<m::Host>, Vec<Vec<m::HostId>>) {
    let mut model_hosts = Vec::with_capacity(hosts.len());
    let mut subnet_hosts: Vec<Vec<m::HostId>> = vec![Vec::new(); f.subnet.len()];
    for (i, h) in hosts.iter().enumerate() {
        let hp = &h.pointer;
        let sub = lookup(
            cx,
            &names.subnets,
            "subnet",
            &format!("{hp}/subnet"),
            &h.raw.subnet,
        );
        if let Some(s) = sub {
            subnet_hosts[s as usize].push(i as u32);
        }
        let mut services = Vec::new();
        let mut critical = 0;
        for (si, s) in h.raw.services.iter().enumerate() {
            let sp = format!("{hp}/services/{si}");
            let version = version_at(cx, &format!("{sp}/version"), s.version.as_deref());
            critical += s.critical as u32;
            services.push(m::Service {
                name: s.name.clone(),
                port: s.port.map(|p| v.port(p)),
                service_type: s.service_type.as_deref().map(|t| v.service_type(t)),
                privileged: v.privileged.contains(s.user.as_str()),
                version,
            });
        }
        if critical > 1 {
            cx.err(
                &format!("{hp}/services"),
                format!("found {critical} critical services; expected at most one per host"),
            );
        }
        let ransomware = f.red.techniques.contains_key(&TechniqueName::Ransomware);
        let cut = f.blue.tools.isolate.is_some() || f.blue.tools.block_zone.is_some();
        if h.raw.availability > 0.0 && critical == 0 && !ransomware && !cut {
            cx.err(
                &format!("{hp}/availability"),
                "found an availability value but no critical service; expected a service with `critical = true` (availability is lost while it is stopped), red's `ransomware` technique (lost while the host is encrypted) or blue's `isolate` or `block_zone` tool (lost while it is cut off)".into(),
            );
        }
        let mut data_value: i64 = 0;
        for (di, d) in h.raw.data.iter().enumerate() {
            data_value += tenths(cx, &format!("{hp}/data/{di}/value"), d.value) as i64;
        }
        if data_value > m::MAX_DATA_VALUE as i64 {
            cx.err(
                &format!("{hp}/data"),
                format!(
                    "found data assets worth {} in all; expected at most {} per host",
                    data_value as f64 / 10.0,
                    m::MAX_DATA_VALUE / 10
                ),
            );
        }
        let data_value = data_value.min(m::MAX_DATA_VALUE as i64) as i32;
        let mut reveals = Vec::new();
        for (ri, r) in h.raw.reveals.iter().enumerate() {
            let rp = format!("{hp}/reveals/{ri}");
            if let Some(x) = lookup(cx, &names.hosts, "host", &rp, r) {
                reveals.push(x);
            }
        }
        for (vi, v) in h.raw.vulnerability.iter().enumerate() {
            lookup(
                cx,
                &names.exploits,
                "exploit",
                &format!("{hp}/vulnerability/{vi}/exploit"),
                &v.exploit,
            );
        }
        let conf = tenths(cx, &format!("{hp}/confidentiality"), h.raw.confidentiality);
        let avail = tenths(cx, &format!("{hp}/availability"), h.raw.availability);
        model_hosts.push(m::Host {
            name: h.raw.name.clone(),
            subnet: sub.unwrap_or(0),
            os: os(h.raw.os),
            role: h.raw.role.clone(),
            services,
            brute_force_account: h.raw.brute_force_account.clone(),
            confidentiality: conf,
            availability: avail,
            critical_service: critical > 0,
            data_value,
            reveals,
        });
    }
    (model_hosts, subnet_hosts)
}

fn compile_routes(cx: &mut Ctx, f: &ScenarioFile, names: &Names) -> Vec<m::Route> {
    let mut routes = Vec::new();
    for (ri, r) in f.route.iter().enumerate() {
        let rp = format!("/route/{ri}");
        let from = lookup(cx, &names.subnets, "subnet", &format!("{rp}/from"), &r.from);
        let to = lookup(cx, &names.subnets, "subnet", &format!("{rp}/to"), &r.to);
        let via = match &r.via {
            Some(v) => lookup(cx, &names.subnets, "subnet", &format!("{rp}/via"), v).map(Some),
            None => Some(None),
        };
        if let (Some(from), Some(to), Some(via)) = (from, to, via) {
            if from == to {
                cx.warn(&rp, "a route within one subnet has no effect (traffic inside a subnet is always allowed)".into());
            }
            routes.push(m::Route { from, to, via });
        }
    }
    routes
}

fn compile_exploits(cx: &mut Ctx, f: &ScenarioFile, v: &Vocabulary) -> Vec<m::Exploit> {
    let mut exploits = Vec::new();
    for (ei, e) in f.exploit.iter().enumerate() {
        let ep = format!("/exploit/{ei}");
        let mask = |ps: &[u16]| ps.iter().fold(0u64, |m, &p| m | 1 << v.port(p));
        let max_version = version_at(cx, &format!("{ep}/max_version"), e.max_version.as_deref());
        if e.kind == ExploitKind::BruteForce && e.attempt_events == 0 {
            cx.warn(
                &format!("{ep}/attempt_events"),
                "a brute force with no attempt events is invisible to blue".into(),
            );
        }
        exploits.push(m::Exploit {
            name: e.name.clone(),
            attack_id: e.attack.clone(),
            kind: match e.kind {
                ExploitKind::ReverseShell => m::ExploitKind::ReverseShell,
                ExploitKind::BruteForce => m::ExploitKind::BruteForce,
            },
            port: v.port(e.port),
            service_type: v.service_type(&e.service),
            os: e.os.map(os),
            weight: e.weight,
            requires_all: mask(e.requires_all_ports.as_deref().unwrap_or(&[e.port])),
            requires_any: mask(&e.requires_any_ports),
            max_version,
            success: m::Probability::new(e.success_probability),
            detection: m::Probability::new(e.detection_probability),
            attempt_events: e.attempt_events,
            success_events: e.success_events,
        });
    }
    exploits
}

fn compile_decoys(cx: &mut Ctx, f: &ScenarioFile, v: &Vocabulary) -> Vec<m::DecoyKind> {
    let mut decoys = Vec::new();
    for (di, d) in f.decoy.iter().enumerate() {
        let version = version_at(cx, &format!("/decoy/{di}/version"), d.version.as_deref());
        decoys.push(m::DecoyKind {
            name: d.name.clone(),
            checks_port: v.port(d.checks_port),
            opens_port: v.port(d.opens_port.unwrap_or(d.checks_port)),
            service_type: v.service_type(&d.service),
            os: d.os.map(os),
            version,
        });
    }
    decoys
}

/// Red's entry hosts, goals, costs and penalty; blue's costs.
fn compile_sides(
    cx: &mut Ctx,
    f: &ScenarioFile,
    names: &Names,
    model_hosts: &[m::Host],
) -> (m::RedSpec, m::BlueSpec) {
    let mut entry = Vec::new();
    for (i, n) in f.red.entry.iter().enumerate() {
        entry.extend(lookup(
            cx,
            &names.hosts,
            "host",
            &format!("/red/entry/{i}"),
            n,
        ));
    }
    let mut known_subnets = Vec::new();
    for (i, n) in f.red.known_subnets.iter().enumerate() {
        known_subnets.extend(lookup(
            cx,
            &names.subnets,
            "subnet",
            &format!("/red/known_subnets/{i}"),
            n,
        ));
    }
    let mut known_hosts = Vec::new();
    for (i, n) in f.red.known_hosts.iter().enumerate() {
        known_hosts.extend(lookup(
            cx,
            &names.hosts,
            "host",
            &format!("/red/known_hosts/{i}"),
            n,
        ));
    }
    let mut goals = Vec::new();
    for (i, n) in f.red.impact_goals.iter().enumerate() {
        let gp = format!("/red/impact_goals/{i}");
        if let Some(g) = lookup(cx, &names.hosts, "host", &gp, n) {
            if !model_hosts[g as usize].critical_service {
                cx.err(&gp, format!("host `{n}` has no critical service, so it cannot be impacted; expected a host with a `critical = true` service"));
            }
            goals.push(g);
        }
    }
    let cost = |cx: &mut Ctx, pointer: String, a: Option<&raw::ActionSpec>| -> m::ActionCost {
        match a {
            None => m::ActionCost {
                cost: 0,
                duration: 1,
            },
            Some(a) => m::ActionCost {
                cost: tenths(cx, &format!("{pointer}/cost"), a.cost),
                duration: a.duration,
            },
        }
    };
    let blue_names = [
        BlueActionName::Sleep,
        BlueActionName::Monitor,
        BlueActionName::Analyse,
        BlueActionName::Remove,
        BlueActionName::Decoy,
        BlueActionName::Restore,
    ];
    let red_names = [
        RedActionName::Sleep,
        RedActionName::DiscoverSystems,
        RedActionName::DiscoverServices,
        RedActionName::Exploit,
        RedActionName::Escalate,
        RedActionName::Impact,
    ];
    let blue_costs = blue_names.map(|n| {
        let key = serde_json::to_value(n)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        cost(cx, format!("/blue/actions/{key}"), f.blue.actions.get(&n))
    });
    let red_costs = red_names.map(|n| {
        let key = serde_json::to_value(n)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        cost(cx, format!("/red/actions/{key}"), f.red.actions.get(&n))
    });
    let invalid = tenths(
        cx,
        "/red/invalid_action_penalty",
        f.red.invalid_action_penalty,
    );
    (
        m::RedSpec {
            entry,
            goals,
            known_subnets,
            known_hosts,
            invalid_action_penalty: invalid,
            costs: red_costs,
            techniques: compile_techniques(cx, f, model_hosts),
        },
        m::BlueSpec {
            costs: blue_costs,
            tools: compile_tools(cx, f),
        },
    )
}

/// `[blue.tools]`: each table gives blue one tool, in [`m::BlueKind`] order (the format's
/// names are the kinds' names).
fn compile_tools(cx: &mut Ctx, f: &ScenarioFile) -> Vec<m::Tool> {
    let mut out = Vec::new();
    for (name, t) in f.blue.tools.iter() {
        let k = serde_json::to_value(name)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let pointer = format!("/blue/tools/{k}");
        let Some(kind) = m::BlueKind::from_name(&k) else {
            cx.err(&pointer, format!("`{k}` is not a tool the simulator knows"));
            continue;
        };
        if name == ToolName::ResetCredentials
            && !f
                .red
                .techniques
                .contains_key(&TechniqueName::CredentialDumping)
        {
            cx.warn(
                &pointer,
                "red cannot dump credentials here (no `[red.techniques.credential_dumping]`): resetting them does nothing".into(),
            );
        }
        if t.duration as u32 > f.scenario.episode_length {
            cx.warn(
                &format!("{pointer}/duration"),
                format!(
                    "`{k}` takes {} ticks, longer than an episode ({}): it never completes",
                    t.duration, f.scenario.episode_length
                ),
            );
        }
        out.push(m::Tool {
            kind,
            cost: m::ActionCost {
                cost: tenths(cx, &format!("{pointer}/cost"), t.cost),
                duration: t.duration,
            },
        });
    }
    out
}

/// Share of red's activity a new tool variant hides from signature-based sensors, when
/// `[red.techniques.obfuscation]` does not say.
pub const DEFAULT_SIGNATURE_EVASION: f64 = 0.3;

/// `[red.techniques]`: each table enables one technique, in [`m::RedKind`] order (the
/// format's names are the kinds' names).
fn compile_techniques(cx: &mut Ctx, f: &ScenarioFile, hosts: &[m::Host]) -> Vec<m::Technique> {
    let key = |n: TechniqueName| {
        serde_json::to_value(n)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default()
    };
    let on = |n: TechniqueName| f.red.techniques.contains_key(&n);
    let mut out = Vec::new();
    for (name, t) in f.red.techniques.iter() {
        let k = key(name);
        let pointer = format!("/red/techniques/{k}");
        let Some(kind) = m::RedKind::from_name(&k) else {
            cx.err(
                &pointer,
                format!("`{k}` is not a technique the simulator knows"),
            );
            continue;
        };
        let needs = match name {
            TechniqueName::LateralMovement if !on(TechniqueName::CredentialDumping) => {
                Some("`credential_dumping` (its valid accounts come from dumping them)")
            }
            TechniqueName::Exfiltration
                if !on(TechniqueName::C2) && !on(TechniqueName::C2Encrypted) =>
            {
                Some("`c2` or `c2_encrypted` (the data leaves over a channel)")
            }
            _ => None,
        };
        if let Some(what) = needs {
            cx.err(&pointer, format!("`{k}` needs red's technique {what}"));
        }
        let dataless = hosts.iter().all(|h| h.data_value == 0);
        let userless = f.green.is_empty();
        match name {
            TechniqueName::Exfiltration if dataless => cx.warn(
                &pointer,
                "no host has `data`: there is nothing to exfiltrate".into(),
            ),
            TechniqueName::Phishing | TechniqueName::PhishingDeepfake if userless => cx.warn(
                &pointer,
                "no `[[green]]` user works anywhere: no lure can be taken".into(),
            ),
            _ => {}
        }
        if t.duration as u32 > f.scenario.episode_length {
            cx.warn(
                &format!("{pointer}/duration"),
                format!(
                    "`{k}` takes {} ticks, longer than an episode ({}): it never completes",
                    t.duration, f.scenario.episode_length
                ),
            );
        }
        let evasion = match (name, t.signature_evasion) {
            (TechniqueName::Obfuscation, e) => e.unwrap_or(DEFAULT_SIGNATURE_EVASION),
            (_, None) => 0.0,
            (_, Some(_)) => {
                cx.err(
                    &format!("{pointer}/signature_evasion"),
                    "only `obfuscation` takes `signature_evasion`".into(),
                );
                0.0
            }
        };
        if name == TechniqueName::Obfuscation
            && f.sensor.iter().all(|s| s.method != SensorMethod::Signature)
        {
            cx.warn(
                &pointer,
                "no `[[sensor]]` is signature-based: a new tool variant evades nothing".into(),
            );
        }
        out.push(m::Technique {
            kind,
            success: m::Probability::new(t.success_probability),
            detection: m::Probability::new(t.detection),
            cost: m::ActionCost {
                cost: tenths(cx, &format!("{pointer}/cost"), t.cost),
                duration: t.duration,
            },
            evasion: m::Probability::new(evasion),
        });
    }
    out
}

fn compile_green(
    cx: &mut Ctx,
    f: &ScenarioFile,
    names: &Names,
    subnet_hosts: &[Vec<m::HostId>],
) -> Vec<m::GreenAgent> {
    let mut green = Vec::new();
    for (gi, g) in f.green.iter().enumerate() {
        // In the order first named: the order draws index.
        let hs = hosts_named(
            cx,
            names,
            subnet_hosts,
            &format!("/green/{gi}"),
            &g.hosts,
            &g.subnets,
        );
        if g.hosts.is_empty() && g.subnets.is_empty() {
            cx.err(
                &format!("/green/{gi}"),
                "found a green user with nowhere to work; expected `hosts` or `subnets`".into(),
            );
        } else if hs.is_empty() && g.hosts.is_empty() {
            cx.err(
                &format!("/green/{gi}/subnets"),
                "found only subnets without hosts; expected a subnet with hosts".into(),
            );
        }
        green.push(m::GreenAgent {
            name: g.name.clone(),
            hosts: hs,
            users: g.users,
            scan: m::Probability::new(g.scan_probability),
            login: m::Probability::new(g.login_probability),
            file: m::Probability::new(g.file_probability),
            web: m::Probability::new(g.web_probability),
        });
    }
    let users: u64 = f.green.iter().map(|g| g.users as u64).sum();
    if users > m::MAX_GREEN_USERS {
        cx.err(
            "/green",
            format!(
                "found {users} green users in all; expected at most {}",
                m::MAX_GREEN_USERS
            ),
        );
    }
    green
}

/// The hosts a section names in its `hosts` and, by every host of each, its `subnets`, each
/// once, in the order first named; an unknown name is an error under `at`.
fn hosts_named(
    cx: &mut Ctx,
    names: &Names,
    subnet_hosts: &[Vec<m::HostId>],
    at: &str,
    hosts: &[String],
    subnets: &[String],
) -> Vec<m::HostId> {
    let mut out = Vec::new();
    for (i, n) in hosts.iter().enumerate() {
        out.extend(lookup(
            cx,
            &names.hosts,
            "host",
            &format!("{at}/hosts/{i}"),
            n,
        ));
    }
    for (i, n) in subnets.iter().enumerate() {
        let pointer = format!("{at}/subnets/{i}");
        if let Some(x) = lookup(cx, &names.subnets, "subnet", &pointer, n) {
            out.extend(subnet_hosts.get(x as usize).into_iter().flatten());
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|h| seen.insert(*h));
    out
}

/// Sensors: every name resolves, each watches something, and detects only what its kind
/// can see.
fn compile_sensors(
    cx: &mut Ctx,
    f: &ScenarioFile,
    names: &Names,
    subnet_hosts: &[Vec<m::HostId>],
) -> Vec<m::Sensor> {
    let mut sensors = Vec::new();
    for (si, s) in f.sensor.iter().enumerate() {
        let mut hosts = hosts_named(
            cx,
            names,
            subnet_hosts,
            &format!("/sensor/{si}"),
            &s.hosts,
            &s.subnets,
        );
        if s.hosts.is_empty() && s.subnets.is_empty() {
            cx.err(
                &format!("/sensor/{si}"),
                "found a sensor that watches nothing; expected `hosts` or `subnets`".into(),
            );
        }
        hosts.sort_unstable();
        let class = match s.kind {
            SensorKind::Host => m::SensorClass::Host,
            SensorKind::Network => m::SensorClass::Network,
        };
        let mut detects = 0u8;
        match &s.detects {
            None => detects = class.kinds(),
            Some(list) => {
                for (i, k) in list.iter().enumerate() {
                    let kind = alert_kind(*k);
                    if kind.class() != class {
                        let can: Vec<&str> = m::AlertKind::ALL
                            .iter()
                            .filter(|k| k.class() == class)
                            .map(|k| k.name())
                            .collect();
                        cx.err(
                            &format!("/sensor/{si}/detects/{i}"),
                            format!(
                                "found `{}`, which only a {} sensor sees; a {} sensor detects: {}",
                                kind.name(),
                                kind.class().name(),
                                class.name(),
                                can.join(", ")
                            ),
                        );
                    }
                    detects |= kind.bit();
                }
                if list.is_empty() {
                    cx.err(
                        &format!("/sensor/{si}/detects"),
                        "found an empty list; expected at least one kind (or no `detects` for all)"
                            .into(),
                    );
                }
            }
        }
        sensors.push(m::Sensor {
            name: s.name.clone(),
            class,
            hosts,
            detects,
            true_positive: m::Probability::new(s.true_positive_rate),
            signature: s.method == SensorMethod::Signature,
            false_positive: m::Probability::new(s.false_positive_rate),
        });
    }
    if sensors.len() > m::MAX_SENSORS {
        cx.err(
            "/sensor",
            format!(
                "found {} sensors; expected at most {}",
                sensors.len(),
                m::MAX_SENSORS
            ),
        );
    }
    sensors
}

fn alert_kind(k: AlertKindName) -> m::AlertKind {
    match k {
        AlertKindName::Login => m::AlertKind::Login,
        AlertKindName::Process => m::AlertKind::Process,
        AlertKindName::File => m::AlertKind::File,
        AlertKindName::Service => m::AlertKind::Service,
        AlertKindName::Scan => m::AlertKind::Scan,
        AlertKindName::Connection => m::AlertKind::Connection,
    }
}

/// Warnings about what compiles but does nothing.
fn warn_inert(cx: &mut Ctx, f: &ScenarioFile, hosts: &[HostDef], subnet_hosts: &[Vec<m::HostId>]) {
    for (si, s) in subnet_hosts.iter().enumerate() {
        if s.is_empty() {
            cx.warn(
                &format!("/subnet/{si}"),
                format!("subnet `{}` has no hosts", f.subnet[si].name),
            );
        }
    }
    if hosts.iter().any(|h| !h.raw.vulnerability.is_empty()) {
        cx.warn(
            "",
            "host vulnerabilities are validated but not yet simulated".into(),
        );
    }
    let takes_data = [TechniqueName::Exfiltration, TechniqueName::Ransomware]
        .iter()
        .any(|n| f.red.techniques.contains_key(n));
    if !takes_data && let Some(i) = hosts.iter().position(|h| !h.raw.data.is_empty()) {
        cx.warn(
            &format!("{}/data", hosts[i].pointer),
            format!(
                "host `{}` has data assets, which count only when red may take them: enable `[red.techniques.exfiltration]` or `[red.techniques.ransomware]`",
                hosts[i].raw.name
            ),
        );
    }
    for (ei, name) in f.red.entry.iter().enumerate() {
        if let Some(h) = hosts.iter().find(|h| &h.raw.name == name)
            && !h.raw.data.is_empty()
        {
            cx.warn(
                &format!("/red/entry/{ei}"),
                format!("`{name}` is red's own machine: its data assets never count"),
            );
        }
    }
    if f.sensor.is_empty()
        && f.green
            .iter()
            .any(|g| g.login_probability + g.file_probability + g.web_probability > 0.0)
    {
        cx.warn(
            "/green",
            "green users log in, work on files or browse, but no `[[sensor]]` sees it".into(),
        );
    }
}

/// Drops semantic diagnostics about values that stood in for bad ones (the structural error
/// about each is already reported).
fn suppress_repaired(cx: &mut Ctx) {
    let repaired: Vec<String> =
        cx.p.repaired
            .iter()
            .map(|p| crate::diag::pointer_to_path(p))
            .collect();
    if repaired.is_empty() {
        return;
    }
    let structural = cx.p.errors.len();
    let mut i = 0;
    cx.diags.retain(|d| {
        i += 1;
        i <= structural
            || !repaired.iter().any(|r| {
                d.path == *r
                    || d.path.starts_with(&format!("{r}."))
                    || d.path.starts_with(&format!("{r}["))
            })
    });
}

fn finish(mut d: Vec<Diagnostic>) -> Vec<Diagnostic> {
    d.sort_by_key(|a| (a.line, a.column, a.severity));
    d.dedup();
    d
}
