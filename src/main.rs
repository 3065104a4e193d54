#![doc = include_str!("../README.md")]

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = chatorder::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("chatorder: could not start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(chatorder::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chatorder: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
