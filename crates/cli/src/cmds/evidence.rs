//! `camwarden evidence`: attach documents (a PSIRT policy, a conformity certificate, a support
//! statement, an IXIT…) to a model or a device. Only the reference, its SHA-256 and who added it
//! are stored; documentary requirements take their verdict from them at the next judgement.

use anyhow::Context as _;
use camwarden_store::{DocumentRecord, Store as _};
use sha2::Digest as _;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
}

#[derive(clap::Subcommand, Debug, Clone)]
pub enum Cmd {
    /// Attach a document.
    Add(Box<AddArgs>),
    /// List the documents on record.
    List,
}

#[derive(clap::Args, Debug, Clone)]
pub struct AddArgs {
    /// The model it covers (with --vendor for precision).
    #[arg(long, required_unless_present = "device")]
    model: Option<String>,
    #[arg(long)]
    vendor: Option<String>,
    /// Or the one device it covers (serial, MAC or address).
    #[arg(long, conflicts_with = "model")]
    device: Option<String>,
    /// The requirement it settles, e.g. QCVN135:2024/2.2.1…
    #[arg(long, required_unless_present = "kind")]
    requirement: Option<String>,
    /// …or its kind (vulnerability-disclosure-policy, support-period, conformity-certificate,
    /// ixit, user-manual, privacy-notice…), settling every requirement that accepts it.
    #[arg(long)]
    kind: Option<String>,
    /// The document file (hashed, not copied).
    #[arg(long, required_unless_present = "reference")]
    file: Option<PathBuf>,
    /// Or a reference without a file (URL, conformity certificate number, CO/CQ number); its
    /// SHA-256 is the document's if given with --sha256, else that of the reference text.
    #[arg(long)]
    reference: Option<String>,
    #[arg(long, requires = "reference")]
    sha256: Option<String>,
    /// Who adds it (default $USER).
    #[arg(long, env = "USER", default_value = "unknown")]
    by: String,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let path = args.db.clone().unwrap_or_else(crate::run::default_db_path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    let store = camwarden_store::SqliteStore::open(&path)
        .with_context(|| format!("database {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    match args.cmd {
        Cmd::Add(a) => {
            let AddArgs {
                model,
                vendor,
                device,
                requirement,
                kind,
                file,
                reference,
                sha256,
                by,
            } = *a;
            if let Some(r) = &requirement {
                let known = camwarden_core::frameworks::builtin()
                    .iter()
                    .any(|f| f.requirement(r).is_some());
                if !known {
                    return Err(camwarden_core::Error::invalid(format!(
                        "unknown requirement {r:?} (see `camwarden frameworks show`)"
                    ))
                    .into());
                }
            }
            let (reference, digest) = match (file, reference, sha256) {
                (Some(f), _, _) => {
                    let bytes =
                        std::fs::read(&f).with_context(|| format!("reading {}", f.display()))?;
                    let name = f
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (name, hex::encode(sha2::Sha256::digest(&bytes)))
                }
                (None, Some(r), Some(h)) => (r, h),
                (None, Some(r), None) => {
                    let h = hex::encode(sha2::Sha256::digest(r.as_bytes()));
                    (r, h)
                }
                _ => {
                    return Err(camwarden_core::Error::invalid(
                        "give --file, or --reference with --sha256",
                    )
                    .into());
                }
            };
            let checked = camwarden_core::frameworks::DocumentRef::new(&reference, &digest, &by)?;
            let rec = DocumentRecord {
                id: 0,
                vendor,
                model,
                device_key: device,
                requirement,
                kind,
                reference: checked.reference,
                sha256: checked.sha256,
                added_by: checked.added_by,
                added_at: jiff::Timestamp::now().to_string(),
            };
            let id = store.add_document(&rec)?;
            writeln!(
                out,
                "document {id} recorded: {} sha256 {}",
                rec.reference, rec.sha256
            )?;
        }
        Cmd::List => {
            for d in store.documents()? {
                writeln!(
                    out,
                    "{:>4} {:<28} {:<22} {:<40} {} ({})",
                    d.id,
                    d.requirement.as_deref().or(d.kind.as_deref()).unwrap_or(""),
                    d.model.as_deref().or(d.device_key.as_deref()).unwrap_or(""),
                    d.reference,
                    &d.sha256[..12.min(d.sha256.len())],
                    d.added_by
                )?;
            }
        }
    }
    Ok(())
}
