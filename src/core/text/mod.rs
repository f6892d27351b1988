//! Text in any script: the window's languages, the fonts that draw Chinese, Japanese and Korean,
//! and lettering burnt into sheets.

pub mod fonts;
pub mod i18n;
pub mod lettering;
pub mod terminal;
