//! Chinese (and every script) in the window: a CJK face found from a fixture draws the prompt
//! with no replacement glyphs, a missing one brings a one-time note, an input method's
//! composition never generates, the window speaks Simplified Chinese when asked, and the
//! prompt's limit counts characters in any script.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::PathBuf;
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::{NodeT, Queryable};
use ui_support::{studio, studio_in};
use wan_studio::core::api::rules::Field;
use wan_studio::core::text::fonts::{FontSource, is_cjk};
use wan_studio::core::text::i18n::Lang;
use wan_studio::ui::{CjkFont, prompt_galley};

const PROMPT: &str = "一间有着精致窗户的花店，门前花开 — a flower shop";

/// Lets the window draw boxes for what no font has, as the app does (kittest panics instead).
fn allow_tofu(s: &ui_support::Studio) {
    s.harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
}

fn fixture_font() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fonts/NotoSansSC-subset.otf")
}

/// The CJK characters of the prompt field's galley that the window's fonts cannot draw.
fn replaced(s: &ui_support::Studio) -> Vec<char> {
    let galley = prompt_galley(&s.harness.ctx).expect("the prompt field was laid out");
    let drawn: String = galley
        .rows
        .iter()
        .flat_map(|r| r.glyphs.iter().map(|g| g.chr))
        .collect();
    assert_eq!(
        drawn.trim_end(),
        PROMPT,
        "the field lays out the prompt intact"
    );
    let font = egui::TextStyle::Body.resolve(&s.harness.ctx.global_style());
    s.harness.ctx.fonts_mut(|f| {
        drawn
            .chars()
            .filter(|&c| is_cjk(c) && !f.has_glyph(&font, c))
            .collect()
    })
}

#[test]
fn a_cjk_face_from_a_fixture_draws_the_chinese_prompt_with_no_replacement_glyphs() {
    let mut s = studio_in(1280.0, 860.0, tempfile::tempdir().unwrap(), |cfg| {
        cfg.fonts = FontSource::Files(vec![fixture_font()]);
    });
    s.wait("the CJK face", |app| {
        matches!(app.cjk_font(), CjkFont::Found(_))
    });
    assert_eq!(
        s.app().cjk_font(),
        &CjkFont::Found("Noto Sans CJK SC".to_owned())
    );
    // kittest panics on any glyph no font has: drawing the prompt at all proves the face.
    s.write_prompt(PROMPT);
    assert_eq!(replaced(&s), Vec::<char>::new());
    // Kana and hangul come with the same face.
    let font = egui::TextStyle::Body.resolve(&s.harness.ctx.global_style());
    assert!(
        s.harness
            .ctx
            .fonts_mut(|f| f.has_glyphs(&font, "ひらがな한국어"))
    );
    assert!(
        !s.has_label_containing("no font for it is installed"),
        "no note when the face is there"
    );
}

#[test]
fn without_a_cjk_face_the_same_prompt_would_be_boxes_and_a_one_time_note_says_what_to_install() {
    let mut s = studio(1280.0, 860.0);
    allow_tofu(&s);
    s.wait("the font search", |app| app.cjk_font() == &CjkFont::Missing);
    s.idle(Duration::from_millis(200));
    assert!(
        !s.has_label_containing("no font for it is installed"),
        "not before any CJK text"
    );
    s.write_prompt(PROMPT);
    // The check above is not vacuous: without the face every Chinese character is replaced.
    assert_eq!(
        replaced(&s).len(),
        PROMPT.chars().filter(|&c| is_cjk(c)).count()
    );
    s.wait_for_label("no font for it is installed");
    assert!(
        s.has_label_containing("fonts-noto-cjk"),
        "it names the package"
    );
    s.click("Dismiss this message");
    assert!(!s.has_label_containing("no font for it is installed"));
    s.harness.get_by_label("Prompt").click();
    s.harness.get_by_label("Prompt").type_text(" 花开");
    s.idle(Duration::from_millis(300));
    assert!(
        !s.has_label_containing("no font for it is installed"),
        "the note is shown once"
    );
}

#[test]
fn an_input_method_commits_into_the_prompt_and_its_enter_never_generates() {
    let mut s = studio(1280.0, 860.0);
    allow_tofu(&s);
    s.write_prompt("a flower shop ");
    s.harness.get_by_label("Prompt").click();
    s.settle();
    s.harness.event(egui::Event::Ime(egui::ImeEvent::Preedit {
        text: "hua".to_owned(),
        active_range_chars: None,
    }));
    s.settle();
    // The composition shows in place, not yet in the draft.
    assert!(
        s.value_of("Prompt").contains("hua"),
        "{}",
        s.value_of("Prompt")
    );
    // Enter (and Ctrl+Enter) while composing belong to the input method.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    s.harness.key_press(egui::Key::Enter);
    s.idle(Duration::from_millis(400));
    assert!(
        s.app().jobs().is_empty(),
        "nothing was sent while composing"
    );
    s.harness
        .event(egui::Event::Ime(egui::ImeEvent::Commit("花".to_owned())));
    s.settle();
    assert!(
        s.app().draft.prompt.contains("花"),
        "{}",
        s.app().draft.prompt
    );
    assert!(
        !s.app().draft.prompt.contains("hua"),
        "{}",
        s.app().draft.prompt
    );
    // Composition over, Ctrl+Enter generates again.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    s.wait("the job to be sent", |app| !app.jobs().is_empty());
    assert!(
        s.app().jobs()[0]
            .request
            .prompt
            .as_deref()
            .unwrap_or("")
            .contains("花")
    );
}

#[test]
fn the_window_speaks_simplified_chinese_when_asked_and_english_again() {
    let mut s = studio(1280.0, 860.0);
    allow_tofu(&s);
    for name in ["Generate", "Prompt", "Negative prompt"] {
        assert!(
            s.harness.query_by_label(name).is_some(),
            "{name} in English"
        );
    }
    s.click("⚙ Settings");
    s.click("Language");
    s.click("简体中文");
    s.settle();
    assert_eq!(s.app().language(), Lang::ZhCn);
    assert!(s.harness.query_by_label("Generate").is_none());
    let generate = s.harness.get_by_label("生成");
    assert_eq!(
        generate.accesskit_node().role(),
        egui::accesskit::Role::Button
    );
    assert!(
        s.harness.query_by_label("提示词").is_some(),
        "the prompt field's name"
    );
    // Kept, and back.
    s.click("语言");
    s.click("English");
    s.settle();
    assert_eq!(s.app().language(), Lang::En);
    for name in ["Generate", "Prompt", "Negative prompt"] {
        assert!(
            s.harness.query_by_label(name).is_some(),
            "{name} in English again"
        );
    }
}

#[test]
fn the_prompt_limit_counts_chinese_characters_not_bytes() {
    let mut s = studio(1280.0, 860.0);
    allow_tofu(&s);
    let long: String = "花".repeat(5001);
    s.app_mut().draft.prompt = long;
    s.settle();
    assert!(s.has_label_containing("5001 / 5000"));
    assert!(
        s.app()
            .draft
            .problems()
            .iter()
            .any(|p| p.field == Field::Prompt),
        "5001 characters are refused"
    );
    s.click("Generate");
    s.idle(Duration::from_millis(300));
    assert!(s.app().jobs().is_empty(), "nothing is sent");
    s.app_mut().draft.prompt = "花".repeat(5000);
    s.settle();
    assert!(s.has_label_containing("5000 / 5000"));
    assert!(
        !s.app()
            .draft
            .problems()
            .iter()
            .any(|p| p.field == Field::Prompt),
        "5000 are accepted"
    );
}
