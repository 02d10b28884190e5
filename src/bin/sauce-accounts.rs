//! `sauce-accounts`: every Accounts API operation from the shell. See `sauce-accounts --help`.

fn main() -> std::process::ExitCode {
    sauce_accounts::cli::main()
}
