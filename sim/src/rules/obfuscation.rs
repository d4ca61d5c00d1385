//! Obfuscated files or information (ATT&CK T1027; by rebuilding its tools, T1027.005 and
//! T1027.014): on a host where it holds a session, red repacks its implant and tooling into a
//! new variant. Signature-based `[[sensor]]`s match known indicators, so each variant that
//! works multiplies their true-positive rate for red's activity from then on by
//! `1 − signature_evasion` (up to [`MAX_TOOL_VARIANTS`] variants): signature detection
//! decays as red keeps varying. Anomaly-based sensors and CAGE-2's monitoring see red as
//! before. The count lives in `Intrusion::variants`; the sensors read it when they judge
//! red's activity (`sensors::sensors_see`).

use crate::engine::*;
use crate::model::{MAX_TOOL_VARIANTS, RedKind};

impl Envs {
    pub(crate) fn obfuscate(&mut self, st: &Static, e: usize, x: usize) -> u8 {
        let i = e * self.h + x;
        if self.sessions(i) == 0 {
            return RED_FALSE;
        }
        let k = RedKind::Obfuscation;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            let v = &mut self.intrusion.variants[e];
            *v = (*v + 1).min(MAX_TOOL_VARIANTS as u8);
        }
        self.technique_done(e, k, x, ok)
    }
}
