//! What tells variations apart. Six images of one prompt read alike in a list; the seed always
//! differs, and where neighbouring jobs share a prompt the parameters that differ (tier, size,
//! palette) are what the artist changed. The gallery's captions and the queue's rows both say it.

use crate::core::api::request::Model;

/// What a caption compares of a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traits<'a> {
    pub prompt: &'a str,
    pub model: Model,
    /// As [`crate::core::api::request::GenerationRequest::size_label`] words it.
    pub size: &'a str,
    pub palette: bool,
}

impl<'a> Traits<'a> {
    /// A request's traits; `size` is its [`size_label`], made once by the caller.
    ///
    /// [`size_label`]: crate::core::api::request::GenerationRequest::size_label
    pub fn of(
        request: &'a crate::core::api::request::GenerationRequest,
        size: &'a str,
    ) -> Traits<'a> {
        Traits {
            prompt: request.prompt.as_deref().unwrap_or(""),
            model: request.model,
            size,
            palette: request.color_palette.is_some(),
        }
    }
}

/// A parameter in which a job differs from a neighbour with the same prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Differs {
    Tier,
    Size,
    Palette,
}

/// The parameters (in a fixed order: tier, size, palette) in which `this` differs from any of
/// `neighbours` that share its prompt. Neighbours with another prompt are told apart by it.
pub fn differing<'a>(
    this: &Traits<'_>,
    neighbours: impl IntoIterator<Item = Traits<'a>>,
) -> Vec<Differs> {
    let mut out = Vec::new();
    for other in neighbours {
        if other.prompt.trim() != this.prompt.trim() {
            continue;
        }
        if other.model != this.model {
            out.push(Differs::Tier);
        }
        if other.size != this.size {
            out.push(Differs::Size);
        }
        if other.palette != this.palette {
            out.push(Differs::Palette);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A parameter of a request, as the compare view lines candidates up on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Tier,
    Size,
    Seed,
    Count,
    Palette,
    NegativePrompt,
    Thinking,
    Watermark,
    References,
    Prompt,
}

impl Param {
    pub const ALL: [Param; 10] = [
        Param::Tier,
        Param::Size,
        Param::Seed,
        Param::Count,
        Param::Palette,
        Param::NegativePrompt,
        Param::Thinking,
        Param::Watermark,
        Param::References,
        Param::Prompt,
    ];

    /// Its name's key in the window's catalogue.
    pub fn key(self) -> &'static str {
        match self {
            Param::Tier => "compare-tier",
            Param::Size => "compare-size",
            Param::Seed => "compare-seed",
            Param::Count => "compare-count",
            Param::Palette => "compare-palette",
            Param::NegativePrompt => "compare-negative",
            Param::Thinking => "compare-thinking",
            Param::Watermark => "compare-watermark",
            Param::References => "compare-references",
            Param::Prompt => "compare-prompt",
        }
    }

    /// Its value in a request, as words (`—` where unset).
    pub fn value(self, r: &crate::core::api::request::GenerationRequest) -> String {
        let unset = || "—".to_owned();
        let yes_no =
            |b: Option<bool>| b.map_or_else(unset, |b| if b { "on" } else { "off" }.to_owned());
        match self {
            Param::Tier => r.model.tier_name().to_owned(),
            Param::Size => Some(r.size_label())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(unset),
            Param::Seed => r.seed.map_or_else(unset, |s| s.to_string()),
            Param::Count => r.n.to_string(),
            Param::Palette => r.color_palette.as_ref().map_or_else(unset, |p| {
                p.iter()
                    .map(|e| format!("{} {}", e.hex, e.ratio))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            Param::NegativePrompt => r.negative_prompt.clone().unwrap_or_else(unset),
            Param::Thinking => yes_no(r.thinking_mode),
            Param::Watermark => yes_no(r.watermark),
            Param::References => r.image_urls.len().to_string(),
            Param::Prompt => r.prompt.clone().unwrap_or_else(unset),
        }
    }
}

/// Every parameter's value in each request, and whether they differ.
pub fn compare(
    requests: &[&crate::core::api::request::GenerationRequest],
) -> Vec<(Param, Vec<String>, bool)> {
    Param::ALL
        .into_iter()
        .map(|p| {
            let values: Vec<String> = requests.iter().map(|r| p.value(r)).collect();
            let differs = values.windows(2).any(|w| w[0] != w[1]);
            (p, values, differs)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(prompt: &'a str, model: Model, size: &'a str, palette: bool) -> Traits<'a> {
        Traits {
            prompt,
            model,
            size,
            palette,
        }
    }

    #[test]
    fn only_neighbours_with_the_same_prompt_are_compared() {
        let this = t("a lighthouse", Model::Standard, "1:1 1K", false);
        let other_prompt = t("a harbour", Model::Pro, "16:9 2K", true);
        assert!(differing(&this, [other_prompt]).is_empty());
        let same = t("a lighthouse ", Model::Standard, "1:1 1K", false);
        assert!(differing(&this, [same]).is_empty(), "seeds alone differ");
    }

    #[test]
    fn each_differing_parameter_is_named_once_in_order() {
        let this = t("a lighthouse", Model::Standard, "1:1 1K", false);
        let pro = t("a lighthouse", Model::Pro, "1:1 1K", false);
        let wide = t("a lighthouse", Model::Standard, "16:9 1K", true);
        assert_eq!(
            differing(&this, [wide, pro]),
            vec![Differs::Tier, Differs::Size, Differs::Palette]
        );
    }

    #[test]
    fn compare_marks_exactly_the_parameters_that_differ() {
        use crate::core::api::request::GenerationRequest;
        let mut a = GenerationRequest::new(Model::Pro);
        a.prompt = Some("a fox".into());
        a.seed = Some(1);
        let mut b = a.clone();
        b.seed = Some(2);
        let rows = compare(&[&a, &b]);
        let differing: Vec<Param> = rows.iter().filter(|r| r.2).map(|r| r.0).collect();
        assert_eq!(differing, [Param::Seed]);
        assert_eq!(rows[2].1, ["1", "2"]);
        assert_eq!(Param::Thinking.value(&a), "—");
    }
}
