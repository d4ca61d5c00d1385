//! With the `training` feature, gives the binary an rpath to the libtorch it was built
//! against (torch-sys reports its folder as DEP_TCH_LIBTORCH_LIB), so it starts without
//! LD_LIBRARY_PATH; LD_LIBRARY_PATH still wins (how one binary uses another machine's
//! libtorch, DESIGN.md §9).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if std::env::var_os("CARGO_FEATURE_TRAINING").is_some()
        && let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB")
    {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath={lib}");
        println!("cargo:rustc-link-arg-tests=-Wl,-rpath={lib}");
    }
}
