//! `cargo charm new NAME [--k8s | --machine] [--ops-path DIR] [--dir DIR]`: creates a new
//! charm crate (see the `cargo_charm` library for what it holds).

use cargo_charm::{Kind, NewCharm, OpsSource};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: cargo charm new NAME [--k8s | --machine] [--ops-path DIR] [--dir DIR]

Creates the charm crate NAME (lowercase letters, digits and '-') in ./NAME, or in DIR:
charmcraft.yaml, Cargo.toml (lib + bin), src/lib.rs, src/main.rs, tests/charm.rs.
  --k8s          a Kubernetes charm with one workload container (the default)
  --machine      a machine charm
  --ops-path DIR depend on juju-ops from a local checkout (DIR is its ops/ folder)";

fn main() -> ExitCode {
    // As a cargo subcommand, cargo passes `charm` first.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .skip_while(|a| a == "charm")
        .collect();
    match parse(&args).and_then(|new| new.create().map_err(|e| e.to_string())) {
        Ok(dir) => {
            println!(
                "Created {}: `cargo test` to run its unit test, `charmcraft pack` to pack it.",
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("cargo charm: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn parse(args: &[String]) -> Result<NewCharm, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("new") => {}
        Some(other) => return Err(format!("unknown command {other:?}")),
        None => return Err("no command".into()),
    }
    let mut name = None;
    let mut kind = Kind::Kubernetes;
    let mut ops = OpsSource::CratesIo;
    let mut dir = None;
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--k8s" => kind = Kind::Kubernetes,
            "--machine" => kind = Kind::Machine,
            "--ops-path" => ops = OpsSource::Path(value("--ops-path")?),
            "--dir" => dir = Some(value("--dir")?),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            _ if name.is_some() => return Err(format!("unexpected argument {arg:?}")),
            _ => name = Some(arg.clone()),
        }
    }
    let name = name.ok_or("no charm name")?;
    let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
    NewCharm::new(&name, kind, ops, dir)
}
