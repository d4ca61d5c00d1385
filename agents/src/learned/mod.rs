//! Trained policies, played without libtorch: a checkpoint written by the trainer is read
//! with candle-core and its actor run on the CPU, so `--blue ppo:PATH` works in `run`,
//! `eval` and the viewer on any machine.
//!
//! The features ([`features`]) and the networks' tensors ([`nets`]) are defined here once and
//! imported by the trainer. `ppo:PATH` plays greedily (the most probable action; ties to the
//! lowest index); `ppo-sample:PATH` samples from the policy with the project's seeded stream
//! ([`Purpose::PolicySample`] for blue, [`Purpose::PolicySampleRed`] for red; stream =
//! episode id), so a run stays a function of its seed.
//! An `mlp` policy plays the network it was trained on; a `hosts` policy plays any network.
//!
//! A checkpoint is checked before it is trusted: size, container, metadata, every tensor's
//! name, dtype and shape against the metadata and the scenario's layout, finite values.

pub mod features;
pub mod nets;

use candle_core::{DType, Device, Tensor};
use mirrorlab_sim::Layout;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::rng::{Purpose, Stream};
use serde::Deserialize;

use crate::{Agent, AgentError, Obs, Side};
pub use features::{Featurizer, HOST_FEATURES, PolicyKind, action_count};
use nets::{Graph, HostsActor, Layer};

/// Checkpoints larger than this are refused before reading.
pub const MAX_CHECKPOINT_BYTES: u64 = 1 << 30;
/// The checkpoint format this player reads (the trainer's `checkpoint::FORMAT`).
pub const CHECKPOINT_FORMAT: &str = "mirrorlab-checkpoint";
pub const CHECKPOINT_VERSION: u32 = 1;

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

/// An actor network read from a checkpoint.
pub struct ActorNet {
    pub meta: PolicyMeta,
    pub kind: PolicyKind,
    body: Body,
}

enum Body {
    /// `actor.fc{i}` (tanh) then `actor.out`.
    Mlp(Vec<Layer>),
    Hosts(HostsActor),
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
        let kind = PolicyKind::parse(&meta.policy).ok_or_else(|| {
            bad(
                name,
                format!(
                    "unknown policy kind `{}`; this mirrorlab plays {}",
                    meta.policy,
                    PolicyKind::NAMES
                ),
            )
        })?;
        if meta.inputs == 0
            || meta.actions == 0
            || meta.hidden.iter().any(|&h| h == 0 || h > 4096)
            || meta.episode_length == 0
        {
            return Err(bad(name, "impossible policy shape in the metadata"));
        }
        if kind == PolicyKind::Hosts {
            if meta.hidden.len() != 2 {
                return Err(bad(
                    name,
                    format!(
                        "a hosts policy has two widths (embedding, decoy pair); the metadata gives {:?}",
                        meta.hidden
                    ),
                ));
            }
            if meta.inputs != HOST_FEATURES {
                return Err(bad(
                    name,
                    format!(
                        "a hosts policy with {} features per host; this mirrorlab builds {HOST_FEATURES}",
                        meta.inputs
                    ),
                ));
            }
        }
        let mut layers = Vec::new();
        for (layer, out, inp) in nets::policy_layers(kind, meta.inputs, &meta.hidden, meta.actions)
        {
            if !layer.starts_with("actor.") {
                continue;
            }
            let w = tensor(name, &st, &format!("policy.{layer}.weight"), &[out, inp])?;
            let b = tensor(name, &st, &format!("policy.{layer}.bias"), &[out])?;
            layers.push((layer["actor.".len()..].to_string(), (w, b)));
        }
        let body = match kind {
            PolicyKind::Mlp => Body::Mlp(layers.into_iter().map(|(_, l)| l).collect()),
            PolicyKind::Hosts => Body::Hosts(HostsActor {
                layers: layers.into_iter().collect(),
            }),
        };
        Ok(ActorNet { meta, kind, body })
    }

    /// Logits `[n, actions]` of feature rows `[n, row width]` (row-major). A `hosts` policy
    /// needs the graph of the network it plays.
    pub fn logits(
        &self,
        features: &[f32],
        n: usize,
        graph: Option<&Graph>,
    ) -> Result<Tensor, candle_core::Error> {
        let x = Tensor::from_slice(features, (n, features.len() / n.max(1)), &Device::Cpu)?;
        match &self.body {
            Body::Mlp(layers) => {
                let mut x = x;
                let last = layers.len() - 1;
                for (i, (w, b)) in layers.iter().enumerate() {
                    x = x.matmul(&w.t()?)?.broadcast_add(b)?;
                    if i < last {
                        x = x.tanh()?;
                    }
                }
                Ok(x)
            }
            Body::Hosts(actor) => {
                let g = graph.ok_or_else(|| {
                    candle_core::Error::Msg("a hosts policy needs the network's graph".into())
                })?;
                actor.logits(&x, g)
            }
        }
    }

    /// Action probabilities `[n × actions]`, row-major.
    pub fn probabilities(
        &self,
        features: &[f32],
        n: usize,
        graph: Option<&Graph>,
    ) -> Result<Vec<f32>, candle_core::Error> {
        nets::softmax_rows(&self.logits(features, n, graph)?)
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

/// The stream a sampling policy of `side` draws from.
fn sample_purpose(side: Side) -> Purpose {
    match side {
        Side::Blue => Purpose::PolicySample,
        Side::Red => Purpose::PolicySampleRed,
    }
}

/// Rows of hosts one forward pass of a `hosts` policy takes at most: a batch on a large
/// network is played in slices of environments, so memory stays bounded.
const MAX_HOST_ROWS: usize = 1 << 15;

/// A trained policy playing one side of a batch.
pub struct Learned {
    side: Side,
    name: String,
    net: ActorNet,
    graph: Option<Graph>,
    featurizer: Featurizer,
    sample: bool,
    seed: u64,
    rng: Vec<Stream>,
    ticks: Vec<u32>,
    features: Vec<f32>,
    /// Environments per forward pass.
    slice: usize,
    /// The last action distributions (`n × actions`), when a viewer asked for them.
    kept: Option<Vec<f32>>,
    /// Red's valid actions for one environment (scratch).
    mask: Vec<u8>,
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
        let unsupported = |why: String| AgentError::Unsupported {
            agent: format!("ppo:{path}"),
            scenario: s.name.clone(),
            why,
        };
        let featurizer = Featurizer::new(net.kind, side, s, n, m.episode_length)
            .map_err(|why| bad(path, why))?;
        let (graph, slice) = match net.kind {
            PolicyKind::Mlp => {
                let (d, a) = (featurizer.dim(), action_count(&layout, side));
                if m.inputs != d || m.actions != a {
                    return Err(unsupported(format!(
                        "the policy (trained on `{}`) takes {} features and {} actions; this scenario has {d} and {a}",
                        m.scenario, m.inputs, m.actions
                    )));
                }
                (None, n.max(1))
            }
            PolicyKind::Hosts => {
                let hl = featurizer
                    .hosts_layout()
                    .expect("hosts features have a layout");
                let g = Graph::new(hl).map_err(|e| unsupported(e.to_string()))?;
                let slice = (MAX_HOST_ROWS / hl.n_hosts.max(1)).clamp(1, n.max(1));
                (Some(g), slice)
            }
        };
        let d = featurizer.dim();
        Ok(Learned {
            side,
            name: format!("{}:{path}", if sample { "ppo-sample" } else { "ppo" }),
            net,
            graph,
            featurizer,
            sample,
            seed,
            rng: (0..n)
                .map(|_| Stream::new(seed, sample_purpose(side), 0))
                .collect(),
            ticks: vec![0; n],
            features: vec![0.0; slice * d],
            slice,
            kept: None,
            mask: Vec::new(),
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
        self.featurizer.reset(env);
        self.rng[env] = Stream::new(self.seed, sample_purpose(self.side), episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let n = actions.len();
        let d = self.featurizer.dim();
        let mut start = 0;
        while start < n {
            let end = (start + self.slice).min(n);
            let rows = end - start;
            let feats = &mut self.features[..rows * d];
            self.featurizer
                .write(obs.obs, &self.ticks, start..end, feats);
            // The shapes were checked at load; a failure here is a bug, not bad input.
            let mut probs = self
                .net
                .probabilities(feats, rows, self.graph.as_ref())
                .expect("the checked policy runs");
            let k = probs.len() / rows;
            if self.side == Side::Red && k == obs.layout.red_actions {
                // As in training: only the actions naming what red knows.
                self.mask.resize(k, 0);
                for (i, row) in probs.chunks_exact_mut(k).enumerate() {
                    obs.layout
                        .red_mask_from_obs(obs.row(start + i), &mut self.mask);
                    mask_probabilities(row, &self.mask);
                }
            }
            if let Some(kept) = &mut self.kept {
                kept.resize(n * k, 0.0);
                kept[start * k..end * k].copy_from_slice(&probs);
            }
            for (i, a) in actions[start..end].iter_mut().enumerate() {
                let e = start + i;
                let row = &probs[i * k..(i + 1) * k];
                *a = if self.sample {
                    let u = self.rng[e].unit_f32();
                    let mut acc = 0.0f32;
                    let mut pick = k - 1;
                    for (j, p) in row.iter().enumerate() {
                        acc += p;
                        if u < acc {
                            pick = j;
                            break;
                        }
                    }
                    pick as u32
                } else {
                    let mut best = 0;
                    for (j, p) in row.iter().enumerate() {
                        if *p > row[best] {
                            best = j;
                        }
                    }
                    best as u32
                };
            }
            start = end;
        }
        self.featurizer.chosen(actions, &self.ticks);
        for t in &mut self.ticks {
            *t += 1;
        }
    }
    fn keep_distribution(&mut self, keep: bool) {
        self.kept = keep.then(Vec::new);
    }
    fn distribution(&self, env: usize) -> Option<&[f32]> {
        let kept = self.kept.as_ref()?;
        let k = kept.len() / self.ticks.len().max(1);
        kept.get(env * k..(env + 1) * k)
    }
}

/// Zeroes the probabilities of the actions `mask` rules out (0) and rescales the rest to sum
/// to 1 (left as they are when the mask rules out everything the policy gives weight to).
fn mask_probabilities(row: &mut [f32], mask: &[u8]) {
    let kept: f32 = row
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m != 0)
        .map(|(p, _)| *p)
        .sum();
    if kept <= 0.0 || !kept.is_finite() {
        return;
    }
    for (p, &m) in row.iter_mut().zip(mask) {
        *p = if m != 0 { *p / kept } else { 0.0 };
    }
}
