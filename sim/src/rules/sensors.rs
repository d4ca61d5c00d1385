//! Sensors, two kinds.
//!
//! - CAGE-2's monitoring: this tick's host activity (connections, processes) as red's and
//!   green's actions leave it, classified the way CAGE-2 does (§5), and blue's compromise
//!   estimate updated from it after every action of the tick.
//! - The scenario's `[[sensor]]`s: each activity gives every sensor watching the host and
//!   detecting its kind one draw: an alert with the sensor's true-positive rate for red's
//!   activity, its false-positive rate for benign activity. Green users' scans, logins, file
//!   work and web traffic are judged as they happen (`green`); red's events of the tick
//!   (sweeps, scans, exploits, call-backs, escalations, service stops) wait in
//!   `Alerts::pending` until this stage, when the exploit behind them is known.
//!   Each alert is an `Alert` event carrying its ground-truth label; blue observes only the
//!   counts per host and kind, this tick and over the last `alert_window` ticks.

use crate::engine::*;
use crate::layout::BlueAction;
use crate::model::{AlertKind, ExploitKind, Probability, RedKind, Scenario};
use crate::trace::{Event, EventKind, ExploitOutcome, TechniqueOutcome};

impl Envs {
    #[inline]
    pub(crate) fn touch(&mut self, e: usize, host: usize) -> usize {
        let i = e * self.h + host;
        if self.activity.entries[i] == 0 && self.activity.flags[i] == 0 {
            let t = self.activity.touched_len[e] as usize;
            // A host is listed once per tick: it is only added while its accumulators are
            // empty, and they are cleared only when the list is.
            if t < self.h {
                self.activity.touched[e * self.h + t] = host as u32;
                self.activity.touched_len[e] += 1;
            }
        }
        i
    }

    /// Adds `n` events at port `port` (or no port) on `host` to this tick's monitoring.
    #[inline]
    pub(crate) fn add_events(&mut self, e: usize, host: usize, n: u16, port: Option<u8>) {
        if n == 0 {
            return;
        }
        let i = self.touch(e, host);
        self.activity.entries[i] = self.activity.entries[i].saturating_add(n);
        if let Some(p) = port {
            self.activity.ports[i] |= 1 << p;
        }
    }

    /// A reverse shell's call-back: an entry with an ephemeral local port and a process id.
    #[inline]
    pub(crate) fn add_callback(&mut self, e: usize, host: usize) {
        let i = self.touch(e, host);
        self.activity.entries[i] = self.activity.entries[i].saturating_add(1);
        let eph = (self.activity.flags[i] >> EV_EPHEMERAL_SHIFT)
            .saturating_add(1)
            .min(15);
        self.activity.flags[i] =
            (self.activity.flags[i] & 0x0f) | EV_PID | (eph << EV_EPHEMERAL_SHIFT);
    }

    /// Scan events on `host`: one per listening connection, image then decoys.
    pub(crate) fn add_scan_events(
        &mut self,
        s: &Scenario,
        st: &Static,
        e: usize,
        host: usize,
    ) -> u16 {
        let (mask, count) = self.listening(s, st, e, host);
        if count > 0 {
            let i = self.touch(e, host);
            self.activity.entries[i] = self.activity.entries[i].saturating_add(count);
            self.activity.ports[i] |= mask;
        }
        count
    }

    /// Activity of one host from this tick's entries: 0 none, 1 scan, 2 exploit.
    #[inline]
    pub(crate) fn activity(&self, s: &Scenario, i: usize) -> u8 {
        let entries = self.activity.entries[i];
        if entries == 0 {
            return 0;
        }
        let f = self.activity.flags[i];
        let distinct = self.activity.ports[i].count_ones() + (f >> EV_EPHEMERAL_SHIFT) as u32;
        let pid = f & EV_PID != 0;
        let scan3 = entries >= 3 && distinct >= 3;
        if s.rules.scan_rule_first {
            if scan3 {
                return 1;
            }
            if pid {
                return 2;
            }
        } else {
            if pid {
                return 2;
            }
            if scan3 {
                return 1;
            }
        }
        if entries >= 3 && distinct == 1 {
            return 2;
        }
        if f & EV_FIRST_DECOY != 0 {
            return 0;
        }
        1
    }

    /// Updates blue's compromise estimates from this tick (CAGE-2 §5, in order).
    pub fn monitor(&mut self, s: &Scenario, st: &Static, e: usize) {
        let h = self.h;
        if self.turns.blue_done[e] != NONE {
            match st.layout.decode_blue(self.turns.blue_done[e]) {
                Some(BlueAction::Restore(x)) => self.belief[e * h + x as usize] = 0,
                Some(BlueAction::Remove(x)) => {
                    let i = e * h + x as usize;
                    if self.belief[i] != 0 {
                        self.belief[i] = 1;
                    }
                }
                _ => {}
            }
        }
        for t in 0..self.activity.touched_len[e] as usize {
            let i = e * h + self.activity.touched[e * h + t] as usize;
            if self.activity(s, i) == 2
                && (s.rules.exploit_overwrites_privileged || self.belief[i] != 3)
            {
                self.belief[i] = 2;
            }
        }
        if self.turns.analyse_hit[e] != NONE {
            self.belief[e * h + self.turns.analyse_hit[e] as usize] = 3;
        }
    }
}

impl Envs {
    /// Keeps an event of red's that a sensor could see for this tick's sensors stage (called
    /// for every event when the scenario has sensors; benign work is judged as it happens,
    /// see [`Envs::sensors_see`]).
    #[inline]
    pub(crate) fn sense(&mut self, e: usize, ev: Event) {
        let sensed = match ev.kind {
            EventKind::Swept | EventKind::Scanned => ev.a > 0,
            EventKind::Exploit => ev.b != ExploitOutcome::NoTarget as u32,
            // A lure's call-back is seen through its technique's own event (at its factor).
            EventKind::Callback => !self.turns.red_technique[e],
            EventKind::Escalated | EventKind::ServiceStopped => true,
            // A technique that ran leaves activity; a lure nobody took leaves none, and a
            // persistence task's return happens on blue's turn, outside red's action.
            EventKind::Technique => {
                ev.b == TechniqueOutcome::Succeeded as u32
                    || (ev.b == TechniqueOutcome::Failed as u32
                        && !matches!(
                            RedKind::ALL.get(ev.a as usize),
                            Some(RedKind::Phishing | RedKind::PhishingDeepfake)
                        ))
            }
            _ => false,
        };
        let n = self.alerts.pending_len[e] as usize;
        if sensed && n < self.alerts.cap {
            let cause = self.turns.red_acting[e] & CAUSE_INDEX;
            self.alerts.pending[e * self.alerts.cap + n] = (ev, cause);
            self.alerts.pending_len[e] += 1;
        }
    }

    /// Red's action that left the pending activity from index `from` on is over: an exploit
    /// among its events names the exploit behind all of them (in their cause words).
    pub(crate) fn name_exploit(&mut self, e: usize, from: usize) {
        let n = self.alerts.pending_len[e] as usize;
        let base = e * self.alerts.cap;
        let pending = &mut self.alerts.pending[base + from..base + n];
        if let Some(x) = pending
            .iter()
            .find(|(ev, _)| ev.kind == EventKind::Exploit)
            .map(|(ev, _)| (ev.a + 1) << CAUSE_EXPLOIT_SHIFT)
        {
            for (_, cause) in pending {
                *cause |= x;
            }
        }
    }

    /// The sensors stage: this tick's pending activity becomes alerts, and blue's alert
    /// counts move on by one tick.
    pub fn raise_alerts(&mut self, s: &Scenario, st: &Static, e: usize) {
        let n = self.alerts.pending_len[e] as usize;
        let base = e * self.alerts.cap;
        for j in 0..n {
            let (ev, cause) = self.alerts.pending[base + j];
            let kind = match ev.kind {
                EventKind::Swept => {
                    // A sweep reaches every host of the subnet (`host` is the subnet).
                    for &x in &s.subnets[ev.host as usize].hosts {
                        self.sensors_see(s, st, e, x, AlertKind::Scan, cause, Probability::ONE);
                    }
                    continue;
                }
                EventKind::Scanned => AlertKind::Scan,
                EventKind::Exploit => match s.exploits[ev.a as usize].kind {
                    ExploitKind::BruteForce => AlertKind::Login,
                    ExploitKind::ReverseShell => AlertKind::Connection,
                },
                EventKind::Callback | EventKind::Escalated => AlertKind::Process,
                EventKind::Technique => {
                    let k = RedKind::ALL[ev.a as usize];
                    let mut factor = st.red_detection[k as usize];
                    // Exfiltration's traffic goes over the host's channel.
                    if k == RedKind::Exfiltration
                        && self.intrusion.channel[e * self.h + ev.host as usize]
                            == CHANNEL_ENCRYPTED
                    {
                        factor = factor.times(st.red_detection[RedKind::EncryptedChannel as usize]);
                    }
                    self.sensors_see(s, st, e, ev.host, technique_alert(k), cause, factor);
                    continue;
                }
                _ => AlertKind::Service,
            };
            self.sensors_see(s, st, e, ev.host, kind, cause, Probability::ONE);
        }
        self.alerts.pending_len[e] = 0;
        self.roll_alert_window(e);
    }

    /// One activity of `kind` on `host` (`cause`: a cause word): each sensor watching the host
    /// that detects the kind draws once, red's activity at `factor` times the sensor's
    /// true-positive rate (a technique's detection factor; 1 for CAGE-2's actions).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sensors_see(
        &mut self,
        s: &Scenario,
        st: &Static,
        e: usize,
        host: u32,
        kind: AlertKind,
        cause: u32,
        factor: Probability,
    ) {
        let x = host as usize;
        let (from, to) = (st.sensor_at[x] as usize, st.sensor_at[x + 1] as usize);
        let benign = cause & CAUSE_BENIGN != 0;
        let mut watched = false;
        let mut raised = false;
        for j in from..to {
            let k = st.sensor_list[j] as usize;
            let sensor = &s.sensors[k];
            if sensor.detects & kind.bit() == 0 {
                continue;
            }
            watched = true;
            let p = if benign {
                sensor.false_positive
            } else if sensor.signature && self.intrusion.on {
                // Red's tool variants evade what the signatures know.
                let v = self.intrusion.variants[e] as usize;
                sensor
                    .true_positive
                    .times(factor)
                    .times(st.signature_factor[v])
            } else {
                sensor.true_positive.times(factor)
            };
            if self.rng_sensors[e].chance(p) {
                raised = true;
                let i = (e * self.h + x) * AlertKind::COUNT + kind as usize;
                self.alerts.now[i] = self.alerts.now[i].saturating_add(1);
                if benign {
                    self.ledger[e].alerts_false += 1;
                } else {
                    self.ledger[e].alerts_true += 1;
                }
                self.emit(
                    e,
                    EventKind::Alert,
                    host,
                    k as u32 | (kind as u32) << 8,
                    cause,
                );
            }
        }
        if watched && !benign {
            self.ledger[e].red_activity += 1;
            self.ledger[e].red_activity_detected += raised as u32;
        }
    }

    /// Adds this tick's counts to the window and drops the tick that left it.
    fn roll_alert_window(&mut self, e: usize) {
        let k = AlertKind::COUNT;
        let w = self.alerts.window;
        let slot = self.tick[e] as usize % w;
        let per = self.h * k;
        let a = &mut self.alerts;
        // Three parallel runs over the environment's counts: the tick leaving the window is
        // one contiguous slot of the ring.
        let now = &a.now[e * per..(e + 1) * per];
        let ring = &mut a.ring[(e * w + slot) * per..][..per];
        let recent = &mut a.recent[e * per..(e + 1) * per];
        for ((r, old), &n) in recent.iter_mut().zip(ring.iter_mut()).zip(now) {
            *r = *r - *old as u16 + n as u16;
            *old = n;
        }
    }
}

/// The kind of activity a technique leaves for the sensors: a lure's payload, a credential
/// dump and a planted task are new processes; a valid-account login is a login; a channel
/// and what goes over it are connections; ransomware rewrites files.
pub fn technique_alert(k: RedKind) -> AlertKind {
    match k {
        RedKind::LateralMovement => AlertKind::Login,
        RedKind::CommandAndControl | RedKind::EncryptedChannel | RedKind::Exfiltration => {
            AlertKind::Connection
        }
        RedKind::Ransomware => AlertKind::File,
        _ => AlertKind::Process,
    }
}
