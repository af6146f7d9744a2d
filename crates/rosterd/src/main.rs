//! `rosterd`: the server and the operator CLI.

use std::process::ExitCode;

use clap::Parser as _;

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
