//! Sensors: this tick's host activity (connections, processes) as red's and green's actions
//! leave it, classified the way CAGE-2's monitoring does (§5), and blue's compromise estimate
//! updated from it after every action of the tick.

use crate::engine::*;
use crate::layout::BlueAction;
use crate::model::Scenario;

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
