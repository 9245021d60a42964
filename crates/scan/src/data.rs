//! Knowledge as data. Every file under the workspace `data/` directory is embedded at build time
//! (see `build.rs`); a directory given with `--data-dir` replaces files of the same relative path
//! and adds new ones, so an air-gapped agency can update fingerprints, credentials or CVE ranges
//! without a new build.

use crate::error::{Error, ErrorKind, Result};
use camwarden_core::model::CheckDef;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_data.rs"));
}

/// All knowledge files, by relative path (`fingerprints/http.toml`, `checks/credentials.toml`…),
/// plus the parsed check definitions.
#[derive(Debug, Clone)]
pub struct Knowledge {
    files: BTreeMap<String, String>,
    pub checks: HashMap<String, CheckDef>,
}

#[derive(serde::Deserialize)]
struct CheckFile {
    #[serde(default)]
    check: Vec<CheckDef>,
}

impl Knowledge {
    /// The knowledge built into the binary.
    pub fn builtin() -> Result<Self> {
        let files = embedded::EMBEDDED
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        Self::from_files(files)
    }

    /// The built-in knowledge with files from `dir` layered on top.
    pub fn with_dir(dir: &Path) -> Result<Self> {
        let mut files: BTreeMap<String, String> = embedded::EMBEDDED
            .iter()
            .map(|(p, c)| (p.to_string(), c.to_string()))
            .collect();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d).map_err(|e| {
                Error::new(
                    ErrorKind::InvalidArgument,
                    format!("data dir {}: {e}", d.display()),
                )
            })?;
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p
                        .strip_prefix(dir)
                        .unwrap_or(&p)
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidArgument,
                            format!("data file {}: {e}", p.display()),
                        )
                    })?;
                    files.insert(rel, text);
                }
            }
        }
        Self::from_files(files)
    }

    fn from_files(files: BTreeMap<String, String>) -> Result<Self> {
        let mut checks = HashMap::new();
        for (path, text) in files.range("checks/".to_string()..) {
            if !path.starts_with("checks/") {
                break;
            }
            if !path.ends_with(".toml") {
                continue;
            }
            let parsed: CheckFile = toml::from_str(text)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("data/{path}: {e}")))?;
            for def in parsed.check {
                if checks.insert(def.id.clone(), def).is_some() {
                    return Err(Error::new(
                        ErrorKind::InvalidArgument,
                        format!("data/{path}: duplicate check id"),
                    ));
                }
            }
        }
        Ok(Knowledge { files, checks })
    }

    /// The contents of one data file.
    pub fn file(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// Every file whose relative path starts with `prefix` (e.g. `fingerprints/`), in path order.
    pub fn files_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.files
            .iter()
            .filter(move |(p, _)| p.starts_with(prefix))
            .map(|(p, c)| (p.as_str(), c.as_str()))
    }
}
