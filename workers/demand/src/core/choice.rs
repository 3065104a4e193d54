//! Reading the core's named choices (predictor, loss, backend, point forecast)
//! from text, with an error that says which names there are.

/// A name that is not one of a choice's names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{given}` ({expected})")]
pub struct UnknownName {
    /// What was being chosen, e.g. `loss`.
    pub what: &'static str,
    pub given: String,
    /// The valid names, as a reader would want them listed.
    pub expected: &'static str,
}

/// The one of `all` whose `name` is `given`.
pub fn parse<T: Copy>(
    given: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    what: &'static str,
    expected: &'static str,
) -> Result<T, UnknownName> {
    all.iter()
        .copied()
        .find(|&t| name(t) == given)
        .ok_or_else(|| UnknownName {
            what,
            given: given.to_owned(),
            expected,
        })
}
