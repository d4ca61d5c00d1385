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
    /// A grid operator's network (another shape): a corporate IT zone (half the hosts), an
    /// OT boundary with historians and a jump host, a control centre with HMIs and the
    /// SCADA master, and a field zone of substation RTUs (a third of the hosts), each a
    /// critical service worth 5 a tick (the goal, `Substation0`, 20); staff and operators at
    /// work, EDR on IT and the control centre, an OT anomaly detector, and blue's tools
    /// (isolate, patch, triage).
    Ics,
}

/// The scenario text of a generated network with `hosts` hosts (at least 6).
pub fn network(hosts: u32, seed: u64) -> String {
    network_with(hosts, seed, Profile::Cage)
}

/// [`network`] with a [`Profile`].
pub fn network_with(hosts: u32, seed: u64, profile: Profile) -> String {
    if profile == Profile::Ics {
        return grid_like(hosts, seed);
    }
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

fn grid_like(hosts: u32, seed: u64) -> String {
    let hosts = hosts.max(8);
    let drawn = hosts - 5; // Attacker, Jump0, SCADA0, Substation0 and Hist0 are explicit
    let field = (drawn as u64 / 3).max(1) as u32;
    let control = (drawn as u64 / 10).max(1) as u32;
    let it = drawn - field - control;
    let staff = (it as u64 * 6 / 10).max(1);
    let operators = (control as u64 / 2).max(1);
    format!(
        r#"# A generated grid operator's network of {hosts} hosts (mirrorlab scenarios::generate,
# profile ics, seed {seed}).
format = "mirrorlab-scenario"
version = 1

[scenario]
name = "generated-ics-{hosts}"
description = "Generated grid operator: corporate IT, an OT boundary, a control centre and substation RTUs; availability dominates."
episode_length = 100
network_seed = {seed}

[rules]
alert_window = 10

[[subnet]]
name = "internet"
kind = "external"

[[subnet]]
name = "it"
kind = "enterprise"

[[subnet]]
name = "otdmz"
kind = "dmz"

[[subnet]]
name = "control"
kind = "operational"

[[subnet]]
name = "field"
kind = "operational"

[[route]]
from = "internet"
to = "it"

[[route]]
from = "internet"
to = "otdmz"
via = "it"

[[route]]
from = "internet"
to = "control"
via = "otdmz"

[[route]]
from = "internet"
to = "field"
via = "control"

[[host]]
name = "Attacker"
subnet = "internet"
os = "linux"
role = "red's own machine"

[[host]]
name = "Hist0"
subnet = "otdmz"
os = "windows"
role = "historian"
confidentiality = 0.5
availability = 1.0
reveals = ["SCADA0"]
services = [{{ name = "smss", port = 139, type = "smb", user = "SYSTEM" }}]

[[host]]
name = "Jump0"
subnet = "otdmz"
os = "windows"
role = "jump host"
confidentiality = 0.2
availability = 1.0
reveals = ["SCADA0"]
services = [{{ name = "svchost", port = 3389, type = "rdp", user = "SYSTEM" }}]

[[host]]
name = "SCADA0"
subnet = "control"
os = "linux"
role = "SCADA master"
confidentiality = 0.5
availability = 10.0
brute_force_account = "operator"
reveals = ["Substation0"]
services = [
  {{ name = "sshd", port = 22, type = "ssh", user = "root" }},
  {{ name = "scada-master", user = "root", critical = true }},
]

[[host]]
name = "Substation0"
subnet = "field"
os = "linux"
role = "substation RTU (the main feeder)"
confidentiality = 0.1
availability = 20.0
services = [
  {{ name = "modbus", port = 502, type = "modbus", user = "root" }},
  {{ name = "breaker-control", user = "root", critical = true }},
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
name = "hmi"
role = "HMI"
confidentiality = 0.2
availability = 2.0
windows_services = [
  {{ name = "svchost", port = 3389, type = "rdp", user = "SYSTEM" }},
  {{ name = "hmi", user = "SYSTEM", critical = true }},
]

[[template]]
name = "rtu"
role = "substation RTU"
confidentiality = 0.1
availability = 5.0
linux_services = [
  {{ name = "modbus", port = 502, type = "modbus", user = "root" }},
  {{ name = "breaker-control", user = "root", critical = true }},
]

[[generate]]
subnet = "it"
count = {it}
name_prefix = "W"
template = "workstation"
os = {{ windows = 0.8, linux = 0.2 }}
reveals = ["Jump0", "Hist0"]

[[generate]]
subnet = "control"
count = {control}
name_prefix = "C"
template = "hmi"
os = {{ windows = 1.0 }}
reveals = ["SCADA0"]

[[generate]]
subnet = "field"
count = {field}
name_prefix = "R"
template = "rtu"
os = {{ linux = 1.0 }}

{CATALOGUE}
[[exploit]]
name = "ModbusUnauthenticated"
attack = "T0866"
kind = "reverse_shell"
port = 502
service = "modbus"
weight = 8
detection_probability = 0.5

[red]
entry = ["Attacker"]
known_subnets = ["it"]
impact_goals = ["Substation0"]

[blue.actions]
restore = {{ cost = 1.0 }}

[blue.tools.isolate]
cost = 0.2

[blue.tools.patch]
cost = 0.5
duration = 5

[blue.tools.triage]
cost = 0.1
duration = 2

[[green]]
name = "staff"
subnets = ["it"]
users = {staff}
login_probability = 0.02
file_probability = 0.05
web_probability = 0.05

[[green]]
name = "operators"
subnets = ["control"]
users = {operators}
login_probability = 0.05

[[sensor]]
name = "edr"
kind = "host"
subnets = ["it", "otdmz", "control"]
true_positive_rate = 0.8
false_positive_rate = 0.01

[[sensor]]
name = "ot-ids"
kind = "network"
subnets = ["otdmz", "control", "field"]
true_positive_rate = 0.85
false_positive_rate = 0.005
"#
    )
}
