//! Authorization, decided here and nowhere else.
//!
//! [`allowed`] is the role × permission matrix; [`require`] and [`require_area`] add the
//! actor's scope. Handlers never look at roles themselves.

use crate::{Actor, AppError};
use sanshe_domain::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Perm {
    /// Read areas inside one's scope.
    AreaRead,
    /// Edit names, urban/rural and populations inside one's scope.
    AreaWrite,
    /// Import divisions from the NBS CSV format.
    AreaImport,
    /// List and read accounts.
    UserRead,
    /// Create accounts, reset passwords, lock and unlock (system administrator).
    UserManage,
    /// Assign roles and scopes (security administrator).
    UserRoles,
    /// See and lift sign-in throttles (security administrator).
    ThrottleManage,
    /// Clear someone's second factor (security administrator).
    MfaReset,
    /// Read and export the audit log (audit administrator only).
    AuditRead,
    /// Read the effective configuration (system administrator).
    ConfigRead,
    /// Read and keep the facility registry (area scope).
    FacilityRead,
    FacilityWrite,
    /// Read organizations (area scope; an organization its own record).
    OrgRead,
    /// Create and edit organizations (area scope; an organization its own profile).
    OrgWrite,
    /// Status, annual results, blacklisting, incubation, federations (district, street).
    OrgSupervise,
    /// Read social workers (area scope; an organization its staff; a worker themself).
    WorkerRead,
    /// A social worker's own service: the contracts whose team they are on, their hours.
    PurchaseServe,
    WorkerWrite,
    /// See an ID or phone number in full (each reveal is audited).
    PiiReveal,
    /// Community posts (area scope).
    PostRead,
    PostWrite,
    /// The policy-target dashboard.
    TargetRead,
    /// Edit the policy profile and take year-end snapshots (district).
    PolicyWrite,
    /// See the working-day calendar (every business role and the system administrator).
    CalendarRead,
    /// Keep public holidays and adjusted working days (district administrator).
    CalendarWrite,
    /// Raise one's own needs and follow them (residents).
    NeedRaise,
    /// See needs in one's area (community, street, district staff).
    NeedRead,
    /// Record needs on a resident's behalf, accept, answer, reject (area staff).
    NeedHandle,
    /// See project proposals in or for one's area.
    ProposalRead,
    /// Group accepted needs into proposals, propose and retract them (street, district).
    ProposalWrite,
    /// Adopt or decline proposals (district).
    ProposalDecide,
    /// Keep the list of need categories (district).
    NeedConfigure,
    /// See the purchase of services of one's district: catalog, budget, projects (area
    /// staff; street and community staff the projects serving their area).
    PurchaseRead,
    /// Keep the catalog and budget lines, design, approve, publish and close projects
    /// (district).
    PurchaseManage,
    /// Apply to calls for the organization one acts for (an organization's account).
    PurchaseApply,
    /// Sit on review panels one is drawn for: declare conflicts, score (an evaluator's account).
    PanelServe,
    /// Vote for a finalist of a venture-philanthropy round, once per round (residents).
    VentureVote,
}

/// The role × permission matrix.
pub fn allowed(role: Role, perm: Perm) -> bool {
    use Perm::*;
    use Role::*;
    match perm {
        AreaRead => matches!(
            role,
            DistrictAdmin | StreetStaff | CommunityStaff | SystemAdmin | SecurityAdmin
        ),
        AreaWrite => matches!(role, DistrictAdmin | StreetStaff | CommunityStaff),
        AreaImport => matches!(role, DistrictAdmin | SystemAdmin),
        UserRead => matches!(role, SystemAdmin | SecurityAdmin),
        UserManage | ConfigRead => role == SystemAdmin,
        UserRoles | ThrottleManage | MfaReset => role == SecurityAdmin,
        AuditRead => role == AuditAdmin,
        FacilityRead | FacilityWrite | PostRead | PostWrite | TargetRead => {
            matches!(role, DistrictAdmin | StreetStaff | CommunityStaff)
        }
        OrgRead | OrgWrite => matches!(
            role,
            DistrictAdmin | StreetStaff | CommunityStaff | SocialOrg
        ),
        OrgSupervise => matches!(role, DistrictAdmin | StreetStaff),
        WorkerRead | WorkerWrite => matches!(
            role,
            DistrictAdmin | StreetStaff | CommunityStaff | SocialOrg | SocialWorker
        ),
        PiiReveal => matches!(
            role,
            DistrictAdmin | StreetStaff | CommunityStaff | SocialWorker
        ),
        PolicyWrite | CalendarWrite | ProposalDecide | NeedConfigure | PurchaseManage => {
            role == DistrictAdmin
        }
        PurchaseRead => matches!(role, DistrictAdmin | StreetStaff | CommunityStaff),
        PurchaseApply => role == SocialOrg,
        PurchaseServe => role == SocialWorker,
        PanelServe => role == Evaluator,
        NeedRaise | VentureVote => role == Resident,
        NeedRead | NeedHandle | ProposalRead => {
            matches!(role, DistrictAdmin | StreetStaff | CommunityStaff)
        }
        ProposalWrite => matches!(role, DistrictAdmin | StreetStaff),
        CalendarRead => matches!(
            role,
            DistrictAdmin
                | StreetStaff
                | CommunityStaff
                | SocialOrg
                | SocialWorker
                | Evaluator
                | SystemAdmin
        ),
    }
}

pub fn can(actor: &Actor, perm: Perm) -> bool {
    actor.is_cli || allowed(actor.role, perm)
}

pub fn require(actor: &Actor, perm: Perm) -> Result<(), AppError> {
    if can(actor, perm) {
        granted()
    } else {
        Err(AppError::Forbidden)
    }
}

tokio::task_local! {
    static BODY_FAULT: std::cell::RefCell<Option<sanshe_domain::FieldError>>;
}

/// Runs one request with a slot for a fault in its body (a field outside the bounds its
/// schema declares). The fault is reported at the first permission the request is granted
/// ([`require`]) or, at the latest, when its unit of work would commit: a caller who may
/// not act is refused (403, audited) whatever they sent, and one who may is told what is
/// wrong before anything is written. Returns the fault when nothing took it.
pub async fn body_checked<F: std::future::Future>(
    f: F,
) -> (F::Output, Option<sanshe_domain::FieldError>) {
    BODY_FAULT
        .scope(std::cell::RefCell::new(None), async {
            let out = f.await;
            (out, BODY_FAULT.with(|c| c.borrow_mut().take()))
        })
        .await
}

/// Holds a body's fault until the request's first granted permission; `Err` gives it back
/// when there is no slot (outside [`body_checked`]), for the caller to report at once.
pub fn hold_body_fault(e: sanshe_domain::FieldError) -> Result<(), sanshe_domain::FieldError> {
    let mut e = Some(e);
    let _ = BODY_FAULT.try_with(|c| *c.borrow_mut() = e.take());
    e.map_or(Ok(()), Err)
}

/// A permission was granted: a held body fault is the answer now.
pub fn granted() -> Result<(), AppError> {
    match BODY_FAULT.try_with(|c| c.borrow_mut().take()) {
        Ok(Some(e)) => Err(AppError::invalid(e)),
        _ => Ok(()),
    }
}

/// Area-scoped roles see their subtree; account administrators see every area (they bind
/// accounts to areas); the command line sees everything.
pub fn area_in_scope(actor: &Actor, code: &str) -> bool {
    actor.is_cli
        || matches!(actor.role, Role::SystemAdmin | Role::SecurityAdmin)
        || actor.scope.covers_area(code)
}

pub fn require_area(actor: &Actor, perm: Perm, code: &str) -> Result<(), AppError> {
    require(actor, perm)?;
    if area_in_scope(actor, code) {
        Ok(())
    } else {
        // An area out of reach answers exactly as one that does not exist.
        Err(AppError::Hidden)
    }
}

/// The subtree an actor's area lists are restricted to (None: unrestricted).
pub fn area_root(actor: &Actor) -> Option<String> {
    match &actor.scope {
        sanshe_domain::Scope::Area { code } => Some(code.clone()),
        _ if actor.is_cli || matches!(actor.role, Role::SystemAdmin | Role::SecurityAdmin) => None,
        // Roles without an area scope that can read areas would see nothing.
        _ => Some("-".into()),
    }
}

/// May the actor act on a record located in `area` (None: a record without an area, which
/// only district-wide and command-line actors may touch)?
pub fn record_in_scope(actor: &Actor, area: Option<&str>) -> bool {
    if actor.is_cli {
        return true;
    }
    match (&actor.scope, area) {
        (sanshe_domain::Scope::Area { code }, Some(a)) => a.starts_with(code.as_str()),
        (sanshe_domain::Scope::Area { code }, None) => code.len() == 6,
        _ => false,
    }
}

/// The organization an organization-scoped actor acts for.
pub fn own_org(actor: &Actor) -> Option<i64> {
    match actor.scope {
        sanshe_domain::Scope::Org { id } => Some(id),
        _ => None,
    }
}

/// Roles a system administrator may hand out when creating an account: every role except
/// the three administrators, whose assignment belongs to the security administrator.
pub fn creatable_by_system_admin(role: Role) -> bool {
    !role.is_admin()
}
