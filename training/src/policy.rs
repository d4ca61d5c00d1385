//! The actor-critic networks on libtorch, their initialisation from the project's seeded
//! streams, and the action sampling the trainer uses.
//!
//! `mlp`: separate actor and critic trunks over the flat features (CleanRL's `Agent`):
//! `actor.fc{i}` / `critic.fc{i}` (tanh), then `actor.out` (logits) and `critic.out` (value).
//! Parameter names are the checkpoint's tensor names (`policy.` prefixed), which the
//! libtorch-free player in the agents crate reads with candle.
//!
//! Initialisation is CleanRL's (orthogonal, gain √2 for hidden layers, 0.01 for the actor's
//! head, 1 for the critic's; zero biases), drawn from [`Purpose::TrainInit`] so the same seed
//! gives the same weights on every machine.

use std::collections::BTreeMap;

use mirrorlab_sim::rng::{Purpose, Stream};
use tch::{Device, Kind, Tensor, nn};

/// A policy's shape: what the checkpoint records and a player needs to rebuild it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    pub kind: String,
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub actions: usize,
}

/// An actor-critic network.
pub struct ActorCritic {
    pub vs: nn::VarStore,
    pub shape: Shape,
    actor: Vec<nn::Linear>,
    critic: Vec<nn::Linear>,
}

fn linear(p: nn::Path, i: usize, o: usize) -> nn::Linear {
    nn::linear(p, i as i64, o as i64, Default::default())
}

impl ActorCritic {
    pub fn new(shape: Shape, device: Device, seed: u64) -> ActorCritic {
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let mut dims = vec![shape.inputs];
        dims.extend(&shape.hidden);
        let mut actor = Vec::new();
        let mut critic = Vec::new();
        for (i, w) in dims.windows(2).enumerate() {
            actor.push(linear(&root / "actor" / format!("fc{i}"), w[0], w[1]));
            critic.push(linear(&root / "critic" / format!("fc{i}"), w[0], w[1]));
        }
        let last = *dims.last().unwrap_or(&shape.inputs);
        actor.push(linear(&root / "actor" / "out", last, shape.actions));
        critic.push(linear(&root / "critic" / "out", last, 1));
        let net = ActorCritic {
            vs,
            shape,
            actor,
            critic,
        };
        net.initialise(seed);
        net
    }

    /// Orthogonal weights from the seeded stream, zero biases (CleanRL's gains).
    fn initialise(&self, seed: u64) {
        let mut rng = Stream::new(seed, Purpose::TrainInit, 0);
        let n = self.actor.len();
        let _guard = tch::no_grad_guard();
        for (head, layers) in [("actor", &self.actor), ("critic", &self.critic)] {
            for (i, l) in layers.iter().enumerate() {
                let gain = if i + 1 < n {
                    2f64.sqrt()
                } else if head == "actor" {
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
    }

    /// Logits `[n, actions]` and values `[n]` of features `[n, inputs]`.
    pub fn forward(&self, x: &Tensor) -> (Tensor, Tensor) {
        let trunk = |layers: &[nn::Linear]| {
            let mut h = x.shallow_clone();
            for l in &layers[..layers.len() - 1] {
                h = h.apply(l).tanh();
            }
            h.apply(&layers[layers.len() - 1])
        };
        (trunk(&self.actor), trunk(&self.critic).squeeze_dim(-1))
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
/// [0, 1)): deterministic given the uniforms. Returns the actions (`Int64`).
pub fn sample(logits: &Tensor, u: &Tensor) -> Tensor {
    let probs = logits.softmax(-1, Kind::Float);
    let cdf = probs.cumsum(-1, Kind::Float);
    let n = logits.size()[1];
    cdf.lt_tensor(&u.unsqueeze(1))
        .sum_dim_intlist(-1, false, Kind::Int64)
        .clamp_max(n - 1)
}
