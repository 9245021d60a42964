//! `camwarden frameworks`: the requirement catalogs built in.

use std::io::Write as _;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Cmd {
    /// List the frameworks with their status and size.
    List,
    /// Show one framework's requirements.
    Show {
        id: String,
        #[arg(long, default_value = "vi")]
        lang: String,
    },
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match args.cmd {
        Cmd::List => {
            for f in camwarden_core::frameworks::builtin() {
                writeln!(
                    out,
                    "{:<16} rev {:<2} {:>3} requirements  {:?}  {}",
                    f.id(),
                    f.framework.revision,
                    f.requirements.len(),
                    f.framework.status,
                    f.framework.title_en
                )?;
            }
        }
        Cmd::Show { id, lang } => {
            let en = lang == "en";
            let fw = crate::conformity::select(std::slice::from_ref(&id))?.remove(0);
            writeln!(
                out,
                "{}",
                if en {
                    &fw.framework.title_en
                } else {
                    &fw.framework.title_vi
                }
            )?;
            for r in &fw.requirements {
                writeln!(
                    out,
                    "{:<22} {:<22} {}",
                    r.id,
                    r.method.as_str(),
                    if en { &r.title_en } else { &r.title_vi }
                )?;
            }
        }
    }
    Ok(())
}
