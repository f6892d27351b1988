//! Editing the compose form beyond its plain fields: references (links, files, pasted images,
//! earlier results), their boxes, the colour palette, the eyedropper and the named palettes, undo
//! and redo, and filling the form from an earlier request. [`EditAction`]s land here.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use crate::core::api::request::GenerationRequest;
use crate::core::api::rules::{MAX_REFERENCES, reference_url_problem};
use crate::core::draft::{Draft, Reference, label_for_url};
use crate::core::job::JobId;
use crate::core::library::result_link;
use crate::core::palette::Palette;
use crate::core::palette::palettes::SavedPalettes;
use crate::core::presets::{Preset, SavedPresets};
use crate::core::references::hosting::{file_reference, local_file};
use crate::core::text::i18n::{Arg, Message};
use crate::core::undo::Undo;
use crate::msg;

use super::super::cx::{Centre, Dropper, Edit, EditAction, PaletteSource, PathPurpose, Step};
use super::super::dialogs::{Confirm, Picked};
use super::super::jobs::Jobs;
use super::super::region_editor::EditorView;
use super::super::textures::ResultKey;
use super::chores::{Done, EditingDone};
use super::notices::{failed, text};
use super::services::Services;

/// References and palette, for undo and redo.
#[derive(Debug, Clone, PartialEq)]
struct EditSnapshot {
    references: Vec<Reference>,
    palette: Palette,
    palette_on: bool,
}

/// What an edit changes besides the editing area's own state: the form, what fills the centre
/// (the editor follows its reference), and the region editor's selection.
pub(super) struct Form<'a> {
    pub draft: &'a mut Draft,
    pub centre: &'a mut Centre,
    pub editor: &'a mut EditorView,
}

impl Form<'_> {
    /// The same form, for one more call.
    fn reborrow(&mut self) -> Form<'_> {
        Form {
            draft: self.draft,
            centre: self.centre,
            editor: self.editor,
        }
    }
}

/// The editing area.
#[derive(Default)]
pub(super) struct Editing {
    undo: Undo<EditSnapshot>,
    /// The palettes the artist has named and kept.
    pub palettes: SavedPalettes,
    /// The form's settings the artist has named and kept.
    pub presets: SavedPresets,
    /// The palette colour the eyedropper sets, while armed.
    picking: Option<usize>,
    /// The colour the eyedropper's toolbar button arms it for.
    picking_target: usize,
}

impl Editing {
    /// The eyedropper as views see it.
    pub fn dropper(&self, draft: &Draft) -> Dropper {
        Dropper {
            armed: self.picking,
            target: self.picking_target,
            swatches: draft.palette.len(),
            blocked: draft.why_no_palette(),
        }
    }

    /// Puts the eyedropper down; false when it was not armed.
    pub fn put_down_dropper(&mut self) -> bool {
        self.picking.take().is_some()
    }

    /// Carries out an [`EditAction`]. `jobs` is the library the window holds (an earlier result
    /// as a reference, its settings, its palette).
    pub fn handle(&mut self, svc: &mut Services, form: Form<'_>, jobs: &Jobs, action: EditAction) {
        match action {
            EditAction::Change { edit, step } => self.edit(svc, form, edit, step),
            EditAction::Undo => {
                let now = snapshot(form.draft);
                if let Some(s) = self.undo.undo(now) {
                    restore(form, s);
                }
            }
            EditAction::Redo => {
                let now = snapshot(form.draft);
                if let Some(s) = self.undo.redo(now) {
                    restore(form, s);
                }
            }
            EditAction::AddReferenceUrl { url, label } => {
                self.add_reference(svc, form, &url, label, None);
            }
            EditAction::AddReferenceFiles(paths) => self.add_reference_files(svc, form, paths),
            EditAction::UseFileAsReference(path) => self.add_files_now(svc, form, vec![path]),
            EditAction::PastedImage(image) => paste_image(svc, &image),
            EditAction::RestoreSettings(request) => {
                self.restore_form(form, &request);
                svc.say(Message::new("note-settings-restored"));
            }
            EditAction::UseAsReference(key) => self.use_as_reference(svc, form, jobs, &key),
            EditAction::ReuseSettings(job_id) => self.reuse_settings(svc, form, jobs, &job_id),
            EditAction::PaletteFrom(source) => palette_from(svc, form.draft, jobs, &source),
            EditAction::Eyedropper(swatch) => {
                self.picking = swatch;
                if let Some(i) = swatch {
                    self.picking_target = i;
                }
            }
            EditAction::PickColour { swatch, rgb } => self.pick_colour(svc, form, swatch, rgb),
            EditAction::SavePalette(name) => self.save_palette(svc, form.draft, &name),
            EditAction::LoadPalette(name) => {
                if let Some(p) = self.palettes.get(&name).cloned() {
                    self.set_palette(svc, form, p);
                    svc.say(msg!("app-palette-loaded", name = name));
                }
            }
            EditAction::DeletePalette(name) => {
                if self.palettes.remove(&name) {
                    self.save_palettes(svc);
                    svc.say(msg!("app-palette-deleted", name = name));
                }
            }
            EditAction::SavePreset(name) => self.save_preset(svc, form.draft, &name),
            EditAction::LoadPreset(name) => {
                if let Some(p) = self.presets.get(&name) {
                    p.apply(form.draft);
                    svc.say(msg!("app-preset-loaded", name = name));
                }
            }
            EditAction::DeletePreset(name) => {
                if self.presets.remove(&name) {
                    self.save_presets(svc);
                    svc.say(msg!("app-preset-deleted", name = name));
                }
            }
            EditAction::RenamePreset { from, to } => match self.presets.rename(&from, &to) {
                Ok(()) => {
                    self.save_presets(svc);
                    let to = crate::core::store::tidy_name(&to);
                    svc.say(msg!("app-preset-renamed", from = from, to = to));
                }
                Err(e) => svc.warn(failed("err-preset-rename", e)),
            },
        }
    }

    /// A chore of editing's finished.
    pub fn finished(&mut self, svc: &mut Services, form: Form<'_>, done: EditingDone) {
        match done {
            EditingDone::LookedAt(files) => {
                let mut plain = Vec::new();
                for (path, made) in files {
                    match made {
                        // One question at a time; others are added as references.
                        Some(request) if svc.modals.confirm.is_none() => {
                            svc.modals.confirm = Some(Confirm::MadeHere {
                                path,
                                request: Box::new(request),
                            });
                        }
                        _ => plain.push(path),
                    }
                }
                self.add_files_now(svc, form, plain);
            }
            EditingDone::PresetsRead(read, path) => match self.presets.merge(read) {
                Ok(n) => {
                    self.save_presets(svc);
                    let file = path.display().to_string();
                    svc.say(msg!("app-presets-imported", n = n, file = file));
                }
                Err(e) => svc.warn(failed("err-presets-import", e)),
            },
            EditingDone::Palette(palette) => {
                self.set_palette(svc, form, palette);
                svc.say(Message::new("note-palette-taken"));
            }
        }
    }

    fn edit(&mut self, svc: &mut Services, form: Form<'_>, edit: Edit, step: Step) {
        let Form { draft, centre, .. } = form;
        if step == Step::New {
            self.undo.record(snapshot(draft));
        }
        match edit {
            Edit::SetBoxes { reference, boxes } => {
                if let Some(r) = draft.references.get_mut(reference) {
                    r.boxes = boxes;
                }
            }
            Edit::Palette(p) => draft.palette = p,
            Edit::PaletteOn(on) => draft.palette_on = on,
            Edit::AddReference(r) => draft.references.push(r),
            Edit::RemoveReference(i) if i < draft.references.len() => {
                draft.references.remove(i);
                *centre = match centre.clone() {
                    Centre::Editor { reference } if reference == i => Centre::Gallery,
                    Centre::Editor { reference } if reference > i => Centre::Editor {
                        reference: reference - 1,
                    },
                    other => other,
                };
                svc.say(Message::new("note-reference-removed"));
            }
            Edit::MoveReference { from, to }
                if from < draft.references.len() && to < draft.references.len() =>
            {
                let r = draft.references.remove(from);
                draft.references.insert(to, r);
                if *centre == (Centre::Editor { reference: from }) {
                    *centre = Centre::Editor { reference: to };
                }
            }
            Edit::RemoveReference(_) | Edit::MoveReference { .. } => {}
        }
    }

    /// Adds a reference by link, or says why it cannot be used; `from_result` names the earlier
    /// result it is, for the new job's lineage.
    fn add_reference(
        &mut self,
        svc: &mut Services,
        form: Form<'_>,
        url: &str,
        label: Option<String>,
        from_result: Option<(JobId, u32)>,
    ) {
        let url = url.trim();
        if form.draft.references.len() >= MAX_REFERENCES {
            svc.warn(msg!("app-references-full", max = MAX_REFERENCES));
            return;
        }
        // A result's local copy (its link has expired) comes as a file:// reference.
        if local_file(url).is_none()
            && let Some(why) = reference_url_problem(url)
        {
            svc.warn(msg!("app-bad-link", why = Arg::English(why)));
            return;
        }
        let label = label.unwrap_or_else(|| label_for_url(url));
        let mut reference = Reference::new(url, label);
        reference.from_result = from_result;
        self.edit(svc, form, Edit::AddReference(reference), Step::New);
    }

    /// Adds files on this computer as references. A PNG is looked at first (off the UI thread): one
    /// Wan Studio made asks whether to use it as a reference or restore its settings.
    pub fn add_reference_files(&mut self, svc: &mut Services, form: Form<'_>, paths: Vec<PathBuf>) {
        let (pngs, others): (Vec<PathBuf>, Vec<PathBuf>) = paths
            .into_iter()
            .partition(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")));
        self.add_files_now(svc, form, others);
        if pngs.is_empty() {
            return;
        }
        svc.chores.run(async move {
            let looked = tokio::task::spawn_blocking(move || {
                pngs.into_iter()
                    .map(|p| {
                        let made = std::fs::read(&p)
                            .ok()
                            .and_then(|b| crate::core::library::made_here(&b));
                        (p, made)
                    })
                    .collect::<Vec<_>>()
            })
            .await;
            match looked {
                Ok(files) => Done::Editing(EditingDone::LookedAt(files)),
                Err(e) => Done::Failed(failed("err-look", e)),
            }
        });
    }

    /// Adds files as references, one undo step each; they are prepared (and anything that cannot
    /// be sent is said on their card) as they load.
    fn add_files_now(&mut self, svc: &mut Services, mut form: Form<'_>, paths: Vec<PathBuf>) {
        for path in paths {
            if form.draft.references.len() >= MAX_REFERENCES {
                svc.warn(msg!(
                    "app-reference-not-added",
                    max = MAX_REFERENCES,
                    file = path.display().to_string()
                ));
                continue;
            }
            let Some(url) = file_reference(&path) else {
                svc.warn(msg!("note-not-a-path", path = path.display().to_string()));
                continue;
            };
            let label = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let edit = Edit::AddReference(Reference::new(url, label));
            self.edit(svc, form.reborrow(), edit, Step::New);
        }
    }

    fn use_as_reference(
        &mut self,
        svc: &mut Services,
        form: Form<'_>,
        jobs: &Jobs,
        key: &ResultKey,
    ) {
        let Some(job) = jobs.get(&key.job_id) else {
            return;
        };
        match result_link(job, key.index) {
            Ok(url) => {
                self.add_reference(
                    svc,
                    form,
                    &url,
                    Some(format!("result {}", key.index + 1)),
                    Some((key.job_id.clone(), key.index)),
                );
                svc.say(Message::new("note-added-reference"));
            }
            Err(why) => svc.warn(text(why)),
        }
    }

    /// Restores the whole compose form from a job, seed included (undo brings back its references
    /// and palette).
    fn reuse_settings(&mut self, svc: &mut Services, form: Form<'_>, jobs: &Jobs, job_id: &str) {
        let Some(job) = jobs.get(job_id) else {
            return;
        };
        let request = job.request.clone();
        let made_from = job.made_from.clone();
        let siblings = job.results.len();
        let draft = self.restore_form(form, &request);
        if siblings > 1 {
            // One image of several: what comes back is the whole request that made them all.
            let seed = request.seed.map_or_else(
                || Arg::Msg(Box::new(Message::new("viewer-seed-random"))),
                |s| Arg::Text(s.to_string()),
            );
            svc.say(msg!("app-restored-whole", n = request.n, seed = seed));
        } else {
            svc.say(Message::new("note-settings-restored"));
        }
        // The chain goes on: references that were earlier results still are.
        for parent in made_from {
            if let Some(r) = usize::try_from(parent.slot)
                .ok()
                .and_then(|slot| draft.references.get_mut(slot))
            {
                r.from_result = Some((parent.job_id, parent.index));
            }
        }
    }

    /// Restores the whole compose form from a request, seed included (one undo step).
    fn restore_form<'a>(&mut self, form: Form<'a>, request: &GenerationRequest) -> &'a mut Draft {
        let Form { draft, centre, .. } = form;
        self.undo.record(snapshot(draft));
        *draft = Draft::from_request(request);
        if matches!(centre, Centre::Editor { .. }) {
            *centre = Centre::Gallery;
        }
        draft
    }

    /// Puts a palette in the form and turns the palette on: one undo step.
    fn set_palette(&mut self, svc: &mut Services, mut form: Form<'_>, palette: Palette) {
        let on = form.draft.palette_on;
        self.edit(svc, form.reborrow(), Edit::Palette(palette), Step::New);
        if !on {
            self.edit(svc, form, Edit::PaletteOn(true), Step::Continue);
        }
    }

    /// The eyedropper's colour into one colour of the palette (turned on if it was off): one undo
    /// step. The eyedropper stays armed for the next pick.
    fn pick_colour(&mut self, svc: &mut Services, form: Form<'_>, swatch: usize, rgb: [u8; 3]) {
        if let Some(why) = form.draft.why_no_palette() {
            self.picking = None;
            svc.warn(Message::new(why));
            return;
        }
        let mut next = form.draft.palette.clone();
        let swatch = swatch.min(next.len().saturating_sub(1));
        if let Err(e) = next.set_colour(swatch, rgb) {
            svc.warn(failed("err-colour-palette", e));
            return;
        }
        self.set_palette(svc, form, next);
        self.picking_target = swatch;
        svc.say(msg!(
            "note-colour-set",
            n = swatch + 1,
            hex = format!("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2])
        ));
    }

    /// Keeps the form's palette under `name`, then writes the list off the UI thread.
    fn save_palette(&mut self, svc: &mut Services, draft: &Draft, name: &str) {
        match self.palettes.put(name, draft.palette.clone()) {
            Ok(replaced) => {
                self.save_palettes(svc);
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                svc.say(if replaced {
                    msg!("app-palette-replaced", name = name)
                } else {
                    msg!("app-palette-saved", name = name)
                });
            }
            Err(e) => svc.warn(failed("err-palette-save", e)),
        }
    }

    /// Keeps the form's settings as the preset `name`, then writes the list off the UI thread.
    fn save_preset(&mut self, svc: &mut Services, draft: &Draft, name: &str) {
        match self.presets.put(name, Preset::of(draft)) {
            Ok(replaced) => {
                self.save_presets(svc);
                let name = crate::core::store::tidy_name(name);
                svc.say(if replaced {
                    msg!("app-preset-replaced", name = name)
                } else {
                    msg!("app-preset-saved", name = name)
                });
            }
            Err(e) => svc.warn(failed("err-preset-save", e)),
        }
    }

    /// A presets file the artist chose: every kept preset written to it, or its presets read
    /// (off the UI thread) to add. A typed path never replaces a file; a native dialog asked.
    pub fn presets_file(
        &mut self,
        svc: &mut Services,
        purpose: &PathPurpose,
        path: PathBuf,
        may_replace: bool,
    ) {
        match purpose {
            PathPurpose::PresetsExport => {
                let presets = self.presets.clone();
                let n = presets.len();
                svc.chores.run(async move {
                    let file = path.display().to_string();
                    let written = tokio::task::spawn_blocking(move || {
                        if !may_replace && path.exists() {
                            return Err(format!("{} exists already", path.display()));
                        }
                        presets.export(&path).map_err(|e| e.to_string())
                    })
                    .await;
                    match written {
                        Ok(Ok(())) => Done::Said(msg!("app-presets-exported", n = n, file = file)),
                        Ok(Err(e)) => Done::Failed(failed("err-presets-export", e)),
                        Err(e) => Done::Failed(failed("err-presets-export", e)),
                    }
                });
            }
            PathPurpose::PresetsImport => {
                svc.chores.run(async move {
                    let p = path.clone();
                    match tokio::task::spawn_blocking(move || SavedPresets::read(&p)).await {
                        Ok(Ok(read)) => Done::Editing(EditingDone::PresetsRead(read, path)),
                        Ok(Err(e)) => Done::Failed(failed("err-presets-import", e)),
                        Err(e) => Done::Failed(failed("err-presets-import", e)),
                    }
                });
            }
            _ => {}
        }
    }

    /// Writes the presets to disk off the UI thread; a failure becomes a notice.
    fn save_presets(&self, svc: &mut Services) {
        let (presets, paths) = (self.presets.clone(), svc.cfg.paths.clone());
        svc.chores
            .write("err-presets-save", move || presets.save(&paths));
    }

    /// Writes the named palettes to disk off the UI thread; a failure becomes a notice.
    fn save_palettes(&self, svc: &mut Services) {
        let (palettes, paths) = (self.palettes.clone(), svc.cfg.paths.clone());
        svc.chores
            .write("err-palettes-save", move || palettes.save(&paths));
    }
}

fn snapshot(draft: &Draft) -> EditSnapshot {
    EditSnapshot {
        references: draft.references.clone(),
        palette: draft.palette.clone(),
        palette_on: draft.palette_on,
    }
}

fn restore(form: Form<'_>, s: EditSnapshot) {
    let Form {
        draft,
        centre,
        editor,
    } = form;
    draft.references = s.references;
    draft.palette = s.palette;
    draft.palette_on = s.palette_on;
    editor.clear_selection();
    if let Centre::Editor { reference } = *centre
        && reference >= draft.references.len()
    {
        *centre = Centre::Gallery;
    }
}

/// Takes a palette from an image off the UI thread: 5 dominant colours and their shares.
fn palette_from(svc: &mut Services, draft: &Draft, jobs: &Jobs, source: &PaletteSource) {
    let (path, url) = match source {
        PaletteSource::Result(key) => match jobs.result(key) {
            Some((_, r)) => (Some(r.path.clone()), None),
            None => return,
        },
        PaletteSource::Reference(i) => match draft.references.get(*i) {
            Some(r) => match local_file(&r.url) {
                Some(p) => (Some(p), None),
                None => (None, Some(r.url.clone())),
            },
            None => return,
        },
    };
    svc.chores.run(async move {
        let bytes = match (path, url) {
            (Some(path), _) => crate::core::references::read_source(&path).await,
            (None, Some(url)) => fetch(&url).await,
            (None, None) => Err("no image".to_owned()),
        };
        let palette = match bytes {
            Ok(bytes) => tokio::task::spawn_blocking(move || {
                let img =
                    crate::core::imaging::decode_limited(&bytes).map_err(|e| e.to_string())?;
                crate::core::palette::dominant::dominant_palette(&img, 5)
                    .ok_or_else(|| "the image has no opaque pixel".to_owned())
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string())),
            Err(e) => Err(e),
        };
        match palette {
            Ok(p) => Done::Editing(EditingDone::Palette(p)),
            Err(e) => Done::Failed(failed("err-palette", e)),
        }
    });
}

/// Reads an image link for a palette (references that are links).
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let client = crate::core::references::hosting::upload_client().map_err(|e| e.to_string())?;
    let resp = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("the image could not be fetched: {e}"))?;
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("the image could not be fetched: {e}"))?;
    Ok(bytes.to_vec())
}

/// Ctrl+V of an image (a screenshot, an image copied in a browser): kept as a PNG in the data
/// folder (off the UI thread), then added like a file.
fn paste_image(svc: &mut Services, image: &Arc<egui::ColorImage>) {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(egui::Color32::to_srgba_unmultiplied)
        .collect();
    let dir = svc.cfg.paths.home.join("pasted");
    svc.chores.run(async move {
        let saved = tokio::task::spawn_blocking(move || {
            let (w, h) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
            let img = image::RgbaImage::from_raw(w, h, rgba)?;
            let bytes = crate::core::imaging::encode_png(&img, &[]).ok()?;
            let name =
                crate::core::references::hosting::object_name(&bytes, image::ImageFormat::Png);
            let path = dir.join(format!("pasted-{}", &name[..16]) + ".png");
            std::fs::create_dir_all(&dir).ok()?;
            crate::core::imaging::write_atomic(&path, &bytes).ok()?;
            Some(path)
        })
        .await;
        match saved {
            Ok(Some(path)) => Done::Picked(Picked::Files(vec![path])),
            _ => Done::Failed(Message::new("note-paste-not-kept")),
        }
    });
}
