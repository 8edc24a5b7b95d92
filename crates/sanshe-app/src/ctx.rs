use sanshe_domain::{Role, Scope};

/// The authenticated account a request acts for.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    pub scope_name: Option<String>,
    pub locale: Option<String>,
    /// The operator at the server's command line: trusted, audited as `cli`.
    pub is_cli: bool,
    pub password_expired: bool,
    /// Signed in with a password an administrator set: nothing but changing it is allowed.
    pub must_change_password: bool,
    /// Password right, second factor still to come: only the code form is open.
    pub mfa_pending: bool,
    /// An administrator who must enrol a second factor before anything else.
    pub mfa_setup_required: bool,
}

impl Actor {
    pub fn cli() -> Actor {
        let who = std::env::var("USER").unwrap_or_else(|_| "operator".into());
        Actor {
            user_id: None,
            username: format!("cli:{who}"),
            display_name: "command line".into(),
            role: Role::SystemAdmin,
            scope: Scope::None,
            scope_name: None,
            locale: None,
            is_cli: true,
            password_expired: false,
            must_change_password: false,
            mfa_pending: false,
            mfa_setup_required: false,
        }
    }
}

/// Who acts and from where: passed to every use case.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Option<Actor>,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

impl Ctx {
    pub fn cli() -> Ctx {
        Ctx {
            actor: Some(Actor::cli()),
            client: Some("cli".into()),
            request_id: None,
        }
    }

    /// Scheduled work run by the server itself (reminders, overdue flags).
    pub fn system() -> Ctx {
        Ctx {
            actor: Some(Actor {
                username: "system:scheduler".into(),
                display_name: "system".into(),
                ..Actor::cli()
            }),
            client: Some("scheduler".into()),
            request_id: None,
        }
    }

    pub fn anonymous(client: Option<String>, request_id: Option<String>) -> Ctx {
        Ctx {
            actor: None,
            client,
            request_id,
        }
    }

    pub fn actor(&self) -> Result<&Actor, crate::AppError> {
        self.actor.as_ref().ok_or(crate::AppError::Unauthenticated)
    }

    /// An audit entry for this actor and request: the action is typed (it also names the
    /// object type), never free text.
    pub fn audit_entry(
        &self,
        action: sanshe_domain::audit::Action,
        object_id: Option<String>,
        summary: String,
        outcome: sanshe_domain::audit::Outcome,
    ) -> sanshe_store::audit::NewAuditEntry {
        sanshe_store::audit::NewAuditEntry {
            actor_id: self.actor.as_ref().and_then(|a| a.user_id),
            actor_name: self
                .actor
                .as_ref()
                .map(|a| a.username.clone())
                .unwrap_or_else(|| "-".into()),
            action: action.name(),
            object_type: action.object().into(),
            // Bounded here, before storage: summaries may quote what a visitor typed.
            object_id: object_id.map(|o| sanshe_domain::text::bounded(&o, 128)),
            summary: sanshe_domain::text::bounded(&summary, 2_000),
            outcome: outcome.as_str().into(),
            client: self
                .client
                .as_deref()
                .map(|c| sanshe_domain::text::bounded(c, 64)),
            request_id: self.request_id.clone(),
        }
    }
}
