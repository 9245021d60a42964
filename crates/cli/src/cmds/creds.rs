//! `camwarden creds`: keep the owner's credentials for credentialed audits sealed at rest.
//! `seal` encrypts a plain credentials file (then delete the plain one); `check` opens a file
//! and reports how many entries it holds, never their contents.

use anyhow::Context as _;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Encrypt a plain TOML credentials file with a passphrase (CAMWARDEN_PASSPHRASE or prompt).
    Seal {
        /// The plain file.
        input: PathBuf,
        /// Where to write the sealed file.
        #[arg(long, short)]
        out: PathBuf,
    },
    /// Open a credentials file (sealed or plain) and say how many entries it has.
    Check { file: PathBuf },
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    match args.cmd {
        Cmd::Seal { input, out } => {
            let plain = std::fs::read_to_string(&input)
                .with_context(|| format!("reading {}", input.display()))?;
            // Refuse to seal something that would not load later.
            let parsed = crate::creds::Credentials::from_toml(&plain)?;
            let pass = crate::creds::passphrase("Passphrase to seal with: ")?;
            if pass.chars().count() < 8 {
                return Err(camwarden_core::Error::invalid(
                    "use a passphrase of at least 8 characters",
                )
                .into());
            }
            let sealed = crate::creds::seal(&plain, &pass)?;
            std::fs::write(&out, sealed).with_context(|| format!("writing {}", out.display()))?;
            writeln!(
                std::io::stdout(),
                "sealed {} entries into {}; delete the plain file {}",
                parsed.len(),
                out.display(),
                input.display()
            )?;
        }
        Cmd::Check { file } => {
            let c = crate::creds::Credentials::load(&file)?;
            writeln!(
                std::io::stdout(),
                "{}: {} entries, readable",
                file.display(),
                c.len()
            )?;
        }
    }
    Ok(())
}
