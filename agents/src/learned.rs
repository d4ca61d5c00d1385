//! Trained policies, played without libtorch: a checkpoint written by the trainer is read
//! with candle-core and its actor run on the CPU, so `--blue ppo:PATH` works in `run`,
//! `eval` and the viewer on any machine.
//!
//! The features are the trainer's (defined once, here): the side's observation row (action
//! status included) and `tick / episode_length`, where the tick is counted by the agent
//! itself from the episode's start and the length is the one the policy was trained with.
//! `ppo:PATH` plays greedily (the most probable action; ties to the lowest index);
//! `ppo-sample:PATH` samples from the policy with the project's seeded stream
//! ([`Purpose::PolicySample`], stream = episode id), so a run stays a function of its seed.
//!
//! A checkpoint is checked before it is trusted: size, container, metadata, every tensor's
//! name, dtype and shape against the metadata and the scenario's layout, finite values.

use candle_core::{D, DType, Device, Tensor};
use mirrorlab_sim::Layout;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::rng::{Purpose, Stream};
use serde::Deserialize;

use crate::{Agent, AgentError, Obs, Side};

/// Checkpoints larger than this are refused before reading.
pub const MAX_CHECKPOINT_BYTES: u64 = 1 << 30;
/// The checkpoint format this player reads (the trainer's `checkpoint::FORMAT`).
pub const CHECKPOINT_FORMAT: &str = "mirrorlab-checkpoint";
pub const CHECKPOINT_VERSION: u32 = 1;

/// The learner's feature width per environment.
pub fn feature_dim(layout: &Layout, side: Side) -> usize {
    match side {
        Side::Blue => layout.blue_obs + 1,
        Side::Red => layout.red_obs + 1,
    }
}

/// The learner's action count.
pub fn action_count(layout: &Layout, side: Side) -> usize {
    match side {
        Side::Blue => layout.blue_actions,
        Side::Red => layout.red_actions,
    }
}

/// Writes every environment's features into `out` (`n × feature_dim`): the observation row
/// (`obs`, `n × width`), then `ticks[e] / episode_length`.
pub fn write_features(
    obs: &[f32],
    width: usize,
    ticks: &[u32],
    episode_length: u32,
    out: &mut [f32],
) {
    let d = width + 1;
    for (e, row) in out.chunks_exact_mut(d).enumerate() {
        row[..width].copy_from_slice(&obs[e * width..(e + 1) * width]);
        row[width] = ticks[e] as f32 / episode_length as f32;
    }
}

/// FNV-1a over tensors given in name order: each one's name, dtype (as `{:?}` writes it),
/// shape (u64 little-endian) and bytes. Recorded in every checkpoint's metadata by the
/// trainer and checked by every reader, so an altered file is refused.
pub fn tensors_hash<'a>(
    tensors: impl Iterator<Item = (&'a str, String, &'a [usize], &'a [u8])>,
) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for (name, dtype, shape, data) in tensors {
        feed(name.as_bytes());
        feed(dtype.as_bytes());
        for d in shape {
            feed(&(*d as u64).to_le_bytes());
        }
        feed(data);
    }
    format!("{h:016x}")
}

/// The checkpoint metadata a player needs (other fields are ignored).
#[derive(Clone, Debug, Deserialize)]
pub struct PolicyMeta {
    pub format: String,
    pub format_version: u32,
    pub side: String,
    pub policy: String,
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub actions: usize,
    pub scenario: String,
    pub episode_length: u32,
    /// FNV-1a over every tensor (name, dtype as `{:?}`, shape as u64 LE, bytes; name order).
    pub tensors_hash: String,
}

/// An actor network read from a checkpoint: `actor.fc{i}` (tanh) then `actor.out`.
pub struct ActorNet {
    pub meta: PolicyMeta,
    /// (weight `[out, in]`, bias `[out]`) per layer.
    layers: Vec<(Tensor, Tensor)>,
}

fn bad(path: &str, why: impl Into<String>) -> AgentError {
    AgentError::Checkpoint {
        path: path.into(),
        why: why.into(),
    }
}

impl ActorNet {
    /// Reads and checks the actor of a checkpoint file.
    pub fn load(path: &str) -> Result<ActorNet, AgentError> {
        let md = std::fs::metadata(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
        if md.is_dir() {
            return Err(bad(path, "is a directory, not a checkpoint file"));
        }
        if md.len() > MAX_CHECKPOINT_BYTES {
            return Err(bad(
                path,
                format!(
                    "{} bytes; checkpoints are limited to {MAX_CHECKPOINT_BYTES}",
                    md.len()
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
        ActorNet::from_bytes(path, &bytes)
    }

    /// Checks and reads a checkpoint held in memory (`name` is used in messages).
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Result<ActorNet, AgentError> {
        if bytes.is_empty() {
            return Err(bad(name, "empty file; expected a safetensors checkpoint"));
        }
        let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| {
            bad(
                name,
                format!("not a safetensors file (truncated or corrupt?): {e}"),
            )
        })?;
        let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
            .map_err(|e| bad(name, format!("not a safetensors file: {e}")))?;
        let meta_text = header
            .metadata()
            .as_ref()
            .and_then(|m| m.get("mirrorlab"))
            .ok_or_else(|| {
                bad(
                    name,
                    "a safetensors file, but not a mirrorlab checkpoint (no `mirrorlab` metadata)",
                )
            })?;
        let meta: PolicyMeta = serde_json::from_str(meta_text)
            .map_err(|e| bad(name, format!("bad `mirrorlab` metadata: {e}")))?;
        if meta.format != CHECKPOINT_FORMAT {
            return Err(bad(
                name,
                format!("format {:?}; expected {CHECKPOINT_FORMAT:?}", meta.format),
            ));
        }
        if meta.format_version != CHECKPOINT_VERSION {
            return Err(bad(
                name,
                format!(
                    "checkpoint format version {}; this mirrorlab reads {CHECKPOINT_VERSION}",
                    meta.format_version
                ),
            ));
        }
        let mut all = st.tensors();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let h = tensors_hash(
            all.iter()
                .map(|(n, v)| (n.as_str(), format!("{:?}", v.dtype()), v.shape(), v.data())),
        );
        if h != meta.tensors_hash {
            return Err(bad(
                name,
                "its tensors do not match the hash recorded in it: the file was altered or damaged",
            ));
        }
        if meta.policy != "mlp" {
            return Err(bad(
                name,
                format!("policy kind `{}` cannot be played yet", meta.policy),
            ));
        }
        if meta.inputs == 0
            || meta.actions == 0
            || meta.hidden.iter().any(|&h| h == 0 || h > 4096)
            || meta.episode_length == 0
        {
            return Err(bad(name, "impossible policy shape in the metadata"));
        }
        let mut dims = vec![meta.inputs];
        dims.extend(&meta.hidden);
        let mut specs: Vec<(String, usize, usize)> = dims
            .windows(2)
            .enumerate()
            .map(|(i, w)| (format!("actor.fc{i}"), w[1], w[0]))
            .collect();
        specs.push((
            "actor.out".into(),
            meta.actions,
            *dims.last().unwrap_or(&meta.inputs),
        ));
        let mut layers = Vec::new();
        for (layer, out, inp) in specs {
            let w = tensor(name, &st, &format!("policy.{layer}.weight"), &[out, inp])?;
            let b = tensor(name, &st, &format!("policy.{layer}.bias"), &[out])?;
            layers.push((w, b));
        }
        Ok(ActorNet { meta, layers })
    }

    /// Logits `[n, actions]` of features `[n, inputs]` (row-major).
    pub fn logits(&self, features: &[f32], n: usize) -> Result<Tensor, candle_core::Error> {
        let mut x = Tensor::from_slice(features, (n, self.meta.inputs), &Device::Cpu)?;
        let last = self.layers.len() - 1;
        for (i, (w, b)) in self.layers.iter().enumerate() {
            x = x.matmul(&w.t()?)?.broadcast_add(b)?;
            if i < last {
                x = x.tanh()?;
            }
        }
        Ok(x)
    }

    /// Action probabilities `[n × actions]`, row-major.
    pub fn probabilities(
        &self,
        features: &[f32],
        n: usize,
    ) -> Result<Vec<f32>, candle_core::Error> {
        let l = self.logits(features, n)?;
        let max = l.max_keepdim(D::Minus1)?;
        let e = l.broadcast_sub(&max)?.exp()?;
        let p = e.broadcast_div(&e.sum_keepdim(D::Minus1)?)?;
        p.flatten_all()?.to_vec1::<f32>()
    }
}

/// Reads one F32 tensor, checking its dtype, shape and values.
fn tensor(
    name: &str,
    st: &safetensors::SafeTensors<'_>,
    key: &str,
    shape: &[usize],
) -> Result<Tensor, AgentError> {
    let view = st
        .tensor(key)
        .map_err(|_| bad(name, format!("missing tensor `{key}`")))?;
    if view.dtype() != safetensors::Dtype::F32 {
        return Err(bad(
            name,
            format!("tensor `{key}` is {:?}; expected F32", view.dtype()),
        ));
    }
    if view.shape() != shape {
        return Err(bad(
            name,
            format!(
                "tensor `{key}` has shape {:?}; expected {shape:?} (from the metadata)",
                view.shape()
            ),
        ));
    }
    let v: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    if v.iter().any(|x| !x.is_finite()) {
        return Err(bad(name, format!("tensor `{key}` holds a NaN or infinity")));
    }
    Tensor::from_vec(v, shape, &Device::Cpu)
        .and_then(|t| t.to_dtype(DType::F32))
        .map_err(|e| bad(name, e.to_string()))
}

/// A trained policy playing one side of a batch.
pub struct Learned {
    side: Side,
    name: String,
    net: ActorNet,
    sample: bool,
    seed: u64,
    rng: Vec<Stream>,
    ticks: Vec<u32>,
    features: Vec<f32>,
}

impl Learned {
    /// Loads the checkpoint at `path` for `side` on scenario `s`.
    pub fn new(
        side: Side,
        path: &str,
        sample: bool,
        s: &Scenario,
        n: usize,
        seed: u64,
    ) -> Result<Learned, AgentError> {
        let net = ActorNet::load(path)?;
        let layout = Layout::new(s);
        let m = &net.meta;
        if m.side != side.name() {
            return Err(bad(
                path,
                format!("holds a {} policy; it cannot play {}", m.side, side.name()),
            ));
        }
        let (d, a) = (feature_dim(&layout, side), action_count(&layout, side));
        if m.inputs != d || m.actions != a {
            return Err(AgentError::Unsupported {
                agent: format!("ppo:{path}"),
                scenario: s.name.clone(),
                why: format!(
                    "the policy (trained on `{}`) takes {} features and {} actions; this scenario has {d} and {a}",
                    m.scenario, m.inputs, m.actions
                ),
            });
        }
        Ok(Learned {
            side,
            name: format!("{}:{path}", if sample { "ppo-sample" } else { "ppo" }),
            net,
            sample,
            seed,
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::PolicySample, 0))
                .collect(),
            ticks: vec![0; n],
            features: vec![0.0; n * d],
        })
    }
}

impl Agent for Learned {
    fn side(&self) -> Side {
        self.side
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn reset(&mut self, env: usize, episode: u64) {
        self.ticks[env] = 0;
        self.rng[env] = Stream::new(self.seed, Purpose::PolicySample, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let n = actions.len();
        let width = match self.side {
            Side::Blue => obs.layout.blue_obs,
            Side::Red => obs.layout.red_obs,
        };
        write_features(
            obs.obs,
            width,
            &self.ticks,
            self.net.meta.episode_length,
            &mut self.features,
        );
        let k = self.net.meta.actions;
        // The shapes were checked at load; a failure here is a bug, not bad input.
        let probs = self
            .net
            .probabilities(&self.features, n)
            .expect("the checked policy runs");
        for (e, a) in actions.iter_mut().enumerate() {
            let row = &probs[e * k..(e + 1) * k];
            *a = if self.sample {
                let u = self.rng[e].unit_f32();
                let mut acc = 0.0f32;
                let mut pick = k - 1;
                for (i, p) in row.iter().enumerate() {
                    acc += p;
                    if u < acc {
                        pick = i;
                        break;
                    }
                }
                pick as u32
            } else {
                let mut best = 0;
                for (i, p) in row.iter().enumerate() {
                    if *p > row[best] {
                        best = i;
                    }
                }
                best as u32
            };
            self.ticks[e] += 1;
        }
    }
}
