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
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(FieldError),
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("account locked")]
    AccountLocked,
    #[error("too many failed logins; locked until {0}")]
    LockedOut(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
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
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::BadCredentials => "bad_credentials",
            AppError::AccountLocked => "account_locked",
            AppError::LockedOut(_) => "locked_out",
            AppError::Store(_) | AppError::Internal(_) => "internal",
        }
    }
}
