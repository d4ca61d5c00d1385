//! Network segmentation (blue's `block_zone` tool; MITRE D3FEND D3-NTF, network traffic
//! filtering): a firewall rule that blocks all traffic between the host's zone (its subnet)
//! and every other zone, or lifts it when the zone is already blocked. While a zone is
//! blocked, red's traffic does not cross its edge: nothing red launches from another zone
//! reaches its hosts (sweeps, scans, exploits, logins), a session inside it opens no `via`
//! route to the zones beyond, and a channel from inside it reaches nothing outside (no new
//! channel opens, nothing is exfiltrated). What happens inside the zone goes on: red's
//! sessions there stay, and techniques that need no traffic (escalation, dumping,
//! encryption, Impact) still work; so does a lure, which arrives by mail. Blue loses the
//! availability value of each of the zone's hosts every tick the block holds (whatever the
//! zone serves to the others is cut off too). A zone red starts in is beyond blue's reach:
//! the tool does nothing there.

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn toggle_zone_block(
        &mut self,
        s: &Scenario,
        st: &Static,
        e: usize,
        x: usize,
    ) -> bool {
        let sn = s.hosts[x].subnet as usize;
        if s.red
            .entry
            .iter()
            .any(|&r| s.hosts[r as usize].subnet as usize == sn)
            || sn == st.launch_subnet as usize
        {
            return false;
        }
        let i = e * self.defences.subnets + sn;
        let now = !self.defences.blocked[i];
        self.defences.blocked[i] = now;
        self.emit(e, EventKind::ZoneBlocked, sn as u32, now as u32, 0);
        true
    }
}
