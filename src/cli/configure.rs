//! `sauce-accounts configure`: saves credentials where saucectl keeps them.

use std::io::{BufRead, IsTerminal, Write};

use clap::Args;

use super::CliError;
use crate::Credentials;
use crate::credentials::{credentials_file, write_credentials_file};

#[derive(Debug, Args)]
pub(super) struct Configure {
    /// The username to save (asked for when absent).
    #[arg(long = "username", value_name = "USERNAME")]
    username: Option<String>,
    /// Read the access key from standard input (else it is asked for without echo on a
    /// terminal; never a flag, which would end up in shell history).
    #[arg(long)]
    access_key_stdin: bool,
}

impl Configure {
    pub(super) fn run(&self) -> Result<(), CliError> {
        let path = credentials_file()
            .ok_or_else(|| CliError::Usage("no home folder (HOME is not set) to keep credentials in".into()))?;
        let stdin = std::io::stdin();
        let on_terminal = stdin.is_terminal() && !self.access_key_stdin;
        let username = match &self.username {
            Some(username) => username.trim().to_string(),
            None => prompt_line("Sauce Labs username: ", on_terminal)?,
        };
        let key = if on_terminal { prompt_hidden("Access key (not shown): ")? } else { prompt_line("", false)? };
        if username.is_empty() || key.is_empty() {
            return Err(CliError::Usage("both a username and an access key are needed".into()));
        }
        write_credentials_file(&path, &Credentials::new(username.clone(), key))?;
        eprintln!("Saved the credentials of {username} to {} (readable only by you).", path.display());
        Ok(())
    }
}

/// One line of standard input, after `prompt` on a terminal.
fn prompt_line(prompt: &str, on_terminal: bool) -> Result<String, CliError> {
    if on_terminal {
        eprint!("{prompt}");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|error| CliError::Usage(error.to_string()))?;
    Ok(line.trim().to_string())
}

/// A line typed without echo: the terminal's echo is turned off with `stty` while it is read.
fn prompt_hidden(prompt: &str) -> Result<String, CliError> {
    let stty = |setting: &str| {
        std::process::Command::new("stty")
            .arg(setting)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !stty("-echo") {
        return Err(CliError::Usage(
            "cannot hide the key on this terminal: pipe it in with --access-key-stdin instead".into(),
        ));
    }
    let line = prompt_line(prompt, true);
    stty("echo");
    eprintln!();
    line
}
