//! Generated networks of any size, written as scenario files that use the format's procedural
//! sections (`[[template]]`, `[[generate]]`). The file is small whatever the host count; the
//! hosts are drawn when it is loaded, from its `network_seed`.
//!
//! Shape: a CAGE-like kill chain scaled up. A user zone (60% of hosts) where red has its
//! foothold, an enterprise zone (30%) reachable from it, and an operational zone (10%)
//! reachable only through the enterprise, with one critical OT server. User hosts reveal the
//! enterprise gateway, enterprise hosts reveal the OT server.

/// What a generated network holds besides its hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// The CAGE-like network alone: no benign users, no sensors.
    Cage,
    /// The same network at work: one benign user per workstation (logins, files, web),
    /// administrators on the servers, an EDR agent on every workstation and server, an IDS
    /// on the server zones and a cheaper one on the workstations.
    Enterprise,
}

/// The scenario text of a generated network with `hosts` hosts (at least 6).
pub fn network(hosts: u32, seed: u64) -> String {
    network_with(hosts, seed, Profile::Cage)
}

/// [`network`] with a [`Profile`].
pub fn network_with(hosts: u32, seed: u64, profile: Profile) -> String {
    let mut text = cage_like(hosts, seed);
    if profile == Profile::Enterprise {
        let drawn = hosts.max(6) - 3;
        let admins = (drawn / 50).max(1);
        text = text.replacen(
            &format!("name = \"generated-{}\"", hosts.max(6)),
            &format!("name = \"generated-enterprise-{}\"", hosts.max(6)),
            1,
        );
        text.push_str(&format!(
            r#"
# Benign users: one per workstation, and administrators on the servers.
[[green]]
name = "staff"
subnets = ["user"]
users = {staff}
login_probability = 0.02
file_probability = 0.05
web_probability = 0.05

[[green]]
name = "admins"
subnets = ["enterprise", "operational"]
users = {admins}
login_probability = 0.1
file_probability = 0.05

# Sensors: EDR on every workstation and server, an IDS on the server zones, a cheaper one on
# the workstations.
[[sensor]]
name = "edr"
kind = "host"
subnets = ["user", "enterprise", "operational"]
true_positive_rate = 0.8
false_positive_rate = 0.01

[[sensor]]
name = "ids"
kind = "network"
subnets = ["enterprise", "operational"]
true_positive_rate = 0.7
false_positive_rate = 0.02

[[sensor]]
name = "ids-user"
kind = "network"
subnets = ["user"]
true_positive_rate = 0.3
false_positive_rate = 0.01
"#,
            staff = (drawn as u64 * 6 / 10).max(1),
        ));
    }
    text
}

fn cage_like(hosts: u32, seed: u64) -> String {
    let hosts = hosts.max(6);
    let drawn = hosts - 3; // Entry, Gateway and OpServer are explicit
    let users = (drawn as u64 * 6 / 10).max(1) as u32;
    let enterprise = (drawn as u64 * 3 / 10).max(1) as u32;
    let operational = (drawn - users - enterprise).max(1);
    let users = drawn - enterprise - operational;
    format!(
        r#"# A generated network of {hosts} hosts (mirrorlab scenarios::generate, seed {seed}).
format = "mirrorlab-scenario"
version = 1

[scenario]
name = "generated-{hosts}"
description = "Generated CAGE-like network: user, enterprise and operational zones."
episode_length = 100
network_seed = {seed}

[[subnet]]
name = "user"
kind = "user"

[[subnet]]
name = "enterprise"
kind = "enterprise"

[[subnet]]
name = "operational"
kind = "operational"

[[route]]
from = "user"
to = "enterprise"

[[route]]
from = "user"
to = "operational"
via = "enterprise"

[[host]]
name = "Entry"
subnet = "user"
os = "windows"
role = "workstation (red's foothold)"
services = [{{ name = "femitter", port = 21, type = "ftp", user = "SYSTEM" }}]

[[host]]
name = "Gateway"
subnet = "enterprise"
os = "linux"
role = "gateway"
confidentiality = 1.0
brute_force_account = "pi"
reveals = ["OpServer"]
services = [{{ name = "sshd", port = 22, type = "ssh", user = "root" }}]

[[host]]
name = "OpServer"
subnet = "operational"
os = "linux"
role = "OT control server"
confidentiality = 1.0
availability = 10.0
brute_force_account = "pi"
services = [
  {{ name = "sshd", port = 22, type = "ssh", user = "root" }},
  {{ name = "scada", user = "root", critical = true }},
]

[[template]]
name = "workstation"
role = "workstation"
confidentiality = 0.1
brute_force_account = "user"
windows_services = [
  {{ name = "femitter", port = 21, type = "ftp", user = "SYSTEM" }},
  {{ name = "svchost", port = 3389, type = "rdp", user = "NetworkService" }},
]
linux_services = [
  {{ name = "sshd", port = 22, type = "ssh", user = "root" }},
  {{ name = "apache2", port = 80, type = "web", user = "www-data" }},
]

[[template]]
name = "server"
role = "server"
confidentiality = 1.0
brute_force_account = "svc"
windows_services = [
  {{ name = "tomcat", port = 443, type = "web", user = "NetworkService" }},
  {{ name = "smss", port = 139, type = "smb", user = "SYSTEM" }},
]
linux_services = [
  {{ name = "sshd", port = 22, type = "ssh", user = "root" }},
  {{ name = "smtp", port = 25, type = "smtp", user = "root", version = "2.7.0" }},
]

[[generate]]
subnet = "user"
count = {users}
name_prefix = "U"
template = "workstation"
os = {{ windows = 0.7, linux = 0.3 }}
reveals = ["Gateway"]

[[generate]]
subnet = "enterprise"
count = {enterprise}
name_prefix = "E"
template = "server"
os = {{ windows = 0.5, linux = 0.5 }}
reveals = ["OpServer"]

[[generate]]
subnet = "operational"
count = {operational}
name_prefix = "O"
template = "server"

{CATALOGUE}
[red]
entry = ["Entry"]
impact_goals = ["OpServer"]

[blue.actions]
restore = {{ cost = 1.0 }}
"#
    )
}

/// Exploits and decoys of generated networks (CAGE-2's catalogue, without its quirks).
const CATALOGUE: &str = r#"[[exploit]]
name = "FTPDirectoryTraversal"
attack = "T1210"
kind = "reverse_shell"
port = 21
service = "ftp"
weight = 7
detection_probability = 0.95

[[exploit]]
name = "HarakaRCE"
attack = "T1190"
kind = "reverse_shell"
port = 25
service = "smtp"
max_version = "2.8.9"
weight = 6
detection_probability = 0.95

[[exploit]]
name = "HTTPSRFI"
attack = "T1190"
kind = "reverse_shell"
port = 443
service = "web"
weight = 4
detection_probability = 0.95

[[exploit]]
name = "HTTPRFI"
attack = "T1190"
kind = "reverse_shell"
port = 80
service = "web"
weight = 3
detection_probability = 0.95

[[exploit]]
name = "EternalBlue"
attack = "T1210"
kind = "reverse_shell"
port = 139
service = "smb"
os = "windows"
weight = 2
detection_probability = 0.95

[[exploit]]
name = "BlueKeep"
attack = "T1210"
kind = "reverse_shell"
port = 3389
service = "rdp"
os = "windows"
weight = 1
detection_probability = 0.95

[[exploit]]
name = "SSHBruteForce"
attack = "T1110"
kind = "brute_force"
port = 22
service = "ssh"
weight = 0.1
attempt_events = 10
success_events = 1

[[decoy]]
name = "Apache"
checks_port = 80
service = "web"

[[decoy]]
name = "Tomcat"
checks_port = 443
service = "web"

[[decoy]]
name = "SSHD"
checks_port = 22
service = "ssh"
"#;
