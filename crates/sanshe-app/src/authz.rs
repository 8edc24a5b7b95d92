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
    /// Read and export the audit log (audit administrator only).
    AuditRead,
    /// Read the effective configuration (system administrator).
    ConfigRead,
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
        UserRoles => role == SecurityAdmin,
        AuditRead => role == AuditAdmin,
    }
}

pub fn can(actor: &Actor, perm: Perm) -> bool {
    actor.is_cli || allowed(actor.role, perm)
}

pub fn require(actor: &Actor, perm: Perm) -> Result<(), AppError> {
    if can(actor, perm) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
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
        Err(AppError::Forbidden)
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

/// Roles a system administrator may hand out when creating an account: every role except
/// the three administrators, whose assignment belongs to the security administrator.
pub fn creatable_by_system_admin(role: Role) -> bool {
    !role.is_admin()
}
