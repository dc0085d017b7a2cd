//! What the shelter crate needs about its guests inside its own queries: the join on the guest's
//! person and the columns that name and protect them. Shelter SQL uses these fragments and reads the
//! columns with `Guest::from_row`; it never names the `people` table or its columns itself.

use tokio_postgres::Row;

/// Joins the guest's person (as `guest`) to the rows aliased `rows`, which carry `municipality_code`
/// and `person_id`.
pub fn join_guest(rows: &str) -> String {
    format!("JOIN people guest ON guest.municipality_code = {rows}.municipality_code AND guest.id = {rows}.person_id")
}

/// The guest's name and protection, from `join_guest` on the rows aliased `rows` (bed assignments or
/// guarantee requests). A guest is protected when they share a home with a protected person (the person
/// themselves or a member of their household): where a family member sleeps would tell where the
/// protected person does. Now, or when the row was written (`guest_protected_home`, V32): a member who
/// left the household since still shows by an alias on the nights spent beside them (review, 2026-11-24).
pub fn guest_columns(rows: &str) -> String {
    format!(
        "guest.given_name AS guest_given_name, guest.family_name AS guest_family_name,
         ({rows}.guest_protected_home OR {}) AS guest_protected_identity, guest.guest_alias AS guest_alias_code",
        crate::people::repo::shares_protected_home("guest")
    )
}

/// A guest as a shelter row names them.
#[derive(Debug, Clone)]
pub struct Guest {
    pub given_name: String,
    pub family_name: String,
    /// Protected identity (sekretessmarkering, skyddad folkbokföring), their own or their household's.
    pub protected_identity: bool,
    /// A short random code of the person, shown instead of the name.
    pub alias_code: String,
}

impl Guest {
    /// Reads the `guest_columns` of a row.
    pub fn from_row(row: &Row) -> Result<Self, tokio_postgres::Error> {
        Ok(Self {
            given_name: row.try_get("guest_given_name")?,
            family_name: row.try_get("guest_family_name")?,
            protected_identity: row.try_get("guest_protected_identity")?,
            alias_code: row.try_get("guest_alias_code")?,
        })
    }
}
