//! Typed states: every status column is an enum from the row on. `pg_enum!` gives an enum its text
//! form once, and from it `as_str`, `FromStr`, `Display`, serde, the OpenAPI schema and the
//! PostgreSQL `ToSql`/`FromSql` conversions. An unknown value is an error, never a default: a row
//! the code does not understand is a bug to surface, not a state to guess.

/// A text that names no state of the enum.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownState {
    pub kind: &'static str,
    pub value: String,
}

/// Declares a state enum with the text of each variant:
///
/// ```
/// hemvist_platform::pg_enum! {
///     /// Where a bed stands.
///     pub enum BedStatus {
///         Reserved = "reserved",
///         CheckedIn = "checked_in",
///     }
/// }
/// assert_eq!(BedStatus::CheckedIn.as_str(), "checked_in");
/// assert!("gone".parse::<BedStatus>().is_err());
/// ```
#[macro_export]
macro_rules! pg_enum {
    // `$text:tt`, not `:literal`: a `literal` fragment reaches derives wrapped in an invisible group,
    // which serde reads but utoipa does not (the schema would name the variants, not their text).
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every state, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The text stored in the database and sent over the API.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $text ),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::states::UnknownState;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    $( $text => Ok(Self::$variant), )+
                    _ => Err($crate::states::UnknownState { kind: stringify!($name), value: value.to_owned() }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::states::reexport::ToSql for $name {
            fn to_sql(
                &self,
                ty: &$crate::states::reexport::Type,
                out: &mut $crate::states::reexport::BytesMut,
            ) -> ::std::result::Result<$crate::states::reexport::IsNull, $crate::states::reexport::BoxError> {
                <&str as $crate::states::reexport::ToSql>::to_sql(&self.as_str(), ty, out)
            }

            fn accepts(ty: &$crate::states::reexport::Type) -> bool {
                <&str as $crate::states::reexport::ToSql>::accepts(ty)
            }

            $crate::states::reexport::to_sql_checked!();
        }

        impl<'a> $crate::states::reexport::FromSql<'a> for $name {
            fn from_sql(
                ty: &$crate::states::reexport::Type,
                raw: &'a [u8],
            ) -> ::std::result::Result<Self, $crate::states::reexport::BoxError> {
                let text = <&str as $crate::states::reexport::FromSql>::from_sql(ty, raw)?;
                Ok(text.parse::<$name>()?)
            }

            fn accepts(ty: &$crate::states::reexport::Type) -> bool {
                <&str as $crate::states::reexport::FromSql>::accepts(ty)
            }
        }
    };
}

/// What `pg_enum!` expands to needs, so that its users need not name these crates themselves.
#[doc(hidden)]
pub mod reexport {
    pub use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
    pub type BoxError = Box<dyn std::error::Error + Sync + Send>;
    pub use bytes::BytesMut;
}

#[cfg(test)]
mod tests {
    crate::pg_enum! {
        /// A state for the tests.
        pub enum Light {
            Green = "green",
            /// Stop.
            Red = "red",
        }
    }

    #[test]
    fn text_round_trips_and_unknown_values_fail() {
        for light in Light::ALL {
            assert_eq!(light.as_str().parse::<Light>(), Ok(*light));
            assert_eq!(serde_json::to_value(light).ok(), Some(serde_json::Value::from(light.as_str())));
        }
        let unknown = "amber".parse::<Light>();
        assert_eq!(unknown, Err(super::UnknownState { kind: "Light", value: "amber".into() }));
        assert!(serde_json::from_str::<Light>("\"amber\"").is_err());
    }

    crate::pg_enum! {
        /// Texts unlike the variant names, as most states have.
        pub enum Walk {
            DontWalk = "dont_walk",
            Walk = "walk",
        }
    }

    #[test]
    fn the_schema_lists_the_texts() {
        // A `literal` fragment reaches the derive wrapped in an invisible group, which utoipa does not
        // read as a rename: the schema then listed the variant names. A `tt` fragment arrives as it is.
        let schema = serde_json::to_value(<Walk as utoipa::PartialSchema>::schema()).ok();
        let texts: Vec<&str> = Walk::ALL.iter().map(|w| w.as_str()).collect();
        assert_eq!(schema.map(|s| s["enum"].clone()), Some(serde_json::json!(texts)));
        assert_eq!(texts, ["dont_walk", "walk"]);
    }
}
