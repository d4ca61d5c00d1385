//! Gives this crate's binaries and tests an rpath to the libtorch they were built against
//! (torch-sys reports its folder as DEP_TCH_LIBTORCH_LIB), so they start without
//! LD_LIBRARY_PATH. LD_LIBRARY_PATH still wins, which is how one binary uses another
//! machine's libtorch (DESIGN.md §9).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={lib}");
    }
}
