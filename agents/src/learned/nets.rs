//! The policies' tensors (names and shapes, one definition for the trainer and the player)
//! and their actors on candle.
//!
//! `mlp` (CleanRL's `Agent`): `actor.fc{i}` / `critic.fc{i}` (tanh), `actor.out` (logits),
//! `critic.out` (value).
//!
//! `hosts` (blue), with `D` = `hidden[0]` (the host embedding) and `P` = `hidden[1]` (the
//! decoy-pair width); no shape depends on the network. Each of actor and critic has its own
//! trunk:
//! 1. encoder: `enc0` (`HOST_FEATURES → D`, tanh), `enc1` (`D → D`, tanh): `e_h` per host;
//! 2. message passing: the mean of `e` over each subnet, the mean over each subnet's
//!    neighbours (routes, either direction) of those means, and the mean and max of `e` over
//!    all hosts;
//! 3. `mix` (`5D + GLOBAL_FEATURES → D`, tanh) over `[e_h, subnet mean, neighbours' mean,
//!    mean, max, globals]`: `z_h`.
//!
//! Actor heads: `host_out` (`D → 3`: Analyse, Remove, Restore of that host); `decoy_fc`
//! (`D + PAIR_FEATURES → P`, tanh) then `decoy_out` (`P → 1`) per (host, decoy kind);
//! `global_out` (`2D + GLOBAL_FEATURES → 2`: Sleep, Monitor) over `[mean z, max z, globals]`.
//! The logits are then laid out in the flat blue action order (`sim::layout`). Critic:
//! `fc` (`2D + GLOBAL_FEATURES → D`, tanh) and `out` (`D → 1`) over the same pooled values.

use candle_core::{D, Device, Tensor};

use super::features::{
    GLOBAL_ACTIONS, GLOBAL_FEATURES, HOST_ACTIONS, HOST_FEATURES, HostsLayout, PAIR_FEATURES,
    PolicyKind,
};

/// Layers of one trunk of the `hosts` policy with their `[out, in]` shapes.
fn hosts_trunk(d: usize) -> Vec<(&'static str, usize, usize)> {
    vec![
        ("enc0", d, HOST_FEATURES),
        ("enc1", d, d),
        ("mix", d, 5 * d + GLOBAL_FEATURES),
    ]
}

/// Every layer of a policy as (name, out, in), actor's then critic's, each in forward order.
/// For `mlp`, `inputs` is the feature row width and `actions` the action count; for `hosts`
/// both are ignored (`hidden` = `[D, P]`).
pub fn policy_layers(
    kind: PolicyKind,
    inputs: usize,
    hidden: &[usize],
    actions: usize,
) -> Vec<(String, usize, usize)> {
    match kind {
        PolicyKind::Mlp => {
            let mut dims = vec![inputs];
            dims.extend(hidden);
            let last = *dims.last().unwrap_or(&inputs);
            let mut out = Vec::new();
            for head in ["actor", "critic"] {
                for (i, w) in dims.windows(2).enumerate() {
                    out.push((format!("{head}.fc{i}"), w[1], w[0]));
                }
                let o = if head == "actor" { actions } else { 1 };
                out.push((format!("{head}.out"), o, last));
            }
            out
        }
        PolicyKind::Hosts => {
            let (d, p) = (hidden[0], hidden[1]);
            let pooled = 2 * d + GLOBAL_FEATURES;
            let mut out = Vec::new();
            for (name, o, i) in hosts_trunk(d) {
                out.push((format!("actor.{name}"), o, i));
            }
            out.push(("actor.host_out".into(), HOST_ACTIONS, d));
            out.push(("actor.decoy_fc".into(), p, d + PAIR_FEATURES));
            out.push(("actor.decoy_out".into(), 1, p));
            out.push(("actor.global_out".into(), GLOBAL_ACTIONS, pooled));
            for (name, o, i) in hosts_trunk(d) {
                out.push((format!("critic.{name}"), o, i));
            }
            out.push(("critic.fc".into(), d, pooled));
            out.push(("critic.out".into(), 1, d));
            out
        }
    }
}

/// Whether a layer is an output head (no activation; CleanRL's small initial gain for the
/// actor's, 1 for the critic's).
pub fn is_head(name: &str) -> bool {
    name.ends_with(".out") || name.ends_with("_out")
}

/// The tensors of a policy (`weight` `[out, in]`, `bias` `[out]` per layer), in name order.
pub fn policy_tensors(
    kind: PolicyKind,
    inputs: usize,
    hidden: &[usize],
    actions: usize,
) -> Vec<(String, Vec<usize>)> {
    let mut out = Vec::new();
    for (name, o, i) in policy_layers(kind, inputs, hidden, actions) {
        out.push((format!("{name}.weight"), vec![o, i]));
        out.push((format!("{name}.bias"), vec![o]));
    }
    out.sort();
    out
}

/// A `[out, in]` weight and `[out]` bias.
pub type Layer = (Tensor, Tensor);

fn linear(x: &Tensor, l: &Layer) -> candle_core::Result<Tensor> {
    x.broadcast_matmul(&l.0.t()?)?.broadcast_add(&l.1)
}

/// The scenario's graph as tensors for the `hosts` actor.
pub struct Graph {
    pub n_hosts: usize,
    pub n_decoys: usize,
    /// `[S, H]`, `[S, S]`, `[H, S]` (see [`HostsLayout`]).
    subnet_mean: Tensor,
    neighbours: Tensor,
    host_subnet: Tensor,
}

impl Graph {
    pub fn new(hl: &HostsLayout) -> candle_core::Result<Graph> {
        let (h, s) = (hl.n_hosts, hl.n_subnets);
        Ok(Graph {
            n_hosts: h,
            n_decoys: hl.n_decoys,
            subnet_mean: Tensor::from_slice(&hl.subnet_mean, (s, h), &Device::Cpu)?,
            neighbours: Tensor::from_slice(&hl.subnet_neighbours, (s, s), &Device::Cpu)?,
            host_subnet: Tensor::from_slice(&hl.host_subnet, (h, s), &Device::Cpu)?,
        })
    }
}

/// The actor of a `hosts` policy: layers by name (`enc0`, …, `global_out`).
pub struct HostsActor {
    pub layers: std::collections::BTreeMap<String, Layer>,
}

impl HostsActor {
    fn layer(&self, name: &str) -> &Layer {
        &self.layers[name]
    }

    /// Logits `[b, actions]` of feature rows `x` (`[b, row_width]`) on graph `g`.
    pub fn logits(&self, x: &Tensor, g: &Graph) -> candle_core::Result<Tensor> {
        let b = x.dim(0)?;
        let (h, k) = (g.n_hosts, g.n_decoys);
        let hf = x
            .narrow(1, 0, h * HOST_FEATURES)?
            .reshape((b, h, HOST_FEATURES))?;
        let pf = x
            .narrow(1, h * HOST_FEATURES, h * k * PAIR_FEATURES)?
            .reshape((b, h, k, PAIR_FEATURES))?;
        let gl = x.narrow(
            1,
            h * HOST_FEATURES + h * k * PAIR_FEATURES,
            GLOBAL_FEATURES,
        )?;
        let e = linear(&hf, self.layer("enc0"))?.tanh()?;
        let e = linear(&e, self.layer("enc1"))?.tanh()?;
        let d = e.dim(2)?;
        // `mix` and `decoy_fc` are applied block by block (host, subnet, environment terms),
        // as the trainer does: the same map as one layer over the concatenation.
        let cols = |w: &Tensor, from: usize, len: usize| w.narrow(1, from, len)?.t();
        let sub = g.subnet_mean.broadcast_matmul(&e)?;
        let nb = g.neighbours.broadcast_matmul(&sub)?;
        let (mw, mb) = self.layer("mix");
        let own = e.broadcast_matmul(&cols(mw, 0, d)?)?;
        let per_subnet = Tensor::cat(&[&sub, &nb], 2)?.broadcast_matmul(&cols(mw, d, 2 * d)?)?;
        let ctx = g.host_subnet.broadcast_matmul(&per_subnet)?;
        let env = Tensor::cat(&[&e.mean(1)?, &e.max(1)?, &gl], 1)?
            .matmul(&cols(mw, 3 * d, 2 * d + GLOBAL_FEATURES)?)?
            .broadcast_add(mb)?;
        let z = (own + ctx)?.broadcast_add(&env.unsqueeze(1)?)?.tanh()?;
        let hl = linear(&z, self.layer("host_out"))?; // [b, h, 3]
        let pooled = Tensor::cat(&[&z.mean(1)?, &z.max(1)?, &gl], 1)?;
        let global = linear(&pooled, self.layer("global_out"))?; // [b, 2]
        let mut parts = vec![
            global,
            hl.narrow(2, 0, 1)?.squeeze(2)?,
            hl.narrow(2, 1, 1)?.squeeze(2)?,
        ];
        if k > 0 {
            let (fw, fb) = self.layer("decoy_fc");
            let zp = z.broadcast_matmul(&cols(fw, 0, d)?)?; // [b, h, p]
            let pp = pf.broadcast_matmul(&cols(fw, d, PAIR_FEATURES)?)?; // [b, h, k, p]
            let pre = pp.broadcast_add(&zp.unsqueeze(2)?)?.broadcast_add(fb)?;
            let pl = linear(&pre.tanh()?, self.layer("decoy_out"))?.squeeze(3)?; // [b, h, k]
            parts.push(pl.transpose(1, 2)?.contiguous()?.reshape((b, k * h))?);
        }
        parts.push(hl.narrow(2, 2, 1)?.squeeze(2)?);
        Tensor::cat(&parts, 1)
    }
}

/// Softmax over the last dimension, flattened row-major.
pub fn softmax_rows(l: &Tensor) -> candle_core::Result<Vec<f32>> {
    let max = l.max_keepdim(D::Minus1)?;
    let e = l.broadcast_sub(&max)?.exp()?;
    let p = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
    p.flatten_all()?.to_vec1::<f32>()
}
