//! The status of the port's builds as a page and a file: `{workdir}/status/index.html` (one
//! self-contained HTML file) and `status.json` (a stable schema for scripts), plus the
//! port-health report of `repo-analyze --html` in the same style.
//!
//! The flow: the queue's [`archport_queue::StatusReport`] and the run's jobs, with the
//! [`Extras`] only the caller has (failure classifications, previous durations, the job
//! graph for the ETA, the [`History`] of earlier runs), go through [`build_status`] into a
//! [`Status`]; [`write_status_dir`] writes it (logs, JSON, page, atomically);
//! [`render_html`] renders the page alone. [`refresh_status_dir`] does all of it from a
//! [`archport_queue::StateStore`] in one call, for every state transition;
//! [`refresh_steps_dir`] does the same for a sequential run kept outside the queue
//! (bootstrap-toolchain's [`StepRun`]), through the same assembly and page.
//! [`write_store_page`] and [`write_steps_page`] render `--status --html FILE` on demand.
//! The ETA simulates the remaining jobs with the schedule crate's simulation.

mod analysis;
mod assemble;
mod chrome;
mod dir;
mod error;
mod eta;
mod failures;
mod history;
mod options;
mod page;
mod refresh;
mod schema;
mod steps;

pub use analysis::{AnalysisContext, render_analysis_html};
pub use assemble::{build_status, log_link};
pub use chrome::escape;
pub use dir::{HISTORY_JSON, INDEX_HTML, LOGS_DIR, STATUS_JSON, write_page_file, write_status_dir};
pub use error::StatusError;
pub use eta::{estimate as estimate_eta, without_graph as eta_without_graph};
pub use failures::classify_failures;
pub use history::History;
pub use options::Extras;
pub use page::render_html;
pub use refresh::{
    current_status, refresh_from_report, refresh_status_dir, refresh_steps_dir, status_of_report,
    write_steps_page, write_store_page,
};
pub use schema::*;
pub use steps::{StepRun, StepStatus};
