//! The build status page (`status/index.html`): one self-contained file rendered from a
//! [`Status`], every string from a package or a log escaped through the chrome.

use archport_triage::Category;

use crate::chrome::{Html, badge, details, duration, page, section, table, tiles, time};
use crate::schema::{Failed, Status};

/// The page of `status`: header (run, counts, progress bar, ETA), then running, failed,
/// blocked, built, skipped and the last runs. Inline CSS and no external resources, so it
/// works from `file://` and any static host; all content is in the markup, the small
/// script only adds a filter box; the viewport and scrolling tables keep it readable on a
/// phone.
pub fn render_html(status: &Status) -> String {
    let title = format!("archport build run {}", status.run.id);
    page(
        &title,
        header(status),
        Html::concat([
            running(status),
            failed(status),
            blocked(status),
            built(status),
            skipped(status),
            last_runs(status),
        ]),
        status.generated_at,
    )
}

fn count(status: &Status, state: &str) -> usize {
    status.counts.get(state).copied().unwrap_or(0)
}

fn name(pkgbase: &str, cycle_stage: u8) -> Html {
    let text = if cycle_stage == 0 {
        pkgbase.to_owned()
    } else {
        format!("{pkgbase} (stage {cycle_stage})")
    };
    Html::element("b", "", Html::text(&text))
}

fn code(text: &str) -> Html {
    Html::element("code", "", Html::text(text))
}

fn version(text: &str) -> Html {
    Html::element("code", "ver", Html::text(text))
}

fn num(text: &str) -> Html {
    Html::element("span", "num", Html::text(text))
}

fn muted(text: &str) -> Html {
    Html::element("span", "muted", Html::text(text))
}

fn log(link: Option<&str>) -> Html {
    link.map_or_else(|| muted("no log"), |href| Html::link(href, "log"))
}

fn opt_time(at: Option<chrono::DateTime<chrono::Utc>>) -> Html {
    at.map_or_else(|| muted("-"), |at| num(&time(at)))
}

fn header(status: &Status) -> Html {
    let run = &status.run;
    let mut rows = vec![
        ("started", Html::text(&time(run.started_at))),
        (
            "list",
            code(&format!("{} ({})", run.list_path, run.list_timestamp)),
        ),
        ("command", code(&run.command)),
    ];
    if run.hosts.len() > 1 {
        rows.push(("hosts", Html::text(&run.hosts.join(", "))));
    } else if let Some(host) = run.hosts.first() {
        rows.push(("host", Html::text(host)));
    }
    if let Some(resumed) = run.resumed_at {
        rows.push(("resumed", Html::text(&time(resumed))));
    }
    rows.push((
        "finished",
        match (run.finished_at, &run.start_failure) {
            (Some(at), _) => Html::text(&format!(
                "{} (after {})",
                time(at),
                duration(run.elapsed_secs)
            )),
            (None, Some(reason)) => Html::text(&format!("no: failed to start: {reason}")),
            (None, None) => Html::text(&format!(
                "not yet (running for {})",
                duration(run.elapsed_secs)
            )),
        },
    ));
    let dl = Html::concat(rows.into_iter().map(|(term, value)| {
        Html::concat([
            Html::element("dt", "", Html::text(term)),
            Html::element("dd", "", value),
        ])
    }));

    let total = status.total.max(1) as f64;
    let share = |state: &str| count(status, state) as f64 * 100.0 / total;
    let bar = Html::bar(&[
        ("built", share("built")),
        ("failed", share("failed")),
        ("blocked", share("blocked")),
        ("skipped", share("skipped")),
        ("building", share("building")),
    ]);
    let progress = Html::text(&format!(
        "{} of {} jobs done ({:.0}%)",
        status.done,
        status.total,
        status.done as f64 * 100.0 / total
    ));
    let eta = &status.eta;
    let eta_text = match (eta.seconds, eta.finish_at) {
        (Some(secs), _) if eta.remaining == 0 => format!("ETA: done ({secs:.0}s left)"),
        (Some(secs), Some(at)) => format!(
            "ETA: {} left, about {} ({} jobs remaining, simulated on the build slots)",
            duration(secs),
            time(at),
            eta.remaining
        ),
        (Some(secs), None) => format!("ETA: {} left", duration(secs)),
        (None, _) => format!(
            "ETA: unknown, {} ({} jobs remaining)",
            eta.reason.as_deref().unwrap_or("durations unknown"),
            eta.remaining
        ),
    };
    let counts = tiles(&[
        ("built", "built", count(status, "built")),
        ("failed", "failed", count(status, "failed")),
        ("blocked", "blocked", count(status, "blocked")),
        ("skipped", "skipped", count(status, "skipped")),
        ("building", "building", count(status, "building")),
        ("queued", "queued", count(status, "queued")),
        ("interrupted", "interrupted", count(status, "interrupted")),
    ]);
    Html::concat([
        Html::element("dl", "", dl),
        counts,
        bar,
        Html::element("div", "progress", progress),
        Html::element("div", "eta", Html::text(&eta_text)),
    ])
}

fn running(status: &Status) -> Html {
    let rows = status
        .running
        .iter()
        .map(|job| {
            let elapsed = match job.previous_secs {
                Some(previous) => format!(
                    "{} of {} last time",
                    duration(job.elapsed_secs),
                    duration(previous)
                ),
                None => format!("{} (first build)", duration(job.elapsed_secs)),
            };
            vec![
                Html::text(&job.host),
                num(&job.slot.map_or_else(|| "?".to_owned(), |s| s.to_string())),
                name(&job.pkgbase, job.cycle_stage),
                version(&job.version),
                Html::text(job.phase.as_deref().unwrap_or("build")),
                num(&elapsed),
                num(&job.attempt.to_string()),
                log(job.log.as_deref()),
            ]
        })
        .collect();
    section(
        "building",
        "Running",
        status.running.len(),
        table(
            &[
                "host", "slot", "package", "version", "phase", "elapsed", "attempt", "log",
            ],
            rows,
        ),
    )
}

fn failure_row(job: &Failed) -> Vec<Html> {
    let since = match job.failing_since {
        Some(at) => Html::text(&format!("failing since {}", time(at))),
        None => muted("first time"),
    };
    vec![
        name(&job.pkgbase, job.cycle_stage),
        version(&job.version),
        badge(job.category.as_str()),
        Html::element("span", "cause", Html::text(&job.cause)),
        Html::text(job.phase.as_deref().unwrap_or("-")),
        num(&job.attempt.to_string()),
        since,
        num(&job.blocks.to_string()),
        log(job.log.as_deref()),
    ]
}

fn failed(status: &Status) -> Html {
    let summary: Vec<Html> = Category::ALL
        .into_iter()
        .filter_map(|category| {
            let n = status.categories.get(&category).copied().unwrap_or(0);
            (n > 0).then(|| Html::concat([badge(category.as_str()), Html::text(&format!(" {n}"))]))
        })
        .collect();
    let body = Html::concat([
        Html::element("p", "", Html::join(summary, " &nbsp; ")),
        table(
            &[
                "package", "version", "category", "cause", "phase", "attempt", "since", "blocks",
                "log",
            ],
            status.failed.iter().map(failure_row).collect(),
        ),
    ]);
    section("failed", "Failed", status.failed.len(), body)
}

fn blocked(status: &Status) -> Html {
    let count = status.blocked.iter().map(|g| g.packages.len()).sum();
    let groups = status.blocked.iter().map(|group| {
        let category = group.category.map_or_else(Html::default, |c| {
            Html::concat([Html::markup(" "), badge(c.as_str())])
        });
        let names = Html::join(
            group.packages.iter().map(|p| {
                Html::concat([
                    name(&p.pkgbase, p.cycle_stage),
                    Html::text(" "),
                    version(&p.version),
                ])
            }),
            ", ",
        );
        details(
            Html::concat([
                Html::text(&format!("{} blocked by ", group.packages.len())),
                Html::element("b", "", Html::text(&group.blocker)),
                category,
            ]),
            Html::element("p", "", names),
        )
    });
    section("blocked", "Blocked", count, Html::concat(groups))
}

fn built(status: &Status) -> Html {
    let rows = status
        .built
        .iter()
        .map(|job| {
            vec![
                name(&job.pkgbase, job.cycle_stage),
                version(&job.version),
                num(&job.duration_secs.map_or_else(|| "-".to_owned(), duration)),
                Html::text(&job.repo),
                opt_time(job.finished_at),
                log(job.log.as_deref()),
            ]
        })
        .collect();
    section(
        "built",
        "Built",
        status.built.len(),
        table(
            &[
                "package",
                "version",
                "duration",
                "published to",
                "finished",
                "log",
            ],
            rows,
        ),
    )
}

fn skipped(status: &Status) -> Html {
    let rows = status
        .skipped
        .iter()
        .map(|job| {
            vec![
                name(&job.pkgbase, job.cycle_stage),
                version(&job.version),
                Html::text(job.reason.as_deref().unwrap_or("-")),
            ]
        })
        .collect();
    section(
        "skipped",
        "Skipped",
        status.skipped.len(),
        table(&["package", "version", "reason"], rows),
    )
}

fn last_runs(status: &Status) -> Html {
    let rows = status
        .last_runs
        .iter()
        .map(|run| {
            let counts: Vec<String> = ["built", "failed", "blocked", "skipped"]
                .into_iter()
                .map(|state| format!("{} {state}", run.counts.get(state).copied().unwrap_or(0)))
                .collect();
            vec![
                num(&run.id.to_string()),
                num(&time(run.started_at)),
                num(&duration(run.elapsed_secs)),
                Html::text(if run.finished_at.is_some() {
                    "finished"
                } else {
                    "stopped"
                }),
                Html::text(&counts.join(", ")),
                code(&run.command),
            ]
        })
        .collect();
    section(
        "runs",
        "Last runs",
        status.last_runs.len(),
        table(&["run", "started", "took", "end", "jobs", "command"], rows),
    )
}
