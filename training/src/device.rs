//! Choosing where to train, and making CUDA usable from a Rust binary.
//!
//! rustc links with `--as-needed`, so `libtorch_cuda.so` is dropped from the binary and
//! libtorch reports no CUDA even on a GPU machine (TRAINING.md §1). When CUDA is asked for,
//! the library is loaded at run time, from the folder of the already-loaded
//! `libtorch_cpu.so`, with `RTLD_NOW | RTLD_GLOBAL` — before anything asks libtorch about
//! CUDA, since libtorch decides once, at its first CUDA query. One binary then serves both
//! machines; on one without the CUDA libraries the load fails with the loader's message.

use tch::Device;

/// The device for `request` (`auto`, `cpu` or `cuda`). `auto` is the GPU when CUDA loads
/// and reports a device, else the CPU. Call this before any other use of tch.
pub fn select(request: &str) -> Result<Device, String> {
    match request {
        "cpu" => Ok(Device::Cpu),
        "cuda" => {
            load_cuda()?;
            if tch::Cuda::is_available() {
                Ok(Device::Cuda(0))
            } else {
                Err("libtorch_cuda.so loaded, but libtorch sees no CUDA device".into())
            }
        }
        "auto" => Ok(match load_cuda() {
            Ok(()) if tch::Cuda::is_available() => Device::Cuda(0),
            _ => Device::Cpu,
        }),
        other => Err(format!("--device {other}: expected auto, cpu or cuda")),
    }
}

/// Loads `libtorch_cuda.so` from beside the loaded `libtorch_cpu.so` (kept loaded for the
/// process's lifetime).
fn load_cuda() -> Result<(), String> {
    let maps = std::fs::read_to_string("/proc/self/maps")
        .map_err(|e| format!("cannot read /proc/self/maps: {e}"))?;
    let cpu = maps
        .lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .ok_or("libtorch_cpu.so is not loaded")?;
    let dir = std::path::Path::new(cpu)
        .parent()
        .ok_or("libtorch_cpu.so has no folder")?;
    let cuda = dir.join("libtorch_cuda.so");
    if !cuda.exists() {
        return Err(format!(
            "{} does not exist: this libtorch has no CUDA (the CPU set-up); point \
             LD_LIBRARY_PATH at a CUDA build of libtorch 2.11 to train on a GPU",
            cuda.display()
        ));
    }
    // SAFETY: loading a shared library runs its initialisers; libtorch_cuda.so is the CUDA
    // half of the libtorch already loaded in this process, built to be loaded this way.
    let lib = unsafe {
        libloading::os::unix::Library::open(
            Some(&cuda),
            libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_GLOBAL,
        )
    }
    .map_err(|e| format!("cannot load {}: {e}", cuda.display()))?;
    std::mem::forget(lib);
    Ok(())
}
