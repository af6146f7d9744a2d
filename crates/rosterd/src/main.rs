//! `rosterd`: the server and the operator CLI.

use std::process::ExitCode;

use clap::Parser as _;

/// mimalloc instead of glibc's malloc: allocation and freeing were 15-18% of the server's CPU
/// under 32 clients (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = rosterd::cli::Cli::parse();
    let mut stdout = std::io::stdout();
    match rosterd::cli::run(cli, &mut stdout).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
