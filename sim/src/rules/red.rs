//! Red's turn (after blue and green): validity (an action names only what red knows),
//! costs, durative actions, then the technique's rule in its own module (CAGE-2's:
//! `discovery`, `exploit`, `escalate`, `impact`; beyond: `phishing`, `credentials`, `c2`,
//! `ransomware`, `persistence`, `obfuscation`). Every red action is launched from red's first entry host;
//! `network` says what its traffic reaches.

use crate::engine::*;
use crate::layout::{PASS, RedAction, RedNeeds, status};
use crate::model::{RedKind, Scenario};
use crate::trace::{EventKind, TechniqueOutcome};

impl Envs {
    /// Whether `action` is valid for red now (names only known subnets, addresses, names;
    /// [`RedAction::needs`]).
    pub fn red_valid(&self, s: &Scenario, e: usize, a: RedAction) -> bool {
        let h = self.h;
        match a.needs() {
            RedNeeds::Nothing => true,
            RedNeeds::Subnet(x) => self.knowledge.subnets[e * s.subnets.len() + x as usize],
            RedNeeds::Address(x) => self.knowledge.hosts[e * h + x as usize] & K_IP != 0,
            RedNeeds::Name(x) => self.knowledge.hosts[e * h + x as usize] & K_NAME != 0,
        }
    }

    pub fn red_turn(&mut self, s: &Scenario, st: &Static, e: usize, input: u32, sub: usize) {
        if self.record {
            if sub == 0 {
                if let Some(last) = self.inputs_log[e].last_mut() {
                    last.1 = input;
                }
            } else {
                self.red_more_log[e].push(input);
            }
        }
        if sub > 0 && input == PASS {
            return;
        }
        let tick = self.tick[e];
        let (pending, at) = self.turns.red_pending[e];
        let action = if pending != NONE {
            if at > tick {
                self.turns.red_status[e] = status::RUNNING; // still busy: the input is ignored
                return;
            }
            self.turns.red_pending[e] = (NONE, 0);
            self.turns.red_status[e] = 0;
            pending
        } else {
            let Some(a) = st.layout.decode_red(input) else {
                self.turns.red_status[e] = 0;
                return;
            };
            let kind = a.kind() as usize;
            self.ledger[e].red_actions[kind] += 1;
            self.turns.red_status[e] = status::TAKEN;
            if !self.red_valid(s, e, a) {
                self.ledger[e].red_invalid += 1;
                self.step_red_penalty(e, s.red.invalid_action_penalty);
                self.turns.red_result[e] = RED_INVALID;
                self.emit(e, EventKind::RedAction, 0, input, RED_INVALID as u32);
                return;
            }
            self.step_red_penalty(e, st.red_cost[kind]);
            let d = st.red_duration[kind] as u32;
            if d > 1 {
                self.turns.red_pending[e] = (input, tick + d - 1);
                self.turns.red_status[e] = status::TAKEN | status::RUNNING;
                self.emit(e, EventKind::Started, d, input, 1);
                return;
            }
            input
        };
        let Some(a) = st.layout.decode_red(action) else {
            return;
        };
        self.turns.red_acting[e] = action;
        self.turns.red_technique[e] = matches!(a, RedAction::Technique(..));
        let sensed_before = self.alerts.pending_len.get(e).copied();
        let result = self.apply_red(s, st, e, a);
        if let Some(from) = sensed_before {
            self.name_exploit(e, from as usize);
        }
        self.turns.red_result[e] = result;
        self.emit(e, EventKind::RedAction, 0, action, result as u32);
    }

    #[inline]
    pub(crate) fn step_red_penalty(&mut self, e: usize, p: i32) {
        // Red's own costs are folded into its reward at the reward stage.
        self.step.red[e] -= p;
    }

    /// The technique's rule.
    fn apply_red(&mut self, s: &Scenario, st: &Static, e: usize, a: RedAction) -> u8 {
        // Nothing reaches or leaves a host blue has cut off the network, or one in a zone
        // whose edge blue blocks (red's commands to a session there cannot get in either).
        if self.defences.on
            && let Some(x) = a.host()
            && (self.defences.isolated[e * self.h + x as usize]
                || self
                    .defences
                    .zone_blocked(e, s.hosts[x as usize].subnet as usize))
        {
            return RED_FALSE;
        }
        match a {
            RedAction::Sleep => RED_UNKNOWN,
            RedAction::DiscoverSystems(x) => self.discover_systems(s, st, e, x),
            RedAction::DiscoverServices(x) => self.discover_services(s, st, e, x),
            RedAction::Exploit(x) => self.exploit(s, st, e, x as usize),
            RedAction::Escalate(x) => self.escalate(s, e, x as usize),
            RedAction::Impact(x) => self.impact(s, e, x),
            // Red's own machine holds nothing of the defender's to take.
            RedAction::Technique(_, x) if st.base_sessions[x as usize] > 0 => RED_FALSE,
            RedAction::Technique(k, x) => {
                let x = x as usize;
                match k {
                    RedKind::Phishing | RedKind::PhishingDeepfake => self.phish(st, e, k, x),
                    RedKind::CredentialDumping => self.dump_credentials(s, st, e, x),
                    RedKind::LateralMovement => self.move_laterally(s, st, e, x),
                    RedKind::CommandAndControl | RedKind::EncryptedChannel => {
                        self.open_channel(st, e, k, x)
                    }
                    RedKind::Exfiltration => self.exfiltrate(s, st, e, x),
                    RedKind::Ransomware => self.encrypt_for_impact(s, st, e, x),
                    RedKind::Persistence => self.persist(st, e, x),
                    RedKind::Obfuscation => self.obfuscate(st, e, x),
                    // CAGE-2's kinds have their own actions.
                    _ => RED_FALSE,
                }
            }
        }
    }

    /// Red gains a removable user session on `x` (a payload run, a remote login): its file on
    /// disk, the host's name, the compromise in the ground truth.
    pub(crate) fn gain_user_session(&mut self, e: usize, x: usize) {
        let i = e * self.h + x;
        self.sessions.removable[i] = self.sessions.removable[i].saturating_add(1);
        self.host_flags[i] |= F_RED_FILE;
        self.knowledge.hosts[i] |= K_NAME;
        self.note_compromise(e, x, None);
    }

    /// Records a technique's outcome (the `Technique` event) and returns red's result.
    pub(crate) fn technique_done(&mut self, e: usize, k: RedKind, x: usize, ok: bool) -> u8 {
        let outcome = if ok {
            TechniqueOutcome::Succeeded
        } else {
            TechniqueOutcome::Failed
        };
        self.emit(e, EventKind::Technique, x as u32, k as u32, outcome as u32);
        if ok { RED_TRUE } else { RED_FALSE }
    }
}
