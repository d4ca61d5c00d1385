//! Network segmentation (blue's `block_zone` tool; MITRE D3FEND D3-NTF, network traffic
//! filtering): a firewall rule that blocks all traffic between the host's zone (its subnet)
//! and every other zone, or lifts it when the zone is already blocked. While a zone is
//! blocked, no traffic of red's crosses its edge: nothing red launches from outside reaches
//! its hosts (sweeps, scans, exploits, logins, lures' call-backs), a session inside it opens
//! no `via` route to the zones beyond, and red's commands to its sessions there cannot get
//! in, so what it would do with them (escalate, dump, open a channel, exfiltrate, encrypt,
//! stop a service) comes to nothing. Its sessions stay, dormant, until the block is lifted
//! (an isolation or a Restore removes them). Unlike isolation, the zone's own users keep
//! working. Blue loses the availability value of each of the zone's hosts every tick the
//! block holds (whatever the zone serves to the others is cut off too). A zone red starts
//! in is beyond blue's reach: the tool does nothing there.

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
