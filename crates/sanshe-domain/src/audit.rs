//! What audit entries record, as types: an entry's action is one of these, never free text,
//! so every action the product can log is listed here and has one spelling.

/// A registry record's verbs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Create,
    Update,
    Delete,
    Import,
    Export,
    Reveal,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Delete => "delete",
            Verb::Import => "import",
            Verb::Export => "export",
            Verb::Reveal => "reveal",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Access,
    Login,
    Logout,
    Lockout,
    Throttle,
    ThrottleLift,
    MfaEnrol,
    MfaReset,
    UserCreate,
    UserLock,
    UserUnlock,
    UserResetPassword,
    UserChangeRole,
    UserChangePassword,
    UserSetLocale,
    TokenCreate,
    TokenRevoke,
    AreaUpdate,
    AreaPopulation,
    AreaImport,
    AuditRead,
    AuditExport,
    AuditVerify,
    CalendarSet,
    CalendarRemove,
    CalendarImport,
    DemoLoad,
    DemoRegistries,
    FacilityPhotoAdd,
    FacilityPhotoDelete,
    JobStart,
    JobFinish,
    ImportJobStart,
    ImportJobFinish,
    InboxRead,
    NeedCreate,
    NeedReveal,
    NeedExport,
    NeedAttach,
    NeedDetach,
    NeedRemind,
    NeedDemo,
    NeedCategorySet,
    ProposalCreate,
    NetworkExport,
    OrgFund,
    OrgFundExport,
    PiiRotate,
    PiiKeyRecorded,
    FacilityOpenProfiles,
    OrgNameKeys,
    FactEvidence,
    PolicyUpdate,
    TargetsSnapshot,
    WorkerCpd,
    WorkerCpdImport,
    WorkerSubsidy,
    WorkerLinkUser,
    /// An incubation base, incubation, graduation, federation or membership recorded.
    Network(NetworkAction),
    /// A registry record (`facility`, `organization`, `social_worker`, `post`).
    Record {
        object: &'static str,
        verb: Verb,
    },
    /// A purchase-of-services record written outside a transition (`budget_line.create`,
    /// `catalog_item.import`, …).
    Purchase {
        object: &'static str,
        verb: &'static str,
    },
    /// A workflow step: the workflow's kind and the event's name.
    Transition {
        kind: &'static str,
        event: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkAction {
    Base,
    Incubation,
    Graduate,
    Federation,
    Member,
}

impl NetworkAction {
    pub const ALL: [NetworkAction; 5] = [
        NetworkAction::Base,
        NetworkAction::Incubation,
        NetworkAction::Graduate,
        NetworkAction::Federation,
        NetworkAction::Member,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NetworkAction::Base => "base",
            NetworkAction::Incubation => "incubation",
            NetworkAction::Graduate => "graduate",
            NetworkAction::Federation => "federation",
            NetworkAction::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<NetworkAction> {
        NetworkAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl Action {
    /// The action as stored (`object.verb`, or a single word for sign-in events).
    pub fn name(self) -> String {
        let fixed = match self {
            Action::Access => "access",
            Action::Login => "login",
            Action::Logout => "logout",
            Action::Lockout => "lockout",
            Action::Throttle => "throttle",
            Action::MfaEnrol => "user.mfa_enrol",
            Action::MfaReset => "user.mfa_reset",
            Action::ThrottleLift => "throttle.lift",
            Action::UserCreate => "user.create",
            Action::UserLock => "user.lock",
            Action::UserUnlock => "user.unlock",
            Action::UserResetPassword => "user.reset_password",
            Action::UserChangeRole => "user.change_role",
            Action::UserChangePassword => "user.change_password",
            Action::UserSetLocale => "user.set_locale",
            Action::TokenCreate => "token.create",
            Action::TokenRevoke => "token.revoke",
            Action::AreaUpdate => "area.update",
            Action::AreaPopulation => "area.population",
            Action::AreaImport => "area.import",
            Action::AuditRead => "audit.read",
            Action::AuditExport => "audit.export",
            Action::AuditVerify => "audit.verify",
            Action::CalendarSet => "calendar.set",
            Action::CalendarRemove => "calendar.remove",
            Action::CalendarImport => "calendar.import",
            Action::DemoLoad => "demo.load",
            Action::DemoRegistries => "demo.registries",
            Action::FacilityPhotoAdd => "facility.photo.add",
            Action::FacilityPhotoDelete => "facility.photo.delete",
            Action::JobStart => "job.start",
            Action::JobFinish => "job.finish",
            Action::ImportJobStart => "import_job.start",
            Action::ImportJobFinish => "import_job.finish",
            Action::InboxRead => "inbox.read",
            Action::NeedCreate => "need.create",
            Action::NeedReveal => "need.reveal",
            Action::NeedExport => "need.export",
            Action::NeedAttach => "need.attach",
            Action::NeedDetach => "need.detach",
            Action::NeedRemind => "need.remind",
            Action::NeedDemo => "need.demo",
            Action::NeedCategorySet => "need.category_set",
            Action::ProposalCreate => "proposal.create",
            Action::NetworkExport => "network.export",
            Action::OrgFund => "organization.fund",
            Action::OrgFundExport => "organization.fund_export",
            Action::PiiRotate => "pii.rotate",
            Action::PiiKeyRecorded => "pii.key_recorded",
            Action::FacilityOpenProfiles => "facility.open_profiles",
            Action::OrgNameKeys => "organization.name_keys",
            Action::FactEvidence => "fact_change.evidence",
            Action::PolicyUpdate => "policy.update",
            Action::TargetsSnapshot => "targets.snapshot",
            Action::WorkerCpd => "social_worker.cpd",
            Action::WorkerCpdImport => "social_worker.cpd_import",
            Action::WorkerSubsidy => "social_worker.subsidy",
            Action::WorkerLinkUser => "social_worker.link_user",
            Action::Network(a) => return format!("organization.{}", a.as_str()),
            Action::Record { object, verb } => return format!("{object}.{}", verb.as_str()),
            Action::Transition { kind, event } => return format!("{kind}.{event}"),
            Action::Purchase { object, verb } => return format!("{object}.{verb}"),
        };
        fixed.to_owned()
    }

    /// The kind of object the entry is about (the audit log's object type).
    pub fn object(self) -> &'static str {
        match self {
            Action::Access => "route",
            Action::Login
            | Action::Logout
            | Action::Lockout
            | Action::Throttle
            | Action::MfaEnrol
            | Action::MfaReset
            | Action::ThrottleLift
            | Action::UserCreate
            | Action::UserLock
            | Action::UserUnlock
            | Action::UserResetPassword
            | Action::UserChangeRole
            | Action::UserChangePassword
            | Action::UserSetLocale => "user",
            Action::TokenCreate | Action::TokenRevoke => "api_token",
            Action::AreaUpdate | Action::AreaPopulation | Action::AreaImport | Action::DemoLoad => {
                "area"
            }
            Action::AuditRead | Action::AuditExport | Action::AuditVerify => "audit_log",
            Action::CalendarSet | Action::CalendarRemove | Action::CalendarImport => "calendar",
            Action::DemoRegistries => "registry",
            Action::FacilityPhotoAdd
            | Action::FacilityPhotoDelete
            | Action::FacilityOpenProfiles => "facility",
            Action::JobStart | Action::JobFinish => "job",
            Action::ImportJobStart | Action::ImportJobFinish => "import_job",
            Action::InboxRead => "inbox",
            Action::NeedCreate
            | Action::NeedReveal
            | Action::NeedExport
            | Action::NeedAttach
            | Action::NeedDetach
            | Action::NeedRemind
            | Action::NeedDemo
            | Action::NeedCategorySet => "need",
            Action::ProposalCreate => "proposal",
            Action::FactEvidence => "fact_change",
            Action::NetworkExport => "network",
            Action::OrgFund | Action::OrgFundExport | Action::OrgNameKeys => "organization",
            Action::PiiRotate
            | Action::PiiKeyRecorded
            | Action::WorkerCpd
            | Action::WorkerSubsidy
            | Action::WorkerLinkUser => "social_worker",
            Action::WorkerCpdImport => "cpd_entry",
            Action::PolicyUpdate => "policy_profile",
            Action::TargetsSnapshot => "target_snapshot",
            Action::Network(_) => "organization_network",
            Action::Record { object, .. } => object,
            Action::Transition { kind, .. } => kind,
            Action::Purchase { object, .. } => object,
        }
    }
}

/// How the action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}
