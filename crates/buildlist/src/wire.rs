//! The build list's entries as the file spells them, and the conversion to and from the
//! typed [`Entry`] at the border.
//!
//! The wire struct keeps the file byte-for-byte as it always was (field order included):
//! the three source booleans, `skip` as 0 or 1, versions and relations as strings. Reading
//! checks every value and names the entry and the field of the first bad one.

use archport_triage::{Category, Classification};
use archport_vercmp::{PkgName, Relation, Repo, Version};
use serde::{Deserialize, Serialize};

use crate::model::{CycleStage, Entry, FailureRecord, SkipReason, Source};

/// One entry as the file holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Wire {
    name: String,
    basename: String,
    pkgnames: Vec<String>,
    version: String,
    x86_version: String,
    arm_version: Option<String>,
    repo: String,
    tag: Option<String>,
    commit: Option<String>,
    depends: Vec<String>,
    makedepends: Vec<String>,
    checkdepends: Vec<String>,
    provides: Vec<String>,
    force_latest: bool,
    use_aur: bool,
    use_local: bool,
    build_stage: u32,
    cycle_group: Option<u32>,
    cycle_stage: Option<u8>,
    skip: u8,
    skip_reason: Option<String>,
    added_reason: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    ignorearch: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    nocheck: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cause: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

fn text<T: ToString>(items: &[T]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

fn version_text(v: Option<&Version>) -> String {
    v.map(ToString::to_string).unwrap_or_default()
}

impl From<&Entry> for Wire {
    fn from(e: &Entry) -> Wire {
        let (skip, skip_reason) = match &e.skip {
            None => (0, None),
            Some(SkipReason(reason)) => (1, reason.clone()),
        };
        Wire {
            name: e.name.to_string(),
            basename: e.name.to_string(),
            pkgnames: text(&e.pkgnames),
            version: version_text(e.version.as_ref()),
            x86_version: version_text(e.x86_version.as_ref()),
            arm_version: e.arm_version.as_ref().map(ToString::to_string),
            repo: e.repo.to_string(),
            tag: e.tag.clone(),
            commit: e.commit.clone(),
            depends: text(&e.depends),
            makedepends: text(&e.makedepends),
            checkdepends: text(&e.checkdepends),
            provides: text(&e.provides),
            force_latest: e.source == Source::Latest,
            use_aur: e.source == Source::Aur,
            use_local: e.source == Source::Local,
            build_stage: e.build_stage,
            cycle_group: e.cycle_group,
            cycle_stage: e.cycle_stage.map(CycleStage::number),
            skip,
            skip_reason,
            added_reason: e.added_reason.clone(),
            ignorearch: e.ignorearch,
            nocheck: e.nocheck,
            source_url: e.source_url.clone(),
            source_branch: e.source_branch.clone(),
            failure: e.failure.as_ref().map(ToString::to_string),
            category: e.classification.as_ref().map(|c| c.category.to_string()),
            cause: e.classification.as_ref().map(|c| c.cause.clone()),
            log: e.log.clone(),
        }
    }
}

/// `field: problem`, for the entry-level message built by the caller.
fn field<E: std::fmt::Display>(name: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{name}: {e}")
}

fn version(name: &'static str, text: &str) -> Result<Option<Version>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    Version::new(text).map(Some).map_err(field(name))
}

/// A free-text value that must stay on one line (no control characters), as error
/// messages and the console show it.
fn plain(name: &'static str, value: Option<String>) -> Result<Option<String>, String> {
    match value {
        Some(v) if v.is_empty() || v.chars().any(char::is_control) => {
            Err(format!("{name}: empty or holds control characters"))
        }
        v => Ok(v),
    }
}

fn relations(name: &'static str, texts: &[String]) -> Result<Vec<Relation>, String> {
    texts
        .iter()
        .map(|t| t.parse::<Relation>().map_err(field(name)))
        .collect()
}

/// `category` and `cause` as the file holds them: both optional, so lists written before
/// they existed (or by hand) still read; a category must be one of the table's names.
fn classification(
    category: Option<&str>,
    cause: Option<String>,
) -> Result<Option<Classification>, String> {
    let category = category
        .map(str::parse::<Category>)
        .transpose()
        .map_err(field("category"))?;
    Ok(match (category, cause) {
        (None, None) => None,
        (category, cause) => Some(Classification {
            category: category.unwrap_or(Category::Unknown),
            cause: cause.unwrap_or_default(),
        }),
    })
}

impl TryFrom<Wire> for Entry {
    type Error = String;

    fn try_from(w: Wire) -> Result<Entry, String> {
        let name = PkgName::new(&w.name).map_err(field("name"))?;
        let at = |e: String| format!("entry {name}: {e}");
        let convert = || -> Result<Entry, String> {
            if w.basename != w.name {
                return Err(format!(
                    "basename: {:?} differs from name (both are the pkgbase)",
                    w.basename
                ));
            }
            let source = match (w.force_latest, w.use_aur, w.use_local) {
                (false, false, false) => Source::StateTag,
                (true, false, false) => Source::Latest,
                (false, true, false) => Source::Aur,
                (false, false, true) => Source::Local,
                _ => {
                    return Err(
                        "force_latest, use_aur, use_local: at most one may be true".to_owned()
                    );
                }
            };
            let cycle_stage = w
                .cycle_stage
                .map(CycleStage::try_from)
                .transpose()
                .map_err(|n| format!("cycle_stage: {n} is neither 1 nor 2"))?;
            let skip = match (w.skip, w.skip_reason) {
                (0, None) => None,
                (0, Some(_)) => return Err("skip_reason: set on an entry that is built".into()),
                (1, reason) => Some(SkipReason(reason)),
                (n, _) => return Err(format!("skip: {n} is neither 0 nor 1")),
            };
            Ok(Entry {
                pkgnames: w
                    .pkgnames
                    .iter()
                    .map(|n| PkgName::new(n).map_err(field("pkgnames")))
                    .collect::<Result<_, _>>()?,
                version: version("version", &w.version)?,
                x86_version: version("x86_version", &w.x86_version)?,
                arm_version: match &w.arm_version {
                    None => None,
                    Some(v) => Some(Version::new(v).map_err(field("arm_version"))?),
                },
                repo: Repo::new(&w.repo).map_err(field("repo"))?,
                tag: w.tag,
                commit: w.commit,
                depends: relations("depends", &w.depends)?,
                makedepends: relations("makedepends", &w.makedepends)?,
                checkdepends: relations("checkdepends", &w.checkdepends)?,
                provides: relations("provides", &w.provides)?,
                source,
                build_stage: w.build_stage,
                cycle_group: w.cycle_group,
                cycle_stage,
                skip,
                added_reason: w.added_reason,
                ignorearch: w.ignorearch,
                nocheck: w.nocheck,
                source_url: plain("source_url", w.source_url)?,
                source_branch: plain("source_branch", w.source_branch)?,
                failure: w
                    .failure
                    .as_deref()
                    .map(str::parse::<FailureRecord>)
                    .transpose()
                    .map_err(field("failure"))?,
                classification: classification(w.category.as_deref(), w.cause)?,
                log: w.log,
                name: name.clone(),
            })
        };
        convert().map_err(at)
    }
}

impl Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Entry::try_from(Wire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
