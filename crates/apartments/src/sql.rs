//! States named in the text of a query. They come from the state enums (`pg_enum!`), so a query can
//! never name a state the code does not know; a query that filters by a caller's choice binds it instead.

/// `'text'`: one state as an SQL literal. The texts are the enums' own (`a-z` and `_`), never input.
pub(crate) fn state(text: &str) -> String {
    format!("'{text}'")
}

/// `('a', 'b')`: states for `IN`.
pub(crate) fn states<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let literals: Vec<String> = texts.into_iter().map(state).collect();
    format!("({})", literals.join(", "))
}

#[cfg(test)]
mod tests {
    #[test]
    fn literals_and_lists() {
        assert_eq!(super::state("active"), "'active'");
        assert_eq!(super::states(["offered", "active"]), "('offered', 'active')");
    }
}
