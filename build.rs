//! Generates the typed models and the blocking operation layer from `openapi/accounts.yaml`.
//!
//! The generator itself lives in `codegen/` so that `cargo xtask expand` and the determinism
//! test run exactly the same code.

#[path = "codegen/mod.rs"]
mod codegen;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let spec_path = manifest_dir.join("openapi/accounts.yaml");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=openapi/accounts.yaml");
    for file in codegen::SOURCE_FILES {
        println!("cargo:rerun-if-changed=codegen/{file}");
    }
    let started = std::time::Instant::now();
    let generated = match codegen::generate_from_path(&spec_path) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("error: cannot generate the client from {}:\n  {error}", spec_path.display());
            std::process::exit(1);
        }
    };
    for (name, text) in generated.files() {
        std::fs::write(out_dir.join(name), text).expect("OUT_DIR is writable");
    }
    // Read by `cargo xtask bench-build`, which reports the generator's cost.
    let report = format!("lines={}\nmicros={}\n", generated.line_count(), started.elapsed().as_micros());
    std::fs::write(out_dir.join("codegen.txt"), report).expect("OUT_DIR is writable");
}
