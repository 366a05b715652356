//! The `gostatic` command: parse, run, exit code. See `cli`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
