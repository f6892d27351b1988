//! Views tested alone: each draws from a hand-made `ViewCx` and answers with Actions, no app, no
//! runtime, no sandbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use wan_studio::core::api::request::{ApiErrorBody, GenerationRequest, Model};
use wan_studio::core::api::rules::Problems;
use wan_studio::core::api::server::Server;
use wan_studio::core::draft::{Draft, Reference};
use wan_studio::core::library::journal::{JobRecord, JobState, Shelved};
use wan_studio::core::palette::palettes::SavedPalettes;
use wan_studio::core::palette::{Palette, Swatch};
use wan_studio::core::presets::SavedPresets;
use wan_studio::core::settings::{AppSettings, KeySource, Paths};
use wan_studio::ui::{
    Action, Centre, ComposeView, ConnState, Dropper, Edit, EditAction, Jobs, KeyInfo,
    LibraryAction, PaletteView, QueueView, Step, Textures, ViewCx,
};

/// What a `ViewCx` borrows, owned here.
struct Parts {
    jobs: Jobs,
    paths: Paths,
    settings: AppSettings,
    conn: ConnState,
    key: KeyInfo,
    textures: Textures,
    credentials: wan_studio::ui::credentials::Credentials,
    centre: Centre,
    blockers: Vec<String>,
    problems: Problems,
    export_dir: PathBuf,
    palettes: SavedPalettes,
    presets: SavedPresets,
}

impl Parts {
    fn new(jobs: Vec<JobRecord>) -> Parts {
        let shelf = jobs
            .iter()
            .filter(|j| !j.results.is_empty())
            .map(Shelved::of)
            .collect();
        let j = Jobs::new(shelf, jobs, 0);
        Parts {
            jobs: j,
            paths: Paths::new("/tmp/wan-studio-views"),
            settings: AppSettings::default(),
            conn: ConnState::Ready {
                server: Server::Sandbox,
                samples: Vec::new(),
            },
            key: KeyInfo {
                source: KeySource::None,
                hint: None,
                store: "memory",
            },
            textures: Textures::new(1 << 20, None),
            credentials: wan_studio::ui::credentials::Credentials::new(
                None,
                std::sync::Arc::new(|| {}),
            ),
            centre: Centre::Gallery,
            blockers: Vec::new(),
            problems: Problems::default(),
            export_dir: PathBuf::from("/tmp/exports"),
            palettes: SavedPalettes::default(),
            presets: SavedPresets::default(),
        }
    }

    fn cx(&self) -> ViewCx<'_> {
        ViewCx {
            tr: wan_studio::core::text::i18n::Tr(self.settings.language.unwrap_or_default()),
            os_language: wan_studio::core::text::i18n::Lang::En,
            cjk: &wan_studio::ui::CjkFont::Missing,
            jobs: &self.jobs,
            paths: &self.paths,
            settings: &self.settings,
            conn: &self.conn,
            key: &self.key,
            textures: &self.textures,
            credentials: &self.credentials,
            centre: &self.centre,
            blockers: &self.blockers,
            problems: &self.problems,
            generate_tried: false,
            last_sent: None,
            export_dir: &self.export_dir,
            now_ms: 0,
            storage_secret_set: false,
            preparing: &[],
            dropper: Dropper::default(),
            palettes: &self.palettes,
            presets: &self.presets,
            batch_blockers: &[],
            below_bar: egui::Rect::from_min_size(egui::pos2(0.0, 40.0), egui::vec2(1600.0, 960.0)),
        }
    }
}

fn ratios(p: &Palette) -> Vec<u32> {
    p.swatches().iter().map(|s| s.ratio).collect()
}

struct PaletteState {
    view: PaletteView,
    draft: Draft,
    parts: Parts,
    /// Undo steps the edits would have recorded.
    steps: usize,
}

/// The palette editor alone on `draft`, its edits applied as the shell would, counting undo steps.
fn palette_harness(draft: Draft) -> Harness<'static, PaletteState> {
    let state = PaletteState {
        view: PaletteView::default(),
        draft,
        parts: Parts::new(Vec::new()),
        steps: 0,
    };
    let mut h = Harness::builder()
        .with_size(egui::vec2(700.0, 400.0))
        .build_ui_state(
            |ui, st: &mut PaletteState| {
                let mut out = Vec::new();
                let problems = st.draft.problems();
                st.view
                    .ui(ui, &st.parts.cx(), &st.draft, &problems, &mut out);
                for a in out {
                    if let Action::Edit(EditAction::Change {
                        edit: Edit::Palette(p),
                        step,
                    }) = a
                    {
                        st.steps += usize::from(step == Step::New);
                        st.draft.palette = p;
                    }
                }
            },
            state,
        );
    h.run_steps(2);
    h
}

#[test]
fn a_palette_drag_to_the_end_and_back_restores_the_starting_ratios() {
    let swatch = |rgb, ratio| Swatch {
        rgb,
        ratio,
        locked: false,
    };
    let start = Palette::try_from(vec![
        swatch([200, 40, 40], 7796),
        swatch([40, 200, 40], 243),
        swatch([40, 40, 200], 1961),
    ])
    .unwrap();
    let mut h = palette_harness(Draft {
        palette_on: true,
        palette: start.clone(),
        ..Draft::default()
    });
    let rail = h.get_by_label("Ratio 1").rect();
    let from = rail.center();
    // Press on the rail, drag to the far right end and back to where the drag began.
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    let at_press = ratios(&h.state().draft.palette);
    for x in [0.25_f32, 0.5, 0.75, 1.0, 1.2] {
        h.hover_at(egui::pos2(from.x + (rail.max.x - from.x) * x, from.y));
        h.step();
    }
    assert_eq!(
        ratios(&h.state().draft.palette)[1..],
        [1, 1],
        "at the end the others hold their minimum"
    );
    for x in [0.75_f32, 0.5, 0.25, 0.0] {
        h.hover_at(egui::pos2(from.x + (rail.max.x - from.x) * x, from.y));
        h.step();
    }
    h.drop_at(from);
    h.step();
    let back = ratios(&h.state().draft.palette);
    assert_eq!(
        back, at_press,
        "back where the drag began, every share is back"
    );
    // The others keep their proportions from the drag's start: 243 : 1961.
    let (b, c) = (f64::from(back[1]), f64::from(back[2]));
    assert!(
        (b / c - 243.0 / 1961.0).abs() < 0.002,
        "proportions kept: {back:?}"
    );
    assert_eq!(h.state().draft.palette.total(), 10_000);
    assert_eq!(h.state().steps, 1, "one drag, one undo step");
}

#[test]
fn a_typed_percentage_commits_once_on_enter() {
    let mut h = palette_harness(Draft {
        palette_on: true,
        ..Draft::default()
    });
    h.get_by_label("Percent 1").click();
    h.run_steps(2);
    h.get_by_label("Percent 1").type_text("50");
    h.run_steps(2);
    assert_eq!(
        ratios(&h.state().draft.palette),
        vec![2500, 2500, 2500, 2500],
        "nothing applies while typing"
    );
    h.key_press(egui::Key::Enter);
    h.run_steps(2);
    assert_eq!(
        ratios(&h.state().draft.palette),
        vec![5000, 1668, 1666, 1666]
    );
    assert_eq!(h.state().steps, 1, "typing 50 is one undo step, not two");
}

struct QueueState {
    view: QueueView,
    parts: Parts,
    out: Vec<Action>,
    /// Files being prepared, as the shell hands them to the queue.
    preparing: Vec<(String, String)>,
}

/// The queue view alone, on `parts`.
fn queue_harness(
    parts: Parts,
    preparing: Vec<(String, String)>,
    height: f32,
) -> Harness<'static, QueueState> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(360.0, height))
        .build_ui_state(
            |ui, st: &mut QueueState| {
                let mut cx = st.parts.cx();
                cx.preparing = &st.preparing;
                st.view.ui(ui, &cx, &mut st.out);
            },
            QueueState {
                view: QueueView::default(),
                parts,
                out: Vec::new(),
                preparing,
            },
        );
    h.run_steps(2);
    h
}

#[test]
fn a_job_that_never_left_the_machine_is_explained_in_words() {
    let mut req = GenerationRequest::new(Model::Standard);
    req.prompt = Some("a red fox in fresh snow".into());
    let mut job = JobRecord::new(Server::from_key("https://reapi.ai/"), req);
    job.state = JobState::NotSent;
    job.error = Some(ApiErrorBody {
        code: "not_sent".into(),
        message: "connection failed: client error (Connect): dns error: failed to lookup address information: Name or service not known".into(),
        request_id: None,
    });
    let mut parts = Parts::new(vec![job.clone()]);
    parts.conn = ConnState::Ready {
        server: Server::from_key("https://reapi.ai/"),
        samples: Vec::new(),
    };
    let mut h = queue_harness(parts, Vec::new(), 500.0);
    assert!(
        h.query_by_label_contains(
            "Could not reach reapi.ai: the address could not be looked up. Nothing was sent and nothing was charged."
        )
        .is_some(),
        "a whole sentence, never cut mid-word"
    );
    assert!(
        h.query_by_label_contains("dns error").is_none(),
        "detail hidden"
    );
    h.get_by_label("⏵ Details").click();
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("dns error").is_some(),
        "detail on demand"
    );
    h.get_by_label("Retry…").click();
    h.run_steps(2);
    assert_eq!(
        h.state().out,
        vec![Action::Library(LibraryAction::AskRetry(job.id.clone()))]
    );
}

#[test]
fn a_running_download_shows_how_far_it_has_come() {
    let mut req = GenerationRequest::new(Model::Pro);
    req.prompt = Some("a lighthouse at dusk".into());
    req.n = 4;
    let mut job = JobRecord::new(Server::Sandbox, req);
    job.state = JobState::Downloading;
    job.task_id = Some("task_1".into());
    job.result_urls = (0..4)
        .map(|i| format!("https://cdn.example/{i}.png"))
        .collect();
    let mut parts = Parts::new(vec![job.clone()]);
    parts.jobs.downloads.insert(
        job.id.clone(),
        (
            1,
            wan_studio::core::api::client::Progress {
                done: 3 * 1024 * 1024 + 100 * 1024,
                total: Some(20 * 1024 * 1024),
            },
        ),
    );
    let h = queue_harness(parts, Vec::new(), 400.0);
    assert!(
        h.query_by_label("Downloading 2/4 · 3.1 of 20.0 MB")
            .is_some(),
        "the second of four results, 3.1 MB of 20 MB in"
    );
}

#[test]
fn files_being_prepared_show_in_the_queue_before_any_job_exists() {
    let parts = Parts::new(Vec::new());
    let lines = vec![
        ("photo.jpg".to_owned(), "uploading 3.1 of 8.0 MB".to_owned()),
        (
            "scan.tiff".to_owned(),
            "ready · Converted from TIFF to PNG.".to_owned(),
        ),
    ];
    let h = queue_harness(parts, lines, 400.0);
    assert!(h.query_by_label("Preparing references").is_some());
    assert!(
        h.query_by_label("photo.jpg: uploading 3.1 of 8.0 MB")
            .is_some()
    );
    assert!(
        h.query_by_label("scan.tiff: ready · Converted from TIFF to PNG.")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("Nothing here yet").is_none(),
        "not an empty queue"
    );
}

struct ComposeState {
    view: ComposeView,
    draft: Draft,
    parts: Parts,
}

#[test]
fn controls_that_do_not_apply_say_so_and_a_blank_form_shows_no_error() {
    let mut h = Harness::builder()
        .with_size(egui::vec2(420.0, 1200.0))
        .build_ui_state(
            |ui, st: &mut ComposeState| {
                let mut out = Vec::new();
                st.parts.problems = st.draft.problems();
                st.parts.blockers = st
                    .parts
                    .problems
                    .iter()
                    .map(|p| p.message.clone())
                    .collect();
                let cx = st.parts.cx();
                st.view.ui(ui, &cx, &mut st.draft, &mut out);
            },
            ComposeState {
                view: ComposeView::default(),
                draft: Draft::default(),
                parts: Parts::new(Vec::new()),
            },
        );
    h.run_steps(2);
    // A fresh form: the empty prompt is a hint, not a red error.
    assert!(
        h.query_all_by_label_contains("Write a prompt")
            .next()
            .is_some()
    );
    assert!(
        h.query_by_label_contains("⚠").is_none(),
        "no error on a blank first screen"
    );
    assert!(h.query_by_label_contains("not applied").is_none());

    // With a reference: the aspect ratio and Thinking do not apply, and say so.
    h.state_mut()
        .draft
        .references
        .push(Reference::new("https://example.com/a.png", "a.png"));
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Aspect ratio does not apply")
            .is_some()
    );
    assert!(h.query_by_label_contains("not applied").is_some());
    let one = h.get_by_label("1:1");
    assert!(
        egui_kittest::kittest::NodeT::accesskit_node(&one).is_disabled(),
        "1:1 is not offered while the reference sets the shape"
    );
    assert_eq!(
        h.state().draft.to_request(0).thinking_mode,
        None,
        "what is shown is what is sent"
    );
}

#[test]
fn an_expired_task_shows_its_own_state_and_that_it_may_have_been_charged() {
    let mut req = GenerationRequest::new(Model::Standard);
    req.prompt = Some("a red fox in fresh snow".into());
    let server = Server::from_key("https://reapi.ai/");
    let mut job = JobRecord::new(server.clone(), req);
    job.state = JobState::Expired;
    job.task_id = Some("task_from_yesterday".into());
    job.error = Some(ApiErrorBody {
        code: "expired".into(),
        message: "Task task_from_yesterday is more than 24 hours old and the server no longer knows it (task not found).".into(),
        request_id: None,
    });
    let mut parts = Parts::new(vec![job.clone()]);
    parts.conn = ConnState::Ready {
        server,
        samples: Vec::new(),
    };
    let mut h = queue_harness(parts, Vec::new(), 500.0);
    assert!(h.query_by_label_contains("Expired").is_some());
    assert!(
        h.query_by_label_contains("It may have been charged")
            .is_some(),
        "the charge warning is in words"
    );
    // Nothing to resume; a new job can be asked for.
    assert!(h.query_by_label("Resume").is_none());
    h.get_by_label("Retry…").click();
    h.run_steps(2);
    assert_eq!(
        h.state().out,
        vec![Action::Library(LibraryAction::AskRetry(job.id.clone()))]
    );
}

#[test]
fn a_tall_card_pushes_the_next_down_and_an_agents_job_says_which_agent() {
    let unknown = |prompt: &str, agent: Option<&str>| {
        let mut req = GenerationRequest::new(Model::Standard);
        req.prompt = Some(prompt.into());
        let mut job = JobRecord::new(Server::from_key("https://reapi.ai/"), req);
        job.state = JobState::UnknownOutcome;
        job.agent = agent.map(str::to_owned);
        job.error = Some(ApiErrorBody {
            code: "unknown_outcome".into(),
            message: "Wan Studio stopped while this request was being sent. It may have been accepted and charged; it was not sent again. Retry it only if no result appears.".into(),
            request_id: None,
        });
        job
    };
    let first = unknown("a first fox by an agent", Some("Claude Desktop"));
    let mut second = unknown("a second fox", None);
    second.created_at_ms = first.created_at_ms - 1;
    let mut parts = Parts::new(vec![first, second]);
    parts.conn = ConnState::Ready {
        server: Server::from_key("https://reapi.ai/"),
        samples: Vec::new(),
    };
    let mut h = queue_harness(parts, Vec::new(), 900.0);
    assert!(
        h.query_by_label_contains("by Claude Desktop (an agent)")
            .is_some(),
        "an agent's job says who asked"
    );
    // Open the first card's details: it grows, and the second card moves below it.
    h.query_all_by_label("⏵ Details")
        .next()
        .expect("a details button")
        .click();
    h.run_steps(4);
    let bottom_of_first = h
        .query_all_by_label("Retry…")
        .map(|n| n.rect().max.y)
        .fold(f32::MAX, f32::min);
    let top_of_second = h.get_by_label_contains("a second fox").rect().min.y;
    assert!(
        top_of_second > bottom_of_first,
        "the second card ({top_of_second}) starts below the first one's buttons ({bottom_of_first})"
    );
}
