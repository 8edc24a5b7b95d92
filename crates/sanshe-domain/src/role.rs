//! Roles (domain guide §2) and the scope each account is bound to.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    StreetStaff,
    CommunityStaff,
    SocialOrg,
    SocialWorker,
    Evaluator,
    Resident,
    SystemAdmin,
    SecurityAdmin,
    AuditAdmin,
}

/// What a role's scope is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKind {
    /// An area subtree whose root has the given level.
    Area(crate::AreaLevel),
    /// An organization.
    Org,
    /// No scope (residents, the three administrators).
    None,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::DistrictAdmin,
        Role::StreetStaff,
        Role::CommunityStaff,
        Role::SocialOrg,
        Role::SocialWorker,
        Role::Evaluator,
        Role::Resident,
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::AuditAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::StreetStaff => "street_staff",
            Role::CommunityStaff => "community_staff",
            Role::SocialOrg => "social_org",
            Role::SocialWorker => "social_worker",
            Role::Evaluator => "evaluator",
            Role::Resident => "resident",
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::AuditAdmin => "audit_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn scope_kind(self) -> ScopeKind {
        use crate::AreaLevel::*;
        match self {
            Role::DistrictAdmin => ScopeKind::Area(District),
            Role::StreetStaff => ScopeKind::Area(Street),
            Role::CommunityStaff => ScopeKind::Area(Community),
            Role::SocialOrg | Role::SocialWorker | Role::Evaluator => ScopeKind::Org,
            Role::Resident | Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin => {
                ScopeKind::None
            }
        }
    }

    /// The three separated administrators (三权分立).
    pub fn is_admin(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }
}

/// The part of the world an account may act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// An area subtree, identified by its root code.
    Area { code: String },
    /// An organization, by id.
    Org { id: i64 },
    /// Not bound to any area or organization.
    None,
}

impl Scope {
    /// True when the scope is an area subtree containing `code`.
    pub fn covers_area(&self, code: &str) -> bool {
        matches!(self, Scope::Area { code: root } if code.starts_with(root.as_str()))
    }

    /// True when `code` is an ancestor of this scope's root (visible as context, e.g. in
    /// breadcrumbs, but not editable).
    pub fn is_ancestor_of_scope(&self, code: &str) -> bool {
        matches!(self, Scope::Area { code: root } if root.starts_with(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_keys_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn area_scope_is_a_subtree() {
        let s = Scope::Area {
            code: "320412100".into(),
        };
        assert!(s.covers_area("320412100"));
        assert!(s.covers_area("320412100001"));
        assert!(!s.covers_area("320412102001"));
        assert!(!s.covers_area("320412"));
        assert!(s.is_ancestor_of_scope("320412"));
        assert!(!Scope::None.covers_area("320412"));
    }
}
