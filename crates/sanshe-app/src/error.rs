use sanshe_domain::FieldError;
use sanshe_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Out of the actor's reach: answered exactly as [`AppError::NotFound`], and audited as
    /// a refusal.
    #[error("not found")]
    Hidden,
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(FieldError),
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("account locked")]
    AccountLocked,
    #[error("too many failed sign-ins; wait until {0}")]
    /// Too many failed sign-ins for this name or from this address: wait until then.
    Throttled(i64),
    #[error(transparent)]
    Store(StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// A unique index refusing a write means another save of the same key won the race (the
/// use case's own check ran before it committed): a conflict, never a server error. The
/// same for a foreign key: the record referred to was removed meanwhile, or is in use.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_unique_violation() {
            AppError::Conflict(FieldError::new("", "err-duplicate-concurrent"))
        } else if e.is_bad_text() {
            AppError::Invalid(vec![FieldError::new("", "err-control-chars")])
        } else if e.is_foreign_key_violation() {
            AppError::Conflict(FieldError::new("", "err-reference-changed"))
        } else {
            AppError::Store(e)
        }
    }
}

impl AppError {
    pub fn invalid(e: FieldError) -> Self {
        AppError::Invalid(vec![e])
    }

    /// Stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound | AppError::Hidden => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::BadCredentials => "bad_credentials",
            AppError::AccountLocked => "account_locked",
            AppError::Throttled(_) => "throttled",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }
}
