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
}
