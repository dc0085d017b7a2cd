//! What the repo functions fail with: the database, or a stored row holding a value that cannot be
//! (a partial birth date that does not exist). Mapped to HTTP only at the boundary
//! (`From<RepoError> for ApiError`).

use hemvist_platform::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error(transparent)]
    Db(#[from] tokio_postgres::Error),
    /// A stored value that is impossible (our bug or a manual edit): a 500, never the client's fault.
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

impl From<RepoError> for ApiError {
    fn from(error: RepoError) -> Self {
        match error {
            RepoError::Db(e) => e.into(),
            RepoError::Corrupt(cause) => ApiError::internal(cause),
        }
    }
}
