//! What the repo functions fail with: the database, or a stored plan whose content no longer reads.
//! Mapped to HTTP only at the boundary (`From<RepoError> for ApiError`).

use hemvist_platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
    /// The goals or interventions of a stored version (jsonb) do not read as the model.
    #[error("stored plan content: {0}")]
    Content(#[from] serde_json::Error),
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Db(e) => e.into(),
            RepoError::Content(e) => ApiError::internal(e),
        }
    }
}
