#![doc = include_str!("../README.md")]

mod baskets;
mod bench;
mod bench_api;
mod bench_telegram;
mod chaos;
mod cli;
mod cpu;
mod demo;
mod playground;
mod screen;
mod standins;

use clap::Parser as _;

/// mimalloc, not glibc's malloc: the order pipeline allocates and frees
/// buffers per message on every core, where glibc's malloc spent about a
/// tenth of the worker's CPU (`docs/performance.md`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = cli::DevCli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chatorder-dev: could not start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chatorder-dev: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
