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
        if self.ev_entries[i] == 0 && self.ev_flags[i] == 0 {
            let t = self.touched_len[e] as usize;
            // A host is listed once per tick: it is only added while its accumulators are
            // empty, and they are cleared only when the list is.
            if t < self.h {
                self.touched[e * self.h + t] = host as u32;
                self.touched_len[e] += 1;
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
        self.ev_entries[i] = self.ev_entries[i].saturating_add(n);
        if let Some(p) = port {
            self.ev_ports[i] |= 1 << p;
        }
    }

    /// A reverse shell's call-back: an entry with an ephemeral local port and a process id.
    #[inline]
    pub(crate) fn add_callback(&mut self, e: usize, host: usize) {
        let i = self.touch(e, host);
        self.ev_entries[i] = self.ev_entries[i].saturating_add(1);
        let eph = (self.ev_flags[i] >> EV_EPHEMERAL_SHIFT)
            .saturating_add(1)
            .min(15);
        self.ev_flags[i] = (self.ev_flags[i] & 0x0f) | EV_PID | (eph << EV_EPHEMERAL_SHIFT);
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
            self.ev_entries[i] = self.ev_entries[i].saturating_add(count);
            self.ev_ports[i] |= mask;
        }
        count
    }

    /// Activity of one host from this tick's entries: 0 none, 1 scan, 2 exploit.
    #[inline]
    pub(crate) fn activity(&self, s: &Scenario, i: usize) -> u8 {
        let entries = self.ev_entries[i];
        if entries == 0 {
            return 0;
        }
        let f = self.ev_flags[i];
        let distinct = self.ev_ports[i].count_ones() + (f >> EV_EPHEMERAL_SHIFT) as u32;
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
        if self.blue_done[e] != NONE {
            match st.layout.decode_blue(self.blue_done[e]) {
                Some(BlueAction::Restore(x)) => self.blue_flag[e * h + x as usize] = 0,
                Some(BlueAction::Remove(x)) => {
                    let i = e * h + x as usize;
                    if self.blue_flag[i] != 0 {
                        self.blue_flag[i] = 1;
                    }
                }
                _ => {}
            }
        }
        for t in 0..self.touched_len[e] as usize {
            let i = e * h + self.touched[e * h + t] as usize;
            if self.activity(s, i) == 2
                && (s.rules.exploit_overwrites_privileged || self.blue_flag[i] != 3)
            {
                self.blue_flag[i] = 2;
            }
        }
        if self.analyse_hit[e] != NONE {
            self.blue_flag[e * h + self.analyse_hit[e] as usize] = 3;
        }
    }
}
