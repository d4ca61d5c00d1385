//! Checkpoints: one safetensors file holding the policy's weights (`policy.*`), Adam's moments
//! (`adam.m.*`, `adam.v.*`), the counters (`counters`: update, global step, Adam's step, as
//! I64) and one metadata entry, `mirrorlab`, a JSON object with the format, the policy's shape,
//! the seed, the opponent, and hashes of the resolved configuration and of the scenario.
//! Randomness needs no saved state: every stream is re-derived from the seed and the update
//! index.
//!
//! Writing is atomic (temp file, fsync, rename, directory fsync). Reading checks everything
//! before trusting anything: size, the safetensors header, the metadata, every tensor's name,
//! dtype and shape against what the run expects. A corrupt, truncated, foreign or mismatched
//! file is an error that says which and why; nothing is overwritten.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use mirrorlab_agents::learned::PolicyKind;

use crate::policy::Shape;

pub use mirrorlab_agents::learned::{
    CHECKPOINT_FORMAT as FORMAT, CHECKPOINT_VERSION as FORMAT_VERSION,
    MAX_CHECKPOINT_BYTES as MAX_BYTES,
};

/// The `mirrorlab` metadata entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub format: String,
    pub format_version: u32,
    pub mirrorlab_version: String,
    /// `blue` or `red`.
    pub side: String,
    /// `mlp` or `hosts`.
    pub policy: String,
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub actions: usize,
    pub scenario: String,
    /// The scenario's source hash (16 hex digits).
    pub scenario_hash: String,
    /// FNV-1a of the resolved configuration's TOML (16 hex digits).
    pub config_hash: String,
    pub seed: u64,
    pub opponent: String,
    pub episode_length: u32,
    pub wall_time: f64,
    /// FNV-1a over every tensor (name, dtype, shape, bytes; in name order), so a tampered
    /// file is refused (see [`tensors_hash`]).
    #[serde(default)]
    pub tensors_hash: String,
}

impl Meta {
    pub fn shape(&self) -> Shape {
        Shape {
            kind: self.policy.clone(),
            inputs: self.inputs,
            hidden: self.hidden.clone(),
            actions: self.actions,
        }
    }
}

/// A checkpoint in memory.
pub struct Checkpoint {
    pub meta: Meta,
    pub update: u64,
    pub global_step: u64,
    pub adam_step: i64,
    /// Parameter name → weights, Adam's first and second moments.
    pub policy: Vec<(String, Tensor)>,
    pub adam_m: Vec<Tensor>,
    pub adam_v: Vec<Tensor>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("{path}: {why}")]
    Bad { path: String, why: String },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// FNV-1a of `bytes` (the scenario's own source hash), as 16 hex digits.
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:016x}", mirrorlab_scenarios::source_hash(bytes))
}

struct Raw {
    dtype: safetensors::Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl safetensors::View for &Raw {
    fn dtype(&self) -> safetensors::Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

fn f32_raw(t: &Tensor) -> Raw {
    let t = t
        .to_device(tch::Device::Cpu)
        .to_kind(Kind::Float)
        .contiguous();
    let shape: Vec<usize> = t.size().iter().map(|&s| s as usize).collect();
    let n: usize = shape.iter().product();
    let mut v = vec![0f32; n];
    t.view([-1]).copy_data(&mut v, n);
    Raw {
        dtype: safetensors::Dtype::F32,
        shape,
        data: v.iter().flat_map(|x| x.to_le_bytes()).collect(),
    }
}

impl Checkpoint {
    /// The file's bytes (deterministic: tensors sorted by name, one metadata key).
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let mut raws: BTreeMap<String, Raw> = BTreeMap::new();
        for ((name, w), (m, v)) in self.policy.iter().zip(self.adam_m.iter().zip(&self.adam_v)) {
            raws.insert(format!("policy.{name}"), f32_raw(w));
            raws.insert(format!("adam.m.{name}"), f32_raw(m));
            raws.insert(format!("adam.v.{name}"), f32_raw(v));
        }
        let counters = [self.update as i64, self.global_step as i64, self.adam_step];
        raws.insert(
            "counters".into(),
            Raw {
                dtype: safetensors::Dtype::I64,
                shape: vec![3],
                data: counters.iter().flat_map(|x| x.to_le_bytes()).collect(),
            },
        );
        let mut meta = self.meta.clone();
        meta.tensors_hash = tensors_hash(raws.iter().map(|(k, r)| {
            (
                k.as_str(),
                dtype_name(r.dtype),
                r.shape.as_slice(),
                r.data.as_slice(),
            )
        }));
        let meta = serde_json::to_string(&meta).map_err(|e| e.to_string())?;
        let info: HashMap<String, String> = [("mirrorlab".to_string(), meta)].into();
        safetensors::serialize(raws.iter().map(|(k, v)| (k.clone(), v)), Some(info))
            .map_err(|e| e.to_string())
    }

    /// Writes the checkpoint atomically.
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        let bytes = self.to_bytes().map_err(|why| CheckpointError::Bad {
            path: path.display().to_string(),
            why,
        })?;
        crate::files::write_atomic(path, &bytes).map_err(|source| CheckpointError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads and checks a checkpoint. `expect` (when given) is the run's own metadata: the
    /// file must match it in everything but the wall time.
    pub fn load(path: &Path, expect: Option<&Meta>) -> Result<Checkpoint, CheckpointError> {
        let p = path.display().to_string();
        let bad = |why: String| CheckpointError::Bad {
            path: p.clone(),
            why,
        };
        let md = std::fs::metadata(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        if md.is_dir() {
            return Err(bad("is a directory, not a checkpoint file".into()));
        }
        if md.len() > MAX_BYTES {
            return Err(bad(format!(
                "{} bytes; checkpoints are limited to {MAX_BYTES}",
                md.len()
            )));
        }
        let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let (meta, tensors) = parse(&bytes).map_err(bad)?;
        if let Some(e) = expect {
            let mut m = meta.clone();
            m.wall_time = e.wall_time;
            m.tensors_hash = e.tensors_hash.clone();
            if &m != e {
                return Err(bad(describe_mismatch(e, &meta)));
            }
        }
        let shape = meta.shape();
        let want = expected_tensors(&shape);
        let mut by_name: BTreeMap<String, (safetensors::Dtype, Vec<usize>, Vec<u8>)> = tensors
            .into_iter()
            .map(|(n, d, s, b)| (n, (d, s, b)))
            .collect();
        for name in by_name.keys() {
            if name != "counters"
                && !want.iter().any(|(w, _)| {
                    name == &format!("policy.{w}")
                        || name == &format!("adam.m.{w}")
                        || name == &format!("adam.v.{w}")
                })
            {
                return Err(bad(format!(
                    "unexpected tensor `{name}` for a {} policy",
                    shape.kind
                )));
            }
        }
        let mut take = |name: String, dims: &[usize]| -> Result<Tensor, CheckpointError> {
            let (dtype, s, data) = by_name
                .remove(&name)
                .ok_or_else(|| bad(format!("missing tensor `{name}`")))?;
            if dtype != safetensors::Dtype::F32 {
                return Err(bad(format!("tensor `{name}` is {dtype:?}; expected F32")));
            }
            if s != dims {
                return Err(bad(format!(
                    "tensor `{name}` has shape {s:?}; expected {dims:?} (the policy's shape)"
                )));
            }
            let v: Vec<f32> = data
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            if v.iter().any(|x| !x.is_finite()) {
                return Err(bad(format!("tensor `{name}` holds a NaN or infinity")));
            }
            let dims_i: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
            Ok(Tensor::from_slice(&v).view(dims_i.as_slice()))
        };
        let mut policy = Vec::new();
        let mut adam_m = Vec::new();
        let mut adam_v = Vec::new();
        for (name, dims) in &want {
            policy.push((name.clone(), take(format!("policy.{name}"), dims)?));
            adam_m.push(take(format!("adam.m.{name}"), dims)?);
            adam_v.push(take(format!("adam.v.{name}"), dims)?);
        }
        let (dtype, s, data) = by_name
            .remove("counters")
            .ok_or_else(|| bad("missing tensor `counters`".into()))?;
        if dtype != safetensors::Dtype::I64 || s != [3] {
            return Err(bad(format!(
                "tensor `counters` is {dtype:?} {s:?}; expected I64 [3]"
            )));
        }
        let c: Vec<i64> = data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        if c.iter().any(|&x| x < 0) {
            return Err(bad(format!("negative counters {c:?}")));
        }
        Ok(Checkpoint {
            meta,
            update: c[0] as u64,
            global_step: c[1] as u64,
            adam_step: c[2],
            policy,
            adam_m,
            adam_v,
        })
    }
}

/// The name a dtype has in [`tensors_hash`].
pub fn dtype_name(d: safetensors::Dtype) -> String {
    format!("{d:?}")
}

pub use mirrorlab_agents::learned::tensors_hash;

/// The parameter names and shapes of a policy, in name order.
pub fn expected_tensors(shape: &Shape) -> Vec<(String, Vec<usize>)> {
    mirrorlab_agents::learned::nets::policy_tensors(
        shape.policy_kind(),
        shape.inputs,
        &shape.hidden,
        shape.actions,
    )
}

type Parsed = (Meta, Vec<(String, safetensors::Dtype, Vec<usize>, Vec<u8>)>);

/// Parses the safetensors container and the metadata.
fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.is_empty() {
        return Err("empty file; expected a safetensors checkpoint".into());
    }
    let st = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a safetensors file (truncated or corrupt?): {e}"))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| format!("not a safetensors file: {e}"))?;
    let text = header
        .metadata()
        .as_ref()
        .and_then(|m| m.get("mirrorlab"))
        .ok_or("a safetensors file, but not a mirrorlab checkpoint (no `mirrorlab` metadata)")?;
    let meta: Meta =
        serde_json::from_str(text).map_err(|e| format!("bad `mirrorlab` metadata: {e}"))?;
    if meta.format != FORMAT {
        return Err(format!("format {:?}; expected {FORMAT:?}", meta.format));
    }
    if meta.format_version != FORMAT_VERSION {
        return Err(format!(
            "checkpoint format version {}; this mirrorlab reads {FORMAT_VERSION}",
            meta.format_version
        ));
    }
    if meta.inputs == 0 || meta.actions == 0 || meta.hidden.iter().any(|&h| h == 0 || h > 4096) {
        return Err(format!("impossible policy shape in the metadata: {meta:?}"));
    }
    match PolicyKind::parse(&meta.policy) {
        None => {
            return Err(format!(
                "unknown policy kind `{}`; expected one of {}",
                meta.policy,
                PolicyKind::NAMES
            ));
        }
        Some(PolicyKind::Hosts) if meta.hidden.len() != 2 => {
            return Err(format!(
                "a hosts policy has two widths (embedding, decoy pair); the metadata gives {:?}",
                meta.hidden
            ));
        }
        _ => {}
    }
    let mut out = Vec::new();
    for (name, view) in st.tensors() {
        out.push((
            name,
            view.dtype(),
            view.shape().to_vec(),
            view.data().to_vec(),
        ));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    let h = tensors_hash(
        out.iter()
            .map(|(n, d, s, b)| (n.as_str(), dtype_name(*d), s.as_slice(), b.as_slice())),
    );
    if h != meta.tensors_hash {
        return Err(format!(
            "its tensors do not match the hash recorded in it ({h} vs {}): the file was \
             altered or damaged",
            meta.tensors_hash
        ));
    }
    Ok((meta, out))
}

fn describe_mismatch(want: &Meta, got: &Meta) -> String {
    if got.scenario_hash != want.scenario_hash {
        return format!(
            "was trained on scenario `{}` ({}), not this run's `{}` ({})",
            got.scenario, got.scenario_hash, want.scenario, want.scenario_hash
        );
    }
    if got.shape() != want.shape() {
        return format!(
            "holds a {} policy {}→{:?}→{}, not this run's {} {}→{:?}→{}",
            got.policy,
            got.inputs,
            got.hidden,
            got.actions,
            want.policy,
            want.inputs,
            want.hidden,
            want.actions
        );
    }
    if got.mirrorlab_version != want.mirrorlab_version {
        return format!(
            "was written by mirrorlab {}, not this {}: resume it with that version",
            got.mirrorlab_version, want.mirrorlab_version
        );
    }
    if got.side != want.side || got.episode_length != want.episode_length {
        return format!(
            "holds a {} policy for {}-tick episodes, not this run's {} for {}",
            got.side, got.episode_length, want.side, want.episode_length
        );
    }
    if got.config_hash != want.config_hash {
        return "was written with another configuration (config hash differs)".into();
    }
    format!(
        "belongs to another run (seed {}, opponent `{}`)",
        got.seed, got.opponent
    )
}
