//! What a scripted red may know of the network's routes from the scenario's published
//! layout: how far each subnet is from red's entry subnet, and what its traffic needs to
//! reach a subnet (the simulator's rule, `sim::rules::network`: every red action is launched
//! from red's first entry host, and a subnet other than its own is reached over a route from
//! there, a `via` route only while red holds a session in the `via` subnet).

use mirrorlab_sim::model::{HostId, Scenario, SubnetId};

/// Subnets unreachable from red's entry are this far away.
const FAR: u32 = u32::MAX;

/// How red's traffic reaches a subnet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Red's own subnet, or a route with no condition.
    Always,
    /// Only while red holds a session in one of these subnets.
    Via(Vec<SubnetId>),
    /// No route from red's launch subnet.
    Never,
}

/// The routes as red sees them.
#[derive(Clone, Debug)]
pub struct Routes {
    pub reach: Vec<Reach>,
    /// Per subnet: the route distance from red's entry subnet (unreachable: the number of
    /// subnets).
    pub depth: Vec<u32>,
    pub subnet_of: Vec<SubnetId>,
    pub subnet_hosts: Vec<Vec<HostId>>,
}

impl Routes {
    pub fn new(s: &Scenario) -> Routes {
        let ns = s.subnets.len();
        let home = s.hosts[s.red.entry[0] as usize].subnet;
        // Route distance from the entry subnet (breadth first, subnets in id order).
        let mut dist = vec![FAR; ns];
        dist[home as usize] = 0;
        let mut frontier = vec![home];
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for &f in &frontier {
                for r in s.routes.iter().filter(|r| r.from == f) {
                    if dist[r.to as usize] == FAR {
                        dist[r.to as usize] = dist[f as usize] + 1;
                        next.push(r.to);
                    }
                }
            }
            frontier = next;
        }
        let reach = (0..ns as SubnetId)
            .map(|sn| {
                let routes = s.routes.iter().filter(|r| r.from == home && r.to == sn);
                if sn == home || routes.clone().any(|r| r.via.is_none()) {
                    Reach::Always
                } else {
                    let vias: Vec<SubnetId> = routes.filter_map(|r| r.via).collect();
                    if vias.is_empty() {
                        Reach::Never
                    } else {
                        Reach::Via(vias)
                    }
                }
            })
            .collect();
        Routes {
            reach,
            depth: dist.iter().map(|&d| d.min(ns as u32)).collect(),
            subnet_of: s.hosts.iter().map(|x| x.subnet).collect(),
            subnet_hosts: s.subnets.iter().map(|sn| sn.hosts.clone()).collect(),
        }
    }

    /// Whether red's traffic reaches subnet `sn` while it holds the hosts `held` says.
    pub fn reaches_subnet(&self, sn: usize, held: impl Fn(HostId) -> bool) -> bool {
        match &self.reach[sn] {
            Reach::Always => true,
            Reach::Never => false,
            Reach::Via(vias) => vias
                .iter()
                .any(|&v| self.subnet_hosts[v as usize].iter().any(|&y| held(y))),
        }
    }

    /// Whether red's traffic reaches host `x`.
    pub fn reaches(&self, x: usize, held: impl Fn(HostId) -> bool) -> bool {
        self.reaches_subnet(self.subnet_of[x] as usize, held)
    }

    /// The route distance of host `x`'s subnet from red's entry subnet.
    pub fn host_depth(&self, x: usize) -> u32 {
        self.depth[self.subnet_of[x] as usize]
    }
}
