//! Engine events applied to the window's state, and the actions that wait for one. Applying an
//! event never carries out an action: the ones that were waiting for it are given back to the
//! shell, which routes them.

use crate::core::engine::{Command, Event};
use crate::core::job::JobId;
use crate::core::library::journal::JobState;
use crate::msg;

use super::super::cx::{Action, Centre, EditAction, LibraryAction, PaletteSource, PathPurpose};
use super::super::gallery::GalleryView;
use super::super::jobs::{Jobs, Lineage};
use super::super::textures::{ResultKey, TexKey};
use super::library::Library;
use super::notices::text;
use super::services::Services;

/// Actions on a job the window holds only as a gallery tile, waiting for its whole record.
#[derive(Default)]
pub(super) struct Waiting(Vec<Action>);

impl Waiting {
    /// The action, if it can go now; otherwise it waits (the job's record asked for once).
    pub fn hold(&mut self, action: Action, jobs: &mut Jobs, svc: &mut Services) -> Option<Action> {
        let Some(job_id) = needs_job(&action) else {
            return Some(action);
        };
        if jobs.get(job_id).is_some() {
            return Some(action);
        }
        let job_id = JobId::from(job_id);
        if jobs.wants(&job_id) {
            svc.send(Command::Details { job_id });
        }
        self.0.push(action);
        None
    }
}

/// The job whose whole record an action needs (the gallery holds less), if any.
fn needs_job(action: &Action) -> Option<&str> {
    match action {
        Action::Library(
            LibraryAction::AskRetry(id)
            | LibraryAction::AskDelete(id)
            | LibraryAction::ExportSheet(id)
            | LibraryAction::Ask(PathPurpose::Sheet(id))
            | LibraryAction::Answer(PathPurpose::Sheet(id), _),
        )
        | Action::Edit(EditAction::ReuseSettings(id)) => Some(id),
        Action::Edit(
            EditAction::UseAsReference(key) | EditAction::PaletteFrom(PaletteSource::Result(key)),
        )
        | Action::Library(LibraryAction::Ask(PathPurpose::ExportFile(key))) => Some(&key.job_id),
        _ => None,
    }
}

/// What an event may change.
pub(super) struct EventCx<'a> {
    pub library: &'a mut Library,
    pub waiting: &'a mut Waiting,
    pub gallery: &'a mut GalleryView,
    pub centre: &'a Centre,
}

/// Applies one engine event; returns the actions that can go now because of it.
pub(super) fn apply(svc: &mut Services, cx: EventCx<'_>, event: Event) -> Vec<Action> {
    let EventCx {
        library,
        waiting,
        gallery,
        centre,
    } = cx;
    let mut ready = Vec::new();
    match event {
        Event::Library { shelf, live, older } => {
            library.jobs.replace(shelf, live, older);
            library.refresh_search(svc);
        }
        Event::TextHits { generation, jobs } => library.text_hits(svc, generation, jobs),
        Event::Spend(spend) => library.jobs.spend = Some(spend),
        Event::Lineage {
            job_id,
            made_from,
            used_in,
        } => {
            library
                .jobs
                .lineage
                .insert(job_id, Lineage { made_from, used_in });
        }
        Event::Download {
            job_id,
            index,
            progress,
            ..
        } => {
            library.jobs.downloads.insert(job_id, (index, progress));
        }
        Event::Batch(status) => library.jobs.set_batch(*status),
        Event::Batches(all) => {
            library.jobs.set_batches(all);
            library.jobs.batches_stale = false;
        }
        Event::Job(job) => {
            let jobs = &mut library.jobs;
            if let Some(b) = &job.batch
                && !jobs.runs_batch(&b.id)
            {
                jobs.batches_stale = true;
            }
            if job.state != JobState::Downloading {
                jobs.downloads.remove(&job.id);
            }
            let job = *job;
            let job_id = job.id.clone();
            let was = jobs.get(&job.id).map(|j| j.state);
            let before = was.is_some() || jobs.shelved(&job.id).is_some();
            // A completed task is what costs: the month's spend changes.
            let billed = matches!(job.state, JobState::Downloading | JobState::Completed)
                && !matches!(was, Some(JobState::Downloading | JobState::Completed));
            let new_parent = !job.made_from.is_empty() && !before;
            jobs.upsert(job);
            // Actions that waited for this job's whole record.
            ready.extend(
                waiting
                    .0
                    .extract_if(.., |a| needs_job(a) == Some(job_id.as_str())),
            );
            if billed {
                svc.send(Command::Spend);
            }
            if new_parent {
                // Parents' "Used in" changed.
                jobs.lineage.clear();
                if let Centre::Viewer(k) = centre {
                    let job_id = k.job_id.clone();
                    svc.send(Command::Lineage { job_id });
                }
            }
            library.refresh_search(svc);
        }
        Event::Removed { job_id } => {
            library.jobs.remove(&job_id);
            waiting.0.retain(|a| needs_job(a) != Some(job_id.as_str()));
            library.refresh_search(svc);
            gallery.forget_job(&job_id);
            svc.textures.forget_job(&job_id);
            if matches!(centre, Centre::Viewer(k) if k.job_id == job_id) {
                ready.push(super::super::cx::ShowAction::Gallery.into());
            }
        }
        Event::Notice(said) | Event::NotSent(said) => svc.warn(text(said)),
        Event::Thumbnail {
            job_id,
            index,
            image,
        } => {
            let key = TexKey::Thumb(ResultKey::new(job_id, index));
            svc.textures.insert(&svc.ctx, key, &image);
        }
        Event::Exported { paths } => {
            let folder = paths
                .first()
                .and_then(|p| p.parent())
                .map(|d| d.display().to_string())
                .unwrap_or_default();
            svc.say(msg!("app-exported", n = paths.len(), folder = folder));
        }
    }
    ready
}
