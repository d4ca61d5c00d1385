//! Blue's turn (first in the tick, CAGE-2 §6.2): a new input starts an action (durative ones
//! run for their duration and ignore inputs meanwhile), a finished one takes effect. Analyse
//! finds red's files, Remove kills removable sessions (a planted persistence task brings one
//! back), Restore reimages the host (and reconnects it if it was isolated). Beyond CAGE-2,
//! the tools a scenario gives blue: [`isolation`](super::isolation),
//! [`patching`](super::patching), [`triage`](super::triage), resetting credentials
//! ([`credentials`](super::credentials)) and blocking zones
//! ([`segmentation`](super::segmentation)).

use crate::engine::*;
use crate::layout::{BlueAction, status};
use crate::model::{BlueKind, Scenario};
use crate::trace::EventKind;

impl Envs {
    /// Blue's input for this tick: starts it, continues a durative action, or completes one.
    pub fn blue_turn(&mut self, s: &Scenario, st: &Static, e: usize, input: u32) {
        if self.record {
            self.inputs_log[e].push((input, NONE));
        }
        let tick = self.tick[e];
        let (pending, at) = self.turns.blue_pending[e];
        let action = if pending != NONE {
            if at > tick {
                self.turns.blue_status[e] = status::RUNNING; // still busy: the input is ignored
                return;
            }
            self.turns.blue_pending[e] = (NONE, 0);
            self.turns.blue_status[e] = 0;
            pending
        } else {
            let Some(a) = st.layout.decode_blue(input) else {
                self.turns.blue_status[e] = 0;
                return;
            };
            let kind = a.kind() as usize;
            self.ledger[e].blue_actions[kind] += 1;
            self.step.cost[e] += st.blue_cost[kind];
            let d = st.blue_duration[kind] as u32;
            if d > 1 {
                self.turns.blue_pending[e] = (input, tick + d - 1);
                self.turns.blue_status[e] = status::TAKEN | status::RUNNING;
                self.emit(e, EventKind::Started, d, input, 0);
                return;
            }
            self.turns.blue_status[e] = status::TAKEN;
            input
        };
        let ok = self.apply_blue(s, st, e, action);
        self.turns.blue_done[e] = action;
        self.emit(e, EventKind::BlueAction, 0, action, ok as u32);
    }

    pub(crate) fn apply_blue(&mut self, s: &Scenario, st: &Static, e: usize, action: u32) -> bool {
        let Some(a) = st.layout.decode_blue(action) else {
            return false;
        };
        let h = self.h;
        match a {
            BlueAction::Sleep | BlueAction::Monitor => true,
            BlueAction::Analyse(x) => {
                if self.host_flags[e * h + x as usize] & F_RED_FILE != 0 {
                    self.turns.analyse_hit[e] = x;
                }
                true
            }
            BlueAction::Remove(x) => {
                let i = e * h + x as usize;
                let n = self.sessions.removable[i];
                self.sessions.removable[i] = 0;
                if n > 0 {
                    self.emit(e, EventKind::SessionsRemoved, x, n as u32, 0);
                }
                self.persistence_returns(e, x as usize);
                n > 0 || s.rules.remove_always_succeeds
            }
            BlueAction::Decoy(k, x) => self.place_decoy(s, e, k as usize, x as usize),
            // Red's own foothold is beyond blue's tools (it stays red's, as in CAGE-2).
            BlueAction::Tool(_, x) if st.base_sessions[x as usize] > 0 => false,
            BlueAction::Tool(k, x) => {
                let x = x as usize;
                match k {
                    BlueKind::Isolate => self.isolate(e, x),
                    BlueKind::Patch => self.patch(e, x),
                    BlueKind::ResetCredentials => self.reset_credentials(s, e, x),
                    BlueKind::Triage => self.triage(st, e, x),
                    BlueKind::BlockZone => self.toggle_zone_block(s, st, e, x),
                    // CAGE-2's kinds have their own actions.
                    _ => false,
                }
            }
            BlueAction::Restore(x) => {
                let x = x as usize;
                let i = e * h + x;
                let lost = self.sessions(i).saturating_sub(st.base_sessions[x] as u32);
                self.sessions.privileged[i] = st.base_sessions[x];
                self.sessions.removable[i] = 0;
                self.sessions.persistent[i] = 0;
                let mut f = self.host_flags[i] & !(F_RED_FILE | F_CRIT_RUNNING);
                if s.hosts[x].critical_service {
                    f |= F_CRIT_RUNNING;
                    if s.rules.restore_breaks_impact {
                        f &= !F_CRIT_LINKED;
                    }
                }
                self.host_flags[i] = f;
                self.intrusion.restore(i);
                if self.defences.on {
                    self.defences.isolated[i] = false;
                }
                let k = s.decoys.len();
                self.decoys[i * k..(i + 1) * k].fill(0);
                self.activity.entries[i] = 0;
                self.activity.ports[i] = 0;
                self.activity.flags[i] = 0;
                self.emit(e, EventKind::Restored, x as u32, lost, 0);
                true
            }
        }
    }
}
