//! How one line of a job file becomes jobs: `{a|b|c}` alternatives in the prompt, a `matrix` over
//! any field, `repeat` copies with successive seeds.
//!
//! The order is fixed, so "job 14" always means the same request:
//! 1. lines in file order;
//! 2. within a line, the matrix's fields in alphabetical order, the last one changing fastest;
//! 3. then the prompt's `{…}` groups from left to right, the last one changing fastest;
//! 4. then the `repeat` copies (seed, seed + 1, …).
//!
//! Like an odometer: every position is computed from its index, nothing is materialised to count.

use std::collections::BTreeMap;
use std::fmt;

/// One piece of a prompt: text as written, or a group of alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Choice(Vec<String>),
}

/// A prompt with its `{a|b}` groups parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alternatives {
    pieces: Vec<Piece>,
}

/// Why a prompt's alternatives cannot be read. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the '{{' at character {at} is never closed (write \\{{ for a brace of its own)")]
    Unclosed { at: usize },
    #[error("the '}}' at character {at} closes no '{{' (write \\}} for a brace of its own)")]
    Unopened { at: usize },
    #[error(
        "the '{{' at character {at} is inside another group: alternatives do not nest (write {{a b|a c}} instead of {{a {{b|c}}}})"
    )]
    Nested { at: usize },
    #[error("the group at character {at} is empty: write at least one alternative in it")]
    Empty { at: usize },
    #[error("the prompt ends with a lone '\\' (write \\\\ for a backslash)")]
    TrailingEscape,
}

impl Alternatives {
    /// Reads `{a|b}` groups. `\{`, `\}`, `\|` and `\\` are the characters themselves; a `|`
    /// outside a group is text; `{a|}` is "a or nothing"; groups do not nest.
    pub fn parse(prompt: &str) -> Result<Alternatives, TemplateError> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        // The group being read: where it opened, its finished alternatives, the current one.
        let mut group: Option<(usize, Vec<String>, String)> = None;
        let mut chars = prompt.chars().enumerate();
        while let Some((i, c)) = chars.next() {
            let at = i + 1;
            match c {
                '\\' => match chars.next() {
                    Some((_, e @ ('{' | '}' | '|' | '\\'))) => push(&mut group, &mut text, &[e]),
                    // Any other backslash is kept as written (a prompt may hold a path).
                    Some((_, other)) => push(&mut group, &mut text, &['\\', other]),
                    None => return Err(TemplateError::TrailingEscape),
                },
                '{' if group.is_some() => return Err(TemplateError::Nested { at }),
                '{' => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    group = Some((at, Vec::new(), String::new()));
                }
                '|' => match &mut group {
                    Some((_, done, alt)) => done.push(std::mem::take(alt)),
                    None => text.push('|'),
                },
                '}' => match group.take() {
                    Some((opened, mut done, alt)) => {
                        if done.is_empty() && alt.is_empty() {
                            return Err(TemplateError::Empty { at: opened });
                        }
                        done.push(alt);
                        pieces.push(Piece::Choice(done));
                    }
                    None => return Err(TemplateError::Unopened { at }),
                },
                c => push(&mut group, &mut text, &[c]),
            }
        }
        if let Some((at, _, _)) = group {
            return Err(TemplateError::Unclosed { at });
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(Alternatives { pieces })
    }

    /// How many prompts the groups make (1 with none); saturates rather than overflows.
    pub fn count(&self) -> u64 {
        self.choices()
            .fold(1u64, |n, c| n.saturating_mul(c.len() as u64))
    }

    /// Whether the prompt has any group.
    pub fn has_groups(&self) -> bool {
        self.choices().next().is_some()
    }

    /// The `index`-th prompt (from 0), the last group changing fastest.
    pub fn nth(&self, index: u64) -> String {
        let picks = odometer(index, self.choices().map(|c| c.len() as u64));
        let mut picks = picks.into_iter();
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Choice(alts) => {
                    let pick = picks.next().unwrap_or(0);
                    let pick = usize::try_from(pick).unwrap_or(0);
                    out.push_str(alts.get(pick).map_or("", String::as_str));
                }
            }
        }
        out
    }

    fn choices(&self) -> impl DoubleEndedIterator<Item = &Vec<String>> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Choice(c) => Some(c),
            Piece::Text(_) => None,
        })
    }
}

impl fmt::Display for Alternatives {
    /// The prompt as the first alternative of each group would write it (for tables).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.nth(0))
    }
}

/// Adds characters to the alternative being read, or to the text outside any group.
fn push(group: &mut Option<(usize, Vec<String>, String)>, text: &mut String, chars: &[char]) {
    let to = match group {
        Some((_, _, alt)) => alt,
        None => text,
    };
    to.extend(chars);
}

/// The digits of `index` in a mixed radix (the last digit fastest): which value each position
/// takes at that step. Positions of size 0 read as 0.
pub fn odometer(mut index: u64, sizes: impl DoubleEndedIterator<Item = u64>) -> Vec<u64> {
    let mut digits: Vec<u64> = sizes
        .rev()
        .map(|size| {
            let size = size.max(1);
            let d = index % size;
            index /= size;
            d
        })
        .collect();
    digits.reverse();
    digits
}

/// A `matrix`: for each field (kept in alphabetical order), the values it takes.
pub type Matrix = BTreeMap<String, Vec<serde_json::Value>>;

/// How many combinations a matrix makes (1 when empty); saturates rather than overflows.
pub fn matrix_count(matrix: &Matrix) -> u64 {
    matrix
        .values()
        .fold(1u64, |n, v| n.saturating_mul(v.len() as u64))
}

/// The `index`-th combination of a matrix (from 0): one value per field, the last field (in
/// alphabetical order) changing fastest.
pub fn matrix_nth(matrix: &Matrix, index: u64) -> Vec<(&str, &serde_json::Value)> {
    let digits = odometer(index, matrix.values().map(|v| v.len() as u64));
    matrix
        .iter()
        .zip(digits)
        .filter_map(|((k, values), d)| {
            let d = usize::try_from(d).ok()?;
            values.get(d).map(|v| (k.as_str(), v))
        })
        .collect()
}

/// The seed of the `copy`-th repeat (from 0) of a line whose seed is `base`: successive, wrapping
/// within the API's range `0..=max`.
pub fn successive_seed(base: i64, copy: u64, max: i64) -> i64 {
    let span = i128::from(max) + 1;
    let seed = (i128::from(base) + i128::from(copy)).rem_euclid(span);
    i64::try_from(seed).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(p: &str) -> Vec<String> {
        let a = Alternatives::parse(p).unwrap();
        (0..a.count()).map(|i| a.nth(i)).collect()
    }

    #[test]
    fn a_prompt_without_groups_is_one_prompt_as_written() {
        assert_eq!(all("a red fox | at dawn"), ["a red fox | at dawn"]);
        assert_eq!(all(""), [""]);
        assert!(!Alternatives::parse("plain").unwrap().has_groups());
    }

    #[test]
    fn each_group_multiplies_and_the_last_changes_fastest() {
        assert_eq!(
            all("a {red|blue} fox {at dawn|at dusk|at night}"),
            [
                "a red fox at dawn",
                "a red fox at dusk",
                "a red fox at night",
                "a blue fox at dawn",
                "a blue fox at dusk",
                "a blue fox at night",
            ]
        );
        assert_eq!(Alternatives::parse("{a|b}{c|d}{e|f}").unwrap().count(), 8);
    }

    #[test]
    fn alternatives_carry_any_script() {
        assert_eq!(
            all("一只{红色|蓝色}的狐狸"),
            ["一只红色的狐狸", "一只蓝色的狐狸"]
        );
    }

    #[test]
    fn an_empty_alternative_means_nothing_there() {
        assert_eq!(all("a {big |}fox"), ["a big fox", "a fox"]);
        assert_eq!(all("{only}"), ["only"]);
    }

    #[test]
    fn escapes_are_the_characters_themselves() {
        assert_eq!(
            all(r"json \{x\} and a \| bar \\"),
            [r"json {x} and a | bar \"]
        );
        assert_eq!(all(r"{a\|b|c}"), ["a|b", "c"]);
        // Other backslashes stay as written.
        assert_eq!(all(r"C:\path\n"), [r"C:\path\n"]);
    }

    #[test]
    fn nesting_unbalanced_and_empty_groups_are_refused_with_where() {
        assert_eq!(
            Alternatives::parse("a {b {c|d}}"),
            Err(TemplateError::Nested { at: 6 })
        );
        assert_eq!(
            Alternatives::parse("a {b|c"),
            Err(TemplateError::Unclosed { at: 3 })
        );
        assert_eq!(
            Alternatives::parse("a b}"),
            Err(TemplateError::Unopened { at: 4 })
        );
        assert_eq!(
            Alternatives::parse("x {} y"),
            Err(TemplateError::Empty { at: 3 })
        );
        assert_eq!(
            Alternatives::parse("ends \\"),
            Err(TemplateError::TrailingEscape)
        );
        let msg = Alternatives::parse("{a").unwrap_err().to_string();
        assert!(msg.contains("character 1") && msg.contains("\\{"), "{msg}");
    }

    #[test]
    fn counts_saturate_instead_of_overflowing() {
        let huge = "{a|b|c|d|e|f|g|h|i|j}".repeat(30);
        assert_eq!(Alternatives::parse(&huge).unwrap().count(), u64::MAX);
    }

    #[test]
    fn the_matrix_goes_in_alphabetical_order_last_field_fastest() {
        let mut m = Matrix::new();
        m.insert("size".into(), vec!["1:1".into(), "16:9".into()]);
        m.insert("seed".into(), vec![11.into(), 22.into(), 33.into()]);
        assert_eq!(matrix_count(&m), 6);
        let seq: Vec<String> = (0..6)
            .map(|i| {
                matrix_nth(&m, i)
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        assert_eq!(
            seq,
            [
                "seed=11 size=\"1:1\"",
                "seed=11 size=\"16:9\"",
                "seed=22 size=\"1:1\"",
                "seed=22 size=\"16:9\"",
                "seed=33 size=\"1:1\"",
                "seed=33 size=\"16:9\"",
            ]
        );
        assert_eq!(matrix_count(&Matrix::new()), 1);
    }

    #[test]
    fn repeats_take_successive_seeds_and_wrap_in_range() {
        assert_eq!(successive_seed(41, 0, 100), 41);
        assert_eq!(successive_seed(41, 2, 100), 43);
        assert_eq!(successive_seed(99, 3, 100), 1);
    }

    #[test]
    fn the_odometer_counts_in_mixed_radix() {
        assert_eq!(odometer(5, [2u64, 3].into_iter()), [1, 2]);
        assert_eq!(odometer(0, std::iter::empty()), Vec::<u64>::new());
    }
}
