//! The actor-critic networks on libtorch, their initialisation from the project's seeded
//! streams, and the action sampling the trainer uses.
//!
//! The architectures and their tensors are defined once, in the agents crate
//! (`mirrorlab_agents::learned::nets`): `mlp` (CleanRL's `Agent`, over the flat features) and
//! `hosts` (a shared per-host encoder, message passing over subnets, per-host logits; no
//! parameter depends on the network). Parameter names are the checkpoint's tensor names
//! (`policy.` prefixed), which the libtorch-free player reads with candle.
//!
//! Initialisation is CleanRL's (orthogonal, gain √2 for hidden layers, 0.01 for the actor's
//! heads, 1 for the critic's; zero biases), drawn from [`Purpose::TrainInit`] in layer order
//! (actor's, then critic's), so the same seed gives the same weights on every machine.

use std::collections::BTreeMap;

use mirrorlab_agents::learned::features::{
    GLOBAL_FEATURES, HOST_FEATURES, HostsLayout, PAIR_FEATURES, PolicyKind,
};
use mirrorlab_agents::learned::nets::{is_head, policy_layers};
use mirrorlab_sim::rng::{Purpose, Stream};
use tch::{Device, Kind, Tensor, nn};

/// A policy's shape: what the checkpoint records and a player needs to rebuild it. For
/// `hosts`, `inputs` is the per-host feature count, `hidden` = `[embedding, decoy pair]`, and
/// `actions` the action count of the network it was trained on (for the record only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub kind: String,
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub actions: usize,
}

impl Shape {
    /// The architecture (the kind was checked when the shape was made).
    pub fn policy_kind(&self) -> PolicyKind {
        PolicyKind::parse(&self.kind).unwrap_or(PolicyKind::Mlp)
    }
}

/// The network's graph as tensors (`hosts` only; see `HostsLayout`).
struct Graph {
    h: i64,
    k: i64,
    subnet_mean: Tensor,
    neighbours: Tensor,
    host_subnet: Tensor,
}

/// An actor-critic network.
pub struct ActorCritic {
    pub vs: nn::VarStore,
    pub shape: Shape,
    kind: PolicyKind,
    /// Layers by full name (`actor.fc0`, `critic.mix`, …).
    layers: BTreeMap<String, nn::Linear>,
    /// Layer names in forward order, actor's then critic's.
    order: Vec<String>,
    graph: Option<Graph>,
}

impl ActorCritic {
    /// A freshly initialised network. `hosts` is the network's layout for a `hosts` policy.
    pub fn new(
        shape: Shape,
        device: Device,
        seed: u64,
        hosts: Option<&HostsLayout>,
    ) -> ActorCritic {
        let kind = shape.policy_kind();
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let mut layers = BTreeMap::new();
        let mut order = Vec::new();
        for (name, o, i) in policy_layers(kind, shape.inputs, &shape.hidden, shape.actions) {
            let mut path = root.clone();
            for part in name.split('.') {
                path = &path / part;
            }
            layers.insert(
                name.clone(),
                nn::linear(path, i as i64, o as i64, Default::default()),
            );
            order.push(name);
        }
        let graph = hosts.filter(|_| kind == PolicyKind::Hosts).map(|hl| {
            let (h, s) = (hl.n_hosts as i64, hl.n_subnets as i64);
            let t = |v: &[f32], dims: [i64; 2]| Tensor::from_slice(v).view(dims).to_device(device);
            Graph {
                h,
                k: hl.n_decoys as i64,
                subnet_mean: t(&hl.subnet_mean, [s, h]),
                neighbours: t(&hl.subnet_neighbours, [s, s]),
                host_subnet: t(&hl.host_subnet, [h, s]),
            }
        });
        let net = ActorCritic {
            vs,
            shape,
            kind,
            layers,
            order,
            graph,
        };
        net.initialise(seed);
        net
    }

    /// Orthogonal weights from the seeded stream, zero biases (CleanRL's gains).
    fn initialise(&self, seed: u64) {
        let mut rng = Stream::new(seed, Purpose::TrainInit, 0);
        let _guard = tch::no_grad_guard();
        for name in &self.order {
            let l = &self.layers[name];
            let gain = if !is_head(name) {
                2f64.sqrt()
            } else if name.starts_with("actor.") {
                0.01
            } else {
                1.0
            };
            let size = l.ws.size();
            let w = orthogonal(size[0] as usize, size[1] as usize, gain, &mut rng)
                .to_device(l.ws.device());
            let mut ws = l.ws.shallow_clone();
            ws.copy_(&w);
            if let Some(b) = &l.bs {
                let mut b = b.shallow_clone();
                let _ = b.zero_();
            }
        }
    }

    fn layer(&self, name: &str) -> &nn::Linear {
        &self.layers[name]
    }

    /// Logits `[n, actions]` and values `[n]` of feature rows `[n, row width]`.
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        match self.kind {
            PolicyKind::Mlp => {
                let trunk = |head: &str| {
                    let names: Vec<&String> =
                        self.order.iter().filter(|n| n.starts_with(head)).collect();
                    let mut h = x.shallow_clone();
                    for n in &names[..names.len() - 1] {
                        h = h.apply(self.layer(n)).tanh();
                    }
                    h.apply(self.layer(names[names.len() - 1]))
                };
                (trunk("actor."), trunk("critic.").squeeze_dim(-1))
            }
            PolicyKind::Hosts => self.hosts_forward(x),
        }
    }

    /// The `hosts` policy (the same computation as the candle actor in
    /// `mirrorlab_agents::learned::nets`).
    fn hosts_forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let g = self.graph.as_ref().expect("a hosts policy has a graph");
        let b = x.size()[0];
        let (h, k) = (g.h, g.k);
        let (hf_w, pf_w, gw) = (
            HOST_FEATURES as i64,
            PAIR_FEATURES as i64,
            GLOBAL_FEATURES as i64,
        );
        let hf = x.narrow(1, 0, h * hf_w).view([b, h, hf_w]);
        let pf = x.narrow(1, h * hf_w, h * k * pf_w).view([b, h, k, pf_w]);
        let gl = x.narrow(1, h * hf_w + h * k * pf_w, gw);
        // `mix` and `decoy_fc` are linear layers over concatenations; they are applied
        // block by block (host, subnet, environment), which is the same map without
        // repeating the subnet and environment terms on every host.
        let cols = |w: &Tensor, from: i64, len: i64| w.narrow(1, from, len).transpose(0, 1);
        let trunk = |head: &str| {
            let l = |n: &str| self.layer(&format!("{head}.{n}"));
            let e = hf.apply(l("enc0")).tanh().apply(l("enc1")).tanh();
            let d = e.size()[2];
            let sub = g.subnet_mean.matmul(&e);
            let nb = g.neighbours.matmul(&sub);
            let mix = l("mix");
            let w = &mix.ws;
            let own = e.matmul(&cols(w, 0, d));
            let per_subnet = Tensor::cat(&[&sub, &nb], 2).matmul(&cols(w, d, 2 * d));
            let ctx = g.host_subnet.matmul(&per_subnet);
            let env = Tensor::cat(
                &[&e.mean_dim(1, false, Kind::Float), &e.amax(1, false), &gl],
                1,
            )
            .matmul(&cols(w, 3 * d, 2 * d + gw));
            let env = match &mix.bs {
                Some(bias) => env + bias,
                None => env,
            };
            let z = (own + ctx + env.unsqueeze(1)).tanh();
            let pooled = Tensor::cat(
                &[&z.mean_dim(1, false, Kind::Float), &z.amax(1, false), &gl],
                1,
            );
            (z, pooled)
        };
        let (z, pooled) = trunk("actor");
        let hl = z.apply(self.layer("actor.host_out"));
        let global = pooled.apply(self.layer("actor.global_out"));
        let mut parts = vec![global, hl.select(2, 0), hl.select(2, 1)];
        if k > 0 {
            let d = z.size()[2];
            let fc = self.layer("actor.decoy_fc");
            let zp = z.matmul(&cols(&fc.ws, 0, d));
            let pp = pf.matmul(&cols(&fc.ws, d, pf_w));
            let pre = zp.unsqueeze(2) + pp;
            let pre = match &fc.bs {
                Some(bias) => pre + bias,
                None => pre,
            };
            let pl = pre
                .tanh()
                .apply(self.layer("actor.decoy_out"))
                .squeeze_dim(3);
            parts.push(pl.transpose(1, 2).reshape([b, k * h]));
        }
        parts.push(hl.select(2, 2));
        let logits = Tensor::cat(&parts, 1);
        let (_, cpooled) = trunk("critic");
        let value = cpooled
            .apply(self.layer("critic.fc"))
            .tanh()
            .apply(self.layer("critic.out"))
            .squeeze_dim(-1);
        (logits, value)
    }

    /// Trainable tensors by name, in name order (the order the optimiser and checkpoints
    /// use).
    pub fn parameters(&self) -> Vec<(String, Tensor)> {
        let map: BTreeMap<String, Tensor> = self.vs.variables().into_iter().collect();
        map.into_iter().collect()
    }
}

/// An orthogonal `rows × cols` matrix times `gain`, from Gaussian draws of `rng` (Box–Muller)
/// and a QR decomposition, signs fixed by R's diagonal (as `torch.nn.init.orthogonal_`).
pub fn orthogonal(rows: usize, cols: usize, gain: f64, rng: &mut Stream) -> Tensor {
    let (r, c) = if rows < cols {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let mut g = Vec::with_capacity(r * c);
    while g.len() < r * c {
        let u1 = rng.unit_f64().max(1e-300);
        let u2 = rng.unit_f64();
        let m = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        g.push(m * t.cos());
        g.push(m * t.sin());
    }
    g.truncate(r * c);
    let a = Tensor::from_slice(&g).view([r as i64, c as i64]);
    let (q, rr) = Tensor::linalg_qr(&a, "reduced");
    let d = rr.diagonal(0, 0, 1).sign();
    let q = q * d.unsqueeze(0);
    let q = if rows < cols { q.transpose(0, 1) } else { q };
    (q * gain).to_kind(Kind::Float).contiguous()
}

/// Samples one action per row of `logits` by inverse CDF with the uniforms `u` (`[n]`, in
/// [0, 1)): the first action whose cumulative probability exceeds `u`, so an action of
/// probability 0 (a masked one) is never drawn, `u` = 0 included. Deterministic given the
/// uniforms. Returns the actions (`Int64`).
pub fn sample(logits: &Tensor, u: &Tensor) -> Tensor {
    let probs = logits.softmax(-1, Kind::Float);
    let cdf = probs.cumsum(-1, Kind::Float);
    let n = logits.size()[1];
    cdf.le_tensor(&u.unsqueeze(1))
        .sum_dim_intlist(-1, false, Kind::Int64)
        .clamp_max(n - 1)
}
