//! Fetching PKGBUILDs on a bounded pool of threads and reading their `.SRCINFO`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use archport_buildlist::Source;
use archport_config::{PackageSource, Workdir};
use archport_pkgsrc::{
    FetchMode, FetchOutcome, FetchRequest, Makepkg, SrcInfo, aur_url, fetch_following,
    packaging_url, read_srcinfo,
};
use archport_vercmp::{PkgName, Version, parse_relations};

use crate::build_products::{downloaded_sources, is_build_product};
use crate::candidate::Candidate;
use crate::console::Console;

/// What the fetch step needs to know.
pub(crate) struct FetchContext<'a> {
    /// The work directory, whose `pkgbuilds/` holds the checkouts.
    pub workdir: Workdir,
    /// Target `CARCH`, for merging `.SRCINFO`.
    pub arch: &'a str,
    /// Official packaging URL template (`{path}`).
    pub packaging_url: &'a str,
    /// AUR URL template (`{pkgbase}`).
    pub aur_url: &'a str,
    /// How to run `makepkg --printsrcinfo` for checkouts without `.SRCINFO`.
    pub makepkg: Makepkg,
    /// `--no-update`: use existing checkouts, no git.
    pub no_update: bool,
    /// At most this many fetches at once.
    pub jobs: usize,
    /// Where progress goes.
    pub console: &'a Console,
}

/// A fetch to run: what the worker thread needs, owned.
struct Job {
    index: usize,
    pkgbase: PkgName,
    version: String,
    commit: Option<String>,
    mode: FetchMode,
    url: String,
    branch: Option<String>,
}

/// Points the candidates with a per-package source (`[overrides.<pkgbase>]`) at it: the
/// branch head of the port's own repository, whose version the `.SRCINFO` tells. Named
/// `--local`/`--aur` requests keep their source.
pub(crate) fn use_package_sources(
    sources: &BTreeMap<String, PackageSource>,
    candidates: &mut [Candidate],
) {
    for c in candidates {
        if !matches!(c.entry.source, Source::StateTag | Source::Latest) {
            continue;
        }
        if let Some(source) = sources.get(c.name()) {
            c.entry.source = Source::Latest;
            c.entry.source_url = Some(source.url.clone());
            c.entry.source_branch = source.branch.clone();
            // The state repository's tag and commit are of Arch's repository, not of the
            // fork: the commit is the branch head, known once fetched.
            c.entry.tag = None;
            c.entry.commit = None;
            c.state_commit = None;
        }
    }
}

/// The mode and URL of a candidate's fetch.
pub(crate) fn plan_fetch(
    ctx: &FetchContext<'_>,
    c: &Candidate,
) -> Result<(FetchMode, String), String> {
    let name = &c.entry.name;
    let mode = match c.entry.source {
        Source::Local => FetchMode::Local,
        _ if ctx.no_update => FetchMode::NoUpdate,
        Source::Aur => FetchMode::Aur,
        Source::Latest => FetchMode::Latest,
        Source::StateTag => FetchMode::Tag,
    };
    if let Some(url) = &c.entry.source_url {
        return Ok((mode, url.clone()));
    }
    let url = match mode {
        FetchMode::Aur => aur_url(ctx.aur_url, name),
        _ => packaging_url(ctx.packaging_url, name),
    }
    .map_err(|e| e.to_string())?;
    Ok((mode, url))
}

/// Fetches the candidates at `indices` concurrently (at most `ctx.jobs` at once), printing
/// each progress line whole when its package is done, then reads each `.SRCINFO` into the
/// candidate. A failure marks the candidate skipped with the reason; the returned list
/// names the failures `(pkgbase, reason)`.
pub(crate) fn fetch_all(
    ctx: &FetchContext<'_>,
    candidates: &mut [Candidate],
    indices: &[usize],
) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    for &i in indices {
        let c = &candidates[i];
        match plan_fetch(ctx, c).map(|(mode, url)| Job {
            index: i,
            pkgbase: c.entry.name.clone(),
            version: c.entry.version_text().to_owned(),
            commit: c.state_commit.clone(),
            mode,
            url,
            branch: c.entry.source_branch.clone(),
        }) {
            Ok(job) => jobs.push(job),
            Err(reason) => failures.push((i, reason)),
        }
    }
    if !jobs.is_empty() {
        let _ = std::fs::create_dir_all(ctx.workdir.pkgbuilds());
    }
    let bar = ctx
        .console
        .progress(jobs.len() as u64, "Fetching PKGBUILDs");
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<(usize, Result<(FetchOutcome, SrcInfo), String>)>();
    let workers = ctx.jobs.max(1).min(jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let tx = tx.clone();
            let jobs = &jobs;
            let next = &next;
            scope.spawn(move || {
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    let Some(job) = jobs.get(n) else { break };
                    let result = run_job(ctx, job);
                    if tx.send((job.index, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (index, result) in rx {
            bar.inc(1);
            match result {
                Ok((outcome, srcinfo)) => {
                    ctx.console.line_above(&bar, &outcome.progress.to_string());
                    for warning in &outcome.warnings {
                        ctx.console.warn_above(&bar, &warning.to_string());
                    }
                    if !outcome.carried_changes.is_empty() {
                        ctx.console.line_above(
                            &bar,
                            &format!(
                                "  {}: local changes carried over: {}",
                                candidates[index].name(),
                                outcome.carried_changes.join(", ")
                            ),
                        );
                    }
                    let as_is = outcome.commit.is_none();
                    match apply(&mut candidates[index], outcome.commit, srcinfo, as_is) {
                        Ok(warnings) => {
                            for warning in warnings {
                                ctx.console.warn_above(&bar, &warning);
                            }
                        }
                        Err(reason) => failures.push((index, reason)),
                    }
                }
                Err(reason) => failures.push((index, reason)),
            }
        }
    });
    bar.finish_and_clear();
    failures.sort();
    failures
        .into_iter()
        .map(|(i, reason)| fail(ctx, &mut candidates[i], reason))
        .collect()
}

/// Marks `c` skipped because its PKGBUILD could not be had, warning about it; returns
/// `(pkgbase, reason)` for the caller. The warning names the pkgbase first; the skip reason,
/// which sits in the pkgbase's own entry, does not repeat it.
pub(crate) fn fail(ctx: &FetchContext<'_>, c: &mut Candidate, reason: String) -> (String, String) {
    // The fetch errors name the pkgbase first; the others (paths, URLs) do not.
    let bare = reason
        .strip_prefix(&format!("{}: ", c.name()))
        .map_or(reason.clone(), str::to_owned);
    ctx.console.warn(&format!("{}: {bare}", c.name()));
    c.skip(format!("fetch failed: {bare}"));
    (c.name().to_owned(), bare)
}

fn run_job(ctx: &FetchContext<'_>, job: &Job) -> Result<(FetchOutcome, SrcInfo), String> {
    // The sources of the version checked out before the update were downloaded under the
    // old names; those of the new one may be there too. A .SRCINFO that cannot be read
    // safely names no sources; read_srcinfo reports it below.
    let srcinfo_text = |dir: &std::path::Path| {
        archport_pkgsrc::read_srcinfo_file(dir)
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    let mut sources = downloaded_sources(&srcinfo_text(
        &ctx.workdir.pkgbuild_dir(job.pkgbase.as_str()),
    ));
    let mut outcome = fetch_following(
        &FetchRequest {
            pkgbase: &job.pkgbase,
            version: &job.version,
            commit: job.commit.as_deref(),
            mode: job.mode,
            url: job.url.clone(),
            dest_root: &ctx.workdir.pkgbuilds(),
        },
        job.branch.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    if !outcome.carried_changes.is_empty() {
        sources.extend(downloaded_sources(&srcinfo_text(&outcome.dir)));
        outcome
            .carried_changes
            .retain(|path| !is_build_product(path, &sources));
    }
    let srcinfo = read_srcinfo(&outcome.dir, ctx.arch, &ctx.makepkg).map_err(|e| e.to_string())?;
    if srcinfo.pkgbase != job.pkgbase.as_str() {
        return Err(format!(
            "{}: .SRCINFO is for pkgbase {:?}",
            outcome.dir.display(),
            srcinfo.pkgbase
        ));
    }
    Ok((outcome, srcinfo))
}

/// Replaces the database metadata with the `.SRCINFO`'s. `commit` is the commit checked
/// out, when git was asked; `as_is` says the checkout was used without git (`--no-update`,
/// `--local`), so its version is whatever it holds. Returns the warnings: a checkout kept
/// as it is holding another version than the one x86_64 has, and each relation that does
/// not parse (left out, under the policy documented on `Relation`). A version or a pkgname
/// that is not valid fails the candidate.
pub(crate) fn apply(
    c: &mut Candidate,
    commit: Option<String>,
    s: SrcInfo,
    as_is: bool,
) -> Result<Vec<String>, String> {
    let mut warnings = Vec::new();
    let path = |e: &dyn std::fmt::Display| format!(".SRCINFO: {e}");
    let version = Version::new(&s.version).map_err(|e| path(&e))?;
    let pkgnames = s
        .pkgnames
        .iter()
        .map(|n| PkgName::new(n).map_err(|e| path(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    let e = &mut c.entry;
    let mut relations = |kind: &str, texts: &[String]| {
        parse_relations(texts.iter().map(String::as_str), |bad| {
            warnings.push(format!("{}: .SRCINFO {kind}: {bad}; left out", e.name));
        })
    };
    let depends = relations("depends", &s.depends);
    let makedepends = relations("makedepends", &s.makedepends);
    let checkdepends = relations("checkdepends", &s.checkdepends);
    let provides = relations("provides", &s.provides);
    if e.source != Source::StateTag || e.version.is_none() {
        e.version = Some(version.clone());
        e.tag = None;
        if e.x86_version.is_none() {
            e.x86_version = Some(version);
        }
    } else if as_is && e.version.as_ref() != Some(&version) {
        // The list must describe what will be built: the checkout, not the wanted version.
        warnings.push(format!(
            "{}: the checkout holds {} and is kept as it is (--no-update); x86_64 has {}",
            e.name,
            version,
            e.version_text()
        ));
        e.version = Some(version);
        e.tag = None;
        e.commit = None;
    }
    if let Some(commit) = commit {
        e.commit = Some(commit);
    } else if e.source == Source::Local {
        e.commit = None;
    }
    e.pkgnames = pkgnames;
    e.depends = depends;
    e.makedepends = makedepends;
    e.checkdepends = checkdepends;
    e.provides = provides;
    e.ignorearch = s.needs_ignorearch;
    c.has_srcinfo = true;
    Ok(warnings)
}
