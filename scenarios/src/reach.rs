//! Can red reach a goal at all? An optimistic fixpoint over what red could learn and take:
//! sweeps of routable known subnets, exploits that some service admits, escalations that
//! reveal addresses and subnets, and the techniques the scenario enables (a phishing lure to
//! a host with users, valid accounts from a credential dump used for lateral movement). Blue
//! and chance are ignored: "unreachable" means no run can ever get there.

use mirrorlab_sim::model::{ExploitKind, HostId, RedKind, Scenario};

fn exploitable(s: &Scenario, h: usize) -> bool {
    let host = &s.hosts[h];
    let ports = host
        .services
        .iter()
        .filter_map(|v| v.port)
        .fold(0u64, |m, p| m | 1 << p);
    s.exploits.iter().any(|e| {
        let offered = ports & e.requires_all == e.requires_all
            && (e.requires_any == 0 || ports & e.requires_any != 0);
        let os_ok = e.os.is_none_or(|o| o == host.os);
        let target = host.services.iter().any(|v| {
            v.port == Some(e.port)
                && v.service_type == Some(e.service_type)
                && match (e.max_version, v.version) {
                    (Some(max), Some(v)) => v < max,
                    (Some(_), None) => false,
                    (None, _) => true,
                }
        });
        let works = match e.kind {
            ExploitKind::ReverseShell => true,
            ExploitKind::BruteForce => host.brute_force_account.is_some(),
        };
        offered && os_ok && target && works && !e.success.is_never()
    })
}

/// `None` if red can reach `goal`; otherwise why not.
pub fn unreachable(s: &Scenario, goal: HostId) -> Option<String> {
    let n = s.hosts.len();
    let launch = s.hosts[s.red.entry[0] as usize].subnet;
    let mut subnet_known = vec![false; s.subnets.len()];
    let mut ip = vec![false; n];
    let mut held = vec![false; n];
    for &e in &s.red.entry {
        subnet_known[s.hosts[e as usize].subnet as usize] = true;
        ip[e as usize] = true;
        held[e as usize] = true;
    }
    for &x in &s.red.known_subnets {
        subnet_known[x as usize] = true;
    }
    for &x in &s.red.known_hosts {
        ip[x as usize] = true;
    }
    let exploitable: Vec<bool> = (0..n).map(|h| exploitable(s, h)).collect();
    let can = |k: RedKind| s.red.technique(k).is_some_and(|t| !t.success.is_never());
    let phishing = can(RedKind::Phishing) || can(RedKind::PhishingDeepfake);
    let lateral = can(RedKind::LateralMovement) && can(RedKind::CredentialDumping);
    let mut users = vec![false; n];
    for g in &s.green {
        for &x in &g.hosts {
            users[x as usize] = true;
        }
    }
    let mut credentials = vec![false; s.subnets.len()];
    // Per subnet: red holds some host there (what a `via` route needs). Kept with `held`, so
    // that a route is decided per subnet, not by scanning a subnet's hosts for every host.
    let mut subnet_held = vec![false; s.subnets.len()];
    for &e in &s.red.entry {
        subnet_held[s.hosts[e as usize].subnet as usize] = true;
    }
    let routable = |subnet_held: &[bool], to: u32| {
        to == launch
            || s.routes.iter().any(|r| {
                r.from == launch && r.to == to && r.via.is_none_or(|v| subnet_held[v as usize])
            })
    };
    // Hosts held whose reveals, subnet and dumped accounts are already counted.
    let mut expanded = vec![false; n];
    loop {
        let mut changed = false;
        let reach: Vec<bool> = (0..s.subnets.len() as u32)
            .map(|sn| routable(&subnet_held, sn))
            .collect();
        for (si, sub) in s.subnets.iter().enumerate() {
            if subnet_known[si] && reach[si] {
                for &h in &sub.hosts {
                    changed |= !ip[h as usize];
                    ip[h as usize] = true;
                }
            }
        }
        for h in 0..n {
            let sn = s.hosts[h].subnet as usize;
            let by_exploit = exploitable[h] && reach[sn];
            let by_lure = phishing && users[h];
            let by_login = lateral && credentials[sn] && reach[sn];
            if ip[h] && !held[h] && (by_exploit || by_lure || by_login) {
                held[h] = true;
                subnet_held[sn] = true;
                changed = true;
            }
        }
        for (h, host) in s.hosts.iter().enumerate() {
            if held[h] && !expanded[h] {
                expanded[h] = true;
                changed = true;
                for &r in &host.reveals {
                    ip[r as usize] = true;
                }
                subnet_known[host.subnet as usize] = true;
                if lateral {
                    for c in s.dumped_subnets(h) {
                        credentials[c as usize] = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let g = goal as usize;
    let name = &s.hosts[g].name;
    if held[g] {
        None
    } else if !ip[g] {
        Some(format!(
            "red can never reach goal `{name}`: it never learns its address (no sweep of a \
             known, routable subnet lists it, and no host red can take reveals it)"
        ))
    } else if !routable(&subnet_held, s.hosts[g].subnet) {
        Some(format!(
            "red can never reach goal `{name}`: no route leads from red's entry subnet to `{}`",
            s.subnets[s.hosts[g].subnet as usize].name
        ))
    } else {
        Some(format!(
            "red can never reach goal `{name}`: no exploit works on any of its services"
        ))
    }
}
